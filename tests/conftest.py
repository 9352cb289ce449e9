"""Shared fixtures: a migrated database, the fake Bot API server and the running bot.

Every test that uses a database (the `database_url` fixture, or `settings` and `bot` on top
of it) runs twice: on SQLite (`[sqlite]`) and on PostgreSQL (`[postgresql]`, marked
`postgresql`). Tests that need no database run once. Without a PostgreSQL server the
PostgreSQL runs are left out and one line at the end says so. TEST_DATABASE=sqlite or
TEST_DATABASE=postgresql runs only that pass; the PostgreSQL pass then fails without a server.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from bot.config import load_settings
from sandbox.fakebot import FakeBotApi
from storage.db import migrate
from tests import postgres
from tests.harness import BotHarness

CONSULTANT_ID = 900_001
# One master key for every test's bot (a key file would land in the working folder).
TEST_MASTER_KEY = "YmllYi1ib3QtdGVzdC1tYXN0ZXIta2V5LTMyYnl0ZXM="
# Bots started as processes (the crash, webhook and command-line tests) use it too.
os.environ["MASTER_KEY"] = TEST_MASTER_KEY
BACKENDS = ("sqlite", "postgresql")
POSTGRES_ANSWERS = pytest.StashKey[bool]()
POSTGRES_ONLY = {"postgres_url", "migrated_postgres_url", "postgres_template"}

# No deadlines: a busy machine (two test runs on two cores) must not fail a property test.
hypothesis_settings.register_profile(
    "bieb", deadline=None, suppress_health_check=[HealthCheck.too_slow])
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "bieb"))


def _backends() -> tuple[str, ...]:
    chosen = os.environ.get("TEST_DATABASE", "").strip()
    if not chosen:
        return BACKENDS
    if chosen not in BACKENDS:
        raise pytest.UsageError(f"TEST_DATABASE={chosen!r}: use sqlite or postgresql")
    return (chosen,)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "postgresql: runs on PostgreSQL (the [postgresql] run of a database test, "
                   "or a test only for PostgreSQL)")
    config.addinivalue_line(
        "markers", "sqlite_only(reason): the test's database_url is SQLite only")
    config.addinivalue_line(
        "markers", "slow: takes tens of seconds (the crash and fault tests; `make soak`)")
    backends = _backends()
    config.stash[POSTGRES_ANSWERS] = "postgresql" in backends and (
        bool(os.environ.get("TEST_POSTGRES_URL")) or postgres.available())
    if backends == ("postgresql",) and not config.stash[POSTGRES_ANSWERS]:
        raise pytest.UsageError(
            f"TEST_DATABASE=postgresql but no PostgreSQL server answers at {postgres.ADMIN_URL}")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "database_url" not in metafunc.fixturenames:
        return
    backends = _backends()
    if metafunc.definition.get_closest_marker("sqlite_only"):
        backends = ("sqlite",)  # (left out of the PostgreSQL pass, as it is not marked)
    metafunc.parametrize("database_url", [
        pytest.param(b, marks=[pytest.mark.postgresql] if b == "postgresql" else [])
        for b in backends], indirect=True)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    backends = _backends()
    keep, drop = [], []
    for item in items:
        if POSTGRES_ONLY & set(item.fixturenames):  # a test only for PostgreSQL
            item.add_marker(pytest.mark.postgresql)
        on_postgres = item.get_closest_marker("postgresql") is not None
        if on_postgres and not config.stash[POSTGRES_ANSWERS]:
            drop.append(item)
        elif backends == ("postgresql",) and not on_postgres:
            drop.append(item)  # the PostgreSQL pass: only what touches PostgreSQL
        else:
            keep.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
    # With parallel workers (`--dist loadgroup`) the slow tests run one after another on one
    # worker, so the crash test's restarts never load the machine during the fault test's
    # timing; the other worker meanwhile runs the quick tests.
    for item in items:
        if item.get_closest_marker("slow"):
            item.add_marker(pytest.mark.xdist_group("slow"))


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    # What the reliability tests measured (kills, faults, replays), also from parallel workers.
    lines = [value for report in terminalreporter.stats.get("passed", [])
             for name, value in report.user_properties if name == "figures"]
    if lines:
        terminalreporter.section("figures")
        for line in lines:
            terminalreporter.write_line(line)
    if "postgresql" in _backends() and not config.stash[POSTGRES_ANSWERS]:
        terminalreporter.write_line(
            f"PostgreSQL runs skipped: no server answers at {postgres.ADMIN_URL} "
            "(set TEST_POSTGRES_ADMIN_URL to use another)", yellow=True)


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrate once; every test gets a copy of this SQLite file."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    migrate(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_template():
    """Migrate one PostgreSQL database per session; tests get clones of it (`.clone()`), each
    made in the background while the test before runs."""
    url = postgres.create_database()
    if url is None:
        pytest.fail(f"no PostgreSQL server answers at {postgres.ADMIN_URL}")
    clones = postgres.Clones(url)
    try:
        migrate(url)
        yield clones
    finally:
        clones.close()
        postgres.drop_database(url)


@pytest.fixture
def postgres_url():
    """A fresh, empty PostgreSQL database (tests using it are marked `postgresql`)."""
    yield from _postgres_database(None)


@pytest.fixture
def migrated_postgres_url(postgres_template: postgres.Clones):
    """A fresh migrated PostgreSQL database: a clone of the session's template."""
    yield from _postgres_database(postgres_template)


def _postgres_database(clones: postgres.Clones | None):
    url = clones.take() if clones is not None else postgres.create_database()
    if url is None:
        pytest.fail(f"no PostgreSQL server answers at {postgres.ADMIN_URL}")
    yield url
    if clones is not None:
        clones.drop(url)
    else:
        postgres.drop_database(url)


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path):
    """A fresh migrated database per test, on the backend of the test's parameter."""
    if request.param == "postgresql":
        yield from _postgres_database(request.getfixturevalue("postgres_template"))
        return
    path = tmp_path / "bot.sqlite3"
    shutil.copy(request.getfixturevalue("migrated_template"), path)
    yield f"sqlite+aiosqlite:///{path}"


@pytest.fixture
def figures(request: pytest.FixtureRequest):
    """`figures("...")`: a line for the summary at the end of the run (and the CI log)."""
    callspec = getattr(request.node, "callspec", None)
    backend = callspec.params.get("database_url") if callspec else None
    prefix = f"{backend}: " if backend else ""
    return lambda line: request.node.user_properties.append(("figures", prefix + line))


@pytest.fixture
async def fake_api():
    server = FakeBotApi()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
def settings(fake_api: FakeBotApi, database_url: str):
    return load_settings(
        _env_file=None,
        telegram_bot_token=fake_api.token,
        telegram_api_url=fake_api.api_url,
        database_url=database_url,
        consultant_ids=[CONSULTANT_ID],
        master_key=TEST_MASTER_KEY,
        outbox_interval_seconds=0.2,
        outbox_chat_interval_seconds=0.0,  # the fault test sets Telegram's real pace
        # Else a test started on a weekday after 08:30 would get today's reminders (and on a
        # Monday the digest) at a moment that depends on the clock; the reminder tests turn
        # them on themselves or call run_morning with a chosen day.
        reminders=False,
    )


@pytest.fixture
async def bot(fake_api: FakeBotApi, settings):
    harness = BotHarness(fake_api, settings)
    await harness.start()
    yield harness
    await harness.stop()
    await asyncio.sleep(0)
