"""/report YEAR [en]: the yearly report for the municipality as a PDF (bot.report)."""

from __future__ import annotations

from datetime import datetime
from functools import partial

from telegram import Update

from bot import report
from bot.context import BotContext, Later
from bot.i18n import S_
from handlers.common import allowed_to


@allowed_to("stats")
async def report_command(update: Update, context: BotContext) -> None:
    """The year is checked in the update; the two years' figures are read after the commit
    (in a session of their own: nobody's update waits for them) and the PDF drawn in a
    thread, then sent as a document."""
    args = [arg.lower() for arg in context.args or []]
    language = args.pop() if len(args) == 2 and args[-1] in report.LANGUAGES else "nl"  # noqa: PLR2004
    settings, services, person = context.services.settings, context.services, context.person
    now = services.now()
    year_text = args[0] if args else ""
    try:
        if len(args) != 1:
            raise report.YearError("malformed")
        year = report.parse_year(args[0], now, settings.zone)
    except report.YearError as err:
        context.reply(_year_problem(err, year_text, now, context))
        return

    async def send_report(later: Later) -> None:
        try:
            numbers = await report.gather_apart(services.sessions, year, settings.zone, now,
                                                services.facts, person,
                                                calendar=settings.working_days)
        except report.YearError as err:  # neither year has a case
            later.reply(_year_problem(err, year_text, now, context))
            return
        later.reply_rendered(partial(report.render_pdf, numbers, language),
                             report.filename(year, language), as_photo=False,
                             caption=S_("📄 Yearly report {year}, without personal data.")
                             .format(year=year))

    context.after_commit(send_report)


def _year_problem(err: report.YearError, year: str, now: datetime, context: BotContext) -> str:
    return S_(report.YEAR_PROBLEMS[err.args[0]]).format(
        year=year, last=now.astimezone(context.services.settings.zone).year - 1)
