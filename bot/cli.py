"""Command-line entry: run the bot and the admin commands. Installed as the console script
`bieb-bot`; `python main.py ...` in the source tree is the same.

    bieb-bot                    the real bot with TELEGRAM_BOT_TOKEN set, else the sandbox
    bieb-bot sandbox [--port N] [--lang L] [--host H]
                                the whole bot in the browser without Telegram (a demo)
    bieb-bot run                start the bot (long polling)
    bieb-bot run --webhook      the same over a webhook, with GET /healthz (see docs/deploy.md)
    bieb-bot migrate            apply database migrations
    bieb-bot consultant add|remove TELEGRAM_USER_ID [--name NAME]
    bieb-bot export [--period 2026|2026-11|all] [--output FILE]
                                cases without personal data as CSV (as /export sends)
    bieb-bot report --year 2026 [--output FILE] [--language en] [--page N]
                                the yearly report for the municipality as PDF (as /report
                                sends), or one page of it as PNG (--page, an .png output)
    bieb-bot chart [--period 2026|2026-11|all] [--output FILE] [--language en]
                                /stats's chart as PNG
    bieb-bot seed-cases N [--years 2] [--force]
                                N made-up cases (no personal data) for measuring; refuses a
                                database that has cases unless --force
    bieb-bot backup PATH        a consistent copy of the database while the bot runs, without
                                the data keys (see docs/deploy.md: back up the master key apart)
    bieb-bot rotate-key         a new master key: every data key wrapped again under it
    bieb-bot ask --lang LANG "QUESTION"
                                which topic the bot would answer with (or `none`), and the answer
    bieb-bot health             asks the running bot's /healthz: exit 0 when healthy, else 1
    bieb-bot review LANG [--output FILE]
                                a sheet (CSV) for a native speaker to review a language's texts
    bieb-bot review --apply FILE [--dry-run]
                                merge the sheet's corrections into that language's catalog
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from bot import answers, charts, figures, health, masterkey, matcher, report, review, seed
from bot.app import ALLOWED_UPDATES, build_application
from bot.config import ConfigError, Settings, load_settings
from bot.facts import load_facts
from bot.i18n import (
    LANGUAGES,
    LOCALES_DIR,
    CatalogError,
    _,
    for_reader,
    load_catalogs,
    use_language,
)
from bot.intake import Front, Poller, serve
from bot.updates import BotApplication
from bot.webhook import WebhookServer
from sandbox import server as sandbox_server
from storage import crypto, keys
from storage.db import create_engine, create_session_factory, migrate
from storage.repositories import people

UPDATES = ALLOWED_UPDATES
T = TypeVar("T")
BACKUP_NOTE = ("it holds the personal data sealed and no data keys: keep the master key "
               "(MASTER_KEY_FILE) backed up apart from it, and the live database's data keys "
               "are needed to read it")
TOKEN_HINT = ("TELEGRAM_BOT_TOKEN is not set: create a bot with @BotFather in Telegram "
              "(/newbot), then export TELEGRAM_BOT_TOKEN=<the token it gives you>. "
              "To try the bot without Telegram: bieb-bot sandbox.")


def _settings() -> Settings:
    return load_settings()


def cmd_migrate(args: argparse.Namespace) -> int:
    settings = _settings()
    migrate(settings.database_url)
    print("database is up to date")
    return 0


def cmd_start(args: argparse.Namespace) -> int:
    """No command (`make run`): the real bot when a token is set, else the sandbox."""
    settings = _settings()
    if settings.telegram_bot_token:
        return cmd_run(args)
    return cmd_sandbox(argparse.Namespace(port=settings.sandbox_port, host="127.0.0.1",
                                          lang="nl", data="data"))


def cmd_sandbox(args: argparse.Namespace) -> int:
    """The whole bot in the browser, against a fake Telegram, on data/sandbox.sqlite3."""
    try:
        asyncio.run(sandbox_server.serve(Path(args.data), args.host, args.port, args.lang))
    except KeyboardInterrupt:
        pass
    except OSError as err:
        print(f"the sandbox cannot listen on {args.host}:{args.port}: {err.strerror or err}; "
              "choose another with --port", file=sys.stderr)
        return 2
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    settings = _settings()
    if not settings.telegram_bot_token:
        print(TOKEN_HINT, file=sys.stderr)
        return 2
    webhook = getattr(args, "webhook", False)
    if webhook and not (settings.webhook_url and settings.webhook_secret):
        print("webhook mode needs WEBHOOK_URL (the public https address) and WEBHOOK_SECRET "
              "(16 to 256 letters, digits, _ or -)", file=sys.stderr)
        return 2
    migrate(settings.database_url)
    application = build_application(settings)
    if webhook:
        health.attach(application, settings)  # GET /healthz on WEBHOOK_LISTEN:HEALTH_PORT
    _settle()
    return asyncio.run(_serve(application, settings, webhook=webhook))


def _settle() -> None:
    """Move everything alive at start (catalogs, facts, SQLAlchemy's and PTB's modules) to the
    garbage collector's permanent generation: an update's objects are short-lived, and
    without this each full collection walks the whole long-lived heap again. Measured:
    reading a year's 50,000 cases for /stats took half the time after it."""
    gc.collect()
    gc.freeze()


async def _serve(application: BotApplication, settings: Settings, *, webhook: bool) -> int:
    """Updates are confirmed to Telegram only once handled (bot.intake): by the webhook's
    answer, or by the poller's next offset. SIGINT or SIGTERM stops it cleanly."""
    front: Front
    if webhook:
        # Requests without the right secret token get 403 and reach no handler.
        front = WebhookServer(application, settings, UPDATES)
    else:
        front = Poller(application, UPDATES)
    return await serve(application, front)


def cmd_consultant(args: argparse.Namespace) -> int:
    settings = _settings()
    migrate(settings.database_url)
    masterkey.configure(settings)

    async def change() -> str:
        engine = create_engine(settings.database_url)
        try:
            async with create_session_factory(engine)() as session, session.begin():
                if args.action == "add":
                    _, created = await people.upsert_consultant(session, args.user_id, args.name)
                    return "consultant added" if created else "consultant updated"
                removed = await people.deactivate_consultant(session, args.user_id)
                return "consultant removed" if removed else "no such active consultant"
        finally:
            await engine.dispose()

    print(asyncio.run(change()))
    return 0


def cmd_ask(args: argparse.Namespace) -> int:
    """So the library can test its content: the topic id (or `none`, or `smalltalk`) alone on
    the first line, then the answer a parent would get, as it would reach them (right to left
    in Arabic and Farsi, their digits); `--explain` adds why. The library's answer asks which
    village: its buttons follow in brackets, then what a tap on the first one shows."""
    settings = _settings()
    facts = load_facts(settings.library_facts_path)
    load_catalogs()
    found = matcher.match(args.question, args.lang)
    with use_language(args.lang):
        print(found.label)
        if found.smalltalk:
            print(for_reader(answers.smalltalk_text(found.smalltalk)))
            if found.unsure:
                print(f"[{_(answers.PASS_ON)}]")
        elif found.topic is None:
            print(for_reader(answers.not_sure_text(facts, found.guard)))
        elif found.topic == "library":
            answer = answers.library_answer(facts)
            print(for_reader(answer.text))
            print(" ".join(f"[{answers.place_label(facts.places[i])}]" for i in answer.choices))
            if answer.choices:
                first = answer.choices[0]
                print(f"\n[{answers.place_label(facts.places[first])}] →")
                print(for_reader(answers.library_answer(facts, shown=first).text))
        else:
            print(for_reader(answers.answer_text(found.topic, facts)))
    if args.explain:
        print(f"-- scores {found.scores}, language {found.language or '-'}, "
              f"guard {found.guard or '-'}, detected {matcher.detect_language(args.question)}"
              + (f", as the earlier question {found.example!r}" if found.example else ""),
              file=sys.stderr)
    return 0


def _period(text: str, settings: Settings) -> figures.Period | None:
    """The period asked for on the command line; None (and why, on stderr) when unknown."""
    try:
        return figures.parse_period(text, settings.zone)
    except figures.PeriodError:
        print(f"unknown period {text!r}: use 2026, 2026-11 or all", file=sys.stderr)
        return None


def cmd_export(args: argparse.Namespace) -> int:
    """The same CSV as /export: cases without personal data, for the municipality."""
    settings = _settings()
    period = _period(args.period, settings)
    if period is None:
        return 2
    migrate(settings.database_url)
    masterkey.configure(settings)

    output = args.output or f"cases-{period.label}.csv"
    # Written as the cases are read (a chunk at a time), into a file that takes the name
    # only once the audit entry of the export is committed.
    partial = None if output == "-" else f"{output}.part"

    async def export(out: BinaryIO) -> int:
        engine = create_engine(settings.database_url)
        try:
            sessions = create_session_factory(engine)
            async with sessions() as session, session.begin():
                with use_language(settings.default_locale):  # the header row's language
                    return await figures.write_export(out, session, period, settings.zone,
                                                      sessions=sessions)
        finally:
            await engine.dispose()

    if partial is None:
        rows = asyncio.run(export(sys.stdout.buffer))
        sys.stdout.buffer.flush()
        return 0
    try:
        with open(partial, "wb") as handle:
            rows = asyncio.run(export(handle))
        os.replace(partial, output)
    finally:
        if os.path.exists(partial):
            os.remove(partial)
    print(f"{rows} cases written to {output}")
    return 0


async def _read_figures(settings: Settings, read: Callable[[AsyncSession], Awaitable[T]]
                        ) -> T:
    engine = create_engine(settings.database_url)
    try:
        async with create_session_factory(engine)() as session, session.begin():
            return await read(session)
    finally:
        await engine.dispose()


def cmd_report(args: argparse.Namespace) -> int:
    """The same PDF as /report YEAR: the yearly report for the municipality."""
    settings = _settings()
    now = datetime.now(UTC)
    facts = load_facts(settings.library_facts_path)
    try:
        year = report.parse_year(str(args.year), now, settings.zone)
    except report.YearError as err:
        print(f"no report for {args.year!r}: " + ("that year has not ended yet"
              if err.args[0] == "future" else "give a year like 2026"), file=sys.stderr)
        return 2
    migrate(settings.database_url)
    masterkey.configure(settings)
    try:
        numbers = asyncio.run(_read_figures(settings, lambda session: report.gather(
            session, year, settings.zone, now, facts, calendar=settings.working_days)))
    except report.YearError:
        print(f"no cases in {year} or {year - 1}: nothing to report", file=sys.stderr)
        return 1
    output = args.output or report.filename(year, args.language)
    if args.page is not None or output.endswith(".png"):
        content = report.render_page_png(numbers, args.language, (args.page or 1) - 1)
    else:
        content = report.render_pdf(numbers, args.language)
    Path(output).write_bytes(content)
    print(f"the report of {year} ({numbers.this.cases} cases) written to {output}")
    return 0


def cmd_chart(args: argparse.Namespace) -> int:
    """/stats's chart as a PNG file."""
    settings = _settings()
    period = _period(args.period, settings)
    if period is None:
        return 2
    migrate(settings.database_url)
    masterkey.configure(settings)

    async def read(session: AsyncSession) -> tuple[figures.Figures, figures.Outreach]:
        return (await figures.figures(session, period, settings.zone,
                                      calendar=settings.working_days),
                await figures.outreach(session, period, settings.zone))

    numbers, outreach = asyncio.run(_read_figures(settings, read))
    if not numbers.cases and outreach.empty:
        print(f"no cases in {period.label}: nothing to draw", file=sys.stderr)
        return 1
    output = args.output or f"figures-{period.label}.png"
    Path(output).write_bytes(charts.render_png(numbers, args.language, outreach=outreach))
    print(f"the chart of {period.label} ({numbers.cases} cases) written to {output}")
    return 0


def cmd_seed_cases(args: argparse.Namespace) -> int:
    """Made-up cases for measuring (bot/seed.py), into the configured database."""
    if args.count < 1 or args.years <= 0:
        print("seed-cases needs a positive number of cases and of years", file=sys.stderr)
        return 2
    settings = _settings()
    villages = load_facts(settings.library_facts_path).villages
    migrate(settings.database_url)

    def progress(done: int, total: int) -> None:
        print(f"{done:,} of {total:,} cases", flush=True)

    async def fill() -> seed.Seeded:
        engine = create_engine(settings.database_url)
        try:
            return await seed.seed_cases(engine, args.count, villages=villages,
                                         years=args.years, force=args.force,
                                         seed=args.seed, progress=progress)
        finally:
            await engine.dispose()

    try:
        done = asyncio.run(fill())
    except seed.AlreadySeeded as err:
        print(f"{err}: nothing was added (seed-cases --force adds to them)", file=sys.stderr)
        return 1
    print(f"{done.cases:,} cases, {done.parents:,} parents, {done.events:,} events, "
          f"{done.needs:,} needs and {done.messages:,} messages added in {done.seconds:.1f} s")
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    """A consistent copy of the database while the bot runs (SQLite's online backup; for
    PostgreSQL, pg_dump)."""
    settings = _settings()
    url = make_url(settings.database_url)
    target = args.path
    if url.get_backend_name() == "sqlite":
        source_path = url.database
        if not source_path or not os.path.exists(source_path):
            print(f"no database at {source_path}", file=sys.stderr)
            return 2
        if os.path.exists(target):
            print(f"{target} exists already; choose a new file name", file=sys.stderr)
            return 2
        source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True, timeout=30)
        copy = sqlite3.connect(target)
        try:
            with copy:
                source.backup(copy, pages=1024)  # in steps: the bot keeps writing meanwhile
            _without_data_keys(copy)
            ok = copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        finally:
            copy.close()
            source.close()
        print(f"backup written to {target}; {BACKUP_NOTE}" if ok
              else f"backup {target} failed its check")
        return 0 if ok else 1
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        print("PostgreSQL: install pg_dump (Debian: postgresql-client) to make backups",
              file=sys.stderr)
        return 2
    plain = url.set(drivername="postgresql").render_as_string(hide_password=False)
    result = subprocess.run([pg_dump, "--format=custom", "--exclude-table-data=data_keys",
                             f"--file={target}", plain], check=False)
    if result.returncode == 0:
        print(f"backup written to {target}; {BACKUP_NOTE}")
    return result.returncode


def _without_data_keys(copy: sqlite3.Connection) -> None:
    """Empty the copy's data_keys (overwritten, not left in free pages): a backup holds
    ciphertext only, so a key destroyed later (erasure, anonymisation) is gone from it too."""
    has_keys = copy.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'data_keys'").fetchone()
    if has_keys:
        copy.execute("PRAGMA secure_delete=ON")
        with copy:
            copy.execute("DELETE FROM data_keys")
        copy.execute("VACUUM")


def cmd_rotate_key(args: argparse.Namespace) -> int:
    """A new master key: written first in the key file (the old ones stay after it, so
    everything reads during the rotation), every data key wrapped again under it, then the
    old keys dropped from the file."""
    settings = _settings()
    if settings.master_key:
        print("MASTER_KEY is set in the environment: put the new key first in it yourself "
              "(bieb-bot rotate-key works on MASTER_KEY_FILE)", file=sys.stderr)
        return 2
    migrate(settings.database_url)
    old = masterkey.master_keys(settings)
    new = crypto.new_master_key()
    masterkey.create_file(settings.master_key_file, [new, *old])
    crypto.configure([new, *old])

    async def rewrap() -> int:
        engine = create_engine(settings.database_url)
        try:
            async with create_session_factory(engine)() as session, session.begin():
                return await keys.rewrap_all(session)
        finally:
            await engine.dispose()

    count = asyncio.run(rewrap())
    masterkey.create_file(settings.master_key_file, [new])
    crypto.configure([new])
    print(f"{count} data keys wrapped under the new master key in "
          f"{settings.master_key_file}; {masterkey.BACKUP_HINT}")
    return 0


def cmd_health(args: argparse.Namespace) -> int:
    """For a container's health check (no curl in slim images): the running bot's /healthz."""
    healthy, answer = health.probe(_settings())
    print(answer, file=sys.stdout if healthy else sys.stderr)
    return 0 if healthy else 1


def cmd_review(args: argparse.Namespace) -> int:
    """Native review (bot/review.py): a sheet of a language's texts for a native speaker, or
    the corrections of a reviewed sheet merged into that language's catalog. Exit 2 when the
    language or the sheet cannot be used (nothing written), 1 when rows were refused or not
    found (the others are applied)."""
    locales = Path(args.locales) if args.locales else LOCALES_DIR
    if args.apply:
        if args.language or args.output:
            print("review --apply FILE takes the language from the sheet: give no LANG or "
                  "--output with it", file=sys.stderr)
            return 2
        return _apply_review(Path(args.apply), locales, args.dry_run)
    if not args.language or args.dry_run:
        print("review needs a language (bieb-bot review ar) or a reviewed sheet (bieb-bot "
              "review --apply review-ar.csv; --dry-run goes with --apply)", file=sys.stderr)
        return 2
    return _write_review_sheet(args.language, args.output, locales)


def _write_review_sheet(language: str, output: str | None, locales: Path) -> int:
    try:
        content, rows = review.sheet(language, locales)
    except review.ReviewError as err:
        print(f"{err}; nothing was written", file=sys.stderr)
        return 2
    output = output or f"review-{language}.csv"
    if output == "-":
        sys.stdout.buffer.write(content)
        return 0
    try:
        with open(output, "xb") as handle:  # never over a sheet a reviewer may have filled in
            handle.write(content)
    except FileExistsError:
        print(f"{output} exists already (a reviewer's corrections?): choose another name with "
              "--output, or delete it first", file=sys.stderr)
        return 2
    except OSError as err:
        print(f"cannot write {output}: {err.strerror or err}", file=sys.stderr)
        return 2
    print(f"{rows} rows of {language} texts written to {output}. The reviewer fills in the "
          f"correction column, then: bieb-bot review --apply {output}")
    return 0


def _apply_review(sheet: Path, locales: Path, dry_run: bool) -> int:
    try:
        data = sheet.read_bytes()
    except OSError as err:
        print(f"cannot read {sheet}: {err.strerror or err}", file=sys.stderr)
        return 2
    try:
        outcome = review.apply_sheet(data, locales, dry_run=dry_run)
    except review.ReviewError as err:
        print(f"{sheet}: {err}; nothing was applied", file=sys.stderr)
        return 2
    print("\n".join(review.report(outcome)))
    return 1 if outcome.refused or outcome.not_found else 0


def _figures_commands(commands: Any) -> None:
    report_ = commands.add_parser("report", help="the yearly report for the municipality "
                                                 "(PDF, without personal data)")
    report_.add_argument("--year", type=int, required=True, help="the year, e.g. 2026")
    report_.add_argument("--output", help="file to write (default jaarverslag-YEAR.pdf); "
                                          "FILE.png: one page as a picture")
    report_.add_argument("--language", default="nl", choices=report.LANGUAGES,
                         help="nl (default) or en")
    report_.add_argument("--page", type=int, help="only this page, as PNG")
    report_.set_defaults(func=cmd_report)
    chart = commands.add_parser("chart", help="/stats's chart as a PNG file")
    chart.add_argument("--period", default="", help="2026, 2026-11 or all (default: this year)")
    chart.add_argument("--output", help="file to write (default figures-PERIOD.png)")
    chart.add_argument("--language", default="nl", choices=report.LANGUAGES,
                       help="nl (default) or en")
    chart.set_defaults(func=cmd_chart)


def parser() -> argparse.ArgumentParser:
    # prog: the name it was started by, `bieb-bot` or `main.py`
    root = argparse.ArgumentParser(description="The library's referral bot.")
    commands = root.add_subparsers(dest="command", metavar="COMMAND")
    run = commands.add_parser("run", help="start the bot (long polling, or --webhook)")
    run.add_argument("--webhook", action="store_true",
                     help="serve updates over a webhook (WEBHOOK_URL, WEBHOOK_SECRET, ...)")
    run.set_defaults(func=cmd_run)
    sandbox = commands.add_parser("sandbox", help="try the bot in the browser, without "
                                                  "Telegram (a demo library, made-up people)")
    sandbox.add_argument("--port", type=int, default=8080, help="default 8080")
    sandbox.add_argument("--host", default="127.0.0.1",
                         help="where to listen (default 127.0.0.1: this computer only)")
    sandbox.add_argument("--lang", default="nl", choices=LANGUAGES,
                         help="the demo parent's Telegram language (default nl)")
    sandbox.add_argument("--data", default="data",
                         help="folder for its own database, sandbox.sqlite3 (default data)")
    sandbox.set_defaults(func=cmd_sandbox)
    commands.add_parser("migrate", help="apply database migrations").set_defaults(
        func=cmd_migrate)
    consultant = commands.add_parser("consultant", help="add or remove a library consultant")
    consultant.add_argument("action", choices=["add", "remove"])
    consultant.add_argument("user_id", type=int, metavar="TELEGRAM_USER_ID")
    consultant.add_argument("--name", help="the consultant's name as colleagues see it")
    consultant.set_defaults(func=cmd_consultant)
    ask = commands.add_parser("ask", help="show how the bot would answer a parent's question")
    ask.add_argument("--lang", required=True, choices=LANGUAGES,
                     help="the parent's language")
    ask.add_argument("question", help="the question, as a parent would type it")
    ask.add_argument("--explain", action="store_true",
                     help="also print the scores and the language found (to stderr)")
    ask.set_defaults(func=cmd_ask)
    export = commands.add_parser("export", help="write cases without personal data as CSV")
    export.add_argument("--period", default="", help="2026, 2026-11 or all (default: this year)")
    export.add_argument("--output", help="file to write (default cases-PERIOD.csv; - for stdout)")
    export.set_defaults(func=cmd_export)
    _figures_commands(commands)
    seed_cases = commands.add_parser(
        "seed-cases", help="fill the database with made-up cases of the last years, without "
                           "personal data (for measuring)")
    seed_cases.add_argument("count", type=int, metavar="N", help="how many cases")
    seed_cases.add_argument("--years", type=float, default=2.0,
                            help="over how many years back (default 2)")
    seed_cases.add_argument("--force", action="store_true",
                            help="add them also when the database holds cases already")
    seed_cases.add_argument("--seed", type=int, help="random seed, for the same cases again")
    seed_cases.set_defaults(func=cmd_seed_cases)
    backup = commands.add_parser("backup", help="a consistent copy of the database, "
                                                "also while the bot runs")
    backup.add_argument("path", help="the new file to write")
    backup.set_defaults(func=cmd_backup)
    review_ = commands.add_parser(
        "review", help="a sheet (CSV for Excel or LibreOffice) for a native speaker to review "
                       "a language's texts; --apply merges their corrections")
    review_.add_argument("language", nargs="?", metavar="LANG",
                         help="the language to review: " + ", ".join(LANGUAGES))
    review_.add_argument("--output", help="file to write (default review-LANG.csv; - for "
                                          "stdout); an existing file is never overwritten")
    review_.add_argument("--apply", metavar="FILE",
                         help="a reviewed sheet: its non-empty corrections go into the catalog "
                              "of the language its header names")
    review_.add_argument("--dry-run", action="store_true",
                         help="with --apply: show what would change, write nothing")
    review_.add_argument("--locales", metavar="DIR",
                         help="the catalogs' folder (default: the bot's own locales)")
    review_.set_defaults(func=cmd_review)
    commands.add_parser("rotate-key", help="make a new master key and wrap every data key "
                                           "under it").set_defaults(func=cmd_rotate_key)
    commands.add_parser("health", help="ask the running bot (webhook mode) whether it is "
                                       "healthy: exit 0 if so, else 1").set_defaults(
        func=cmd_health)
    return root


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # its lines carry the bot token
    logging.getLogger("alembic").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # a line per job run otherwise
    logging.getLogger("fontTools").setLevel(logging.WARNING)  # lines per font in each PDF
    args = parser().parse_args(argv)
    if getattr(args, "func", None) is None:
        args.func = cmd_start
    try:
        code: int = args.func(args)
        return code
    except ConfigError as err:
        print(f"Configuration error: {err}", file=sys.stderr)
        return 2
    except CatalogError as err:
        print(f"Translations: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `bieb-bot ask ... | head -1`: the reader left; no traceback, and none at exit
        # when Python flushes stdout again
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0

