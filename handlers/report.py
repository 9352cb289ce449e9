"""/report YEAR [en]: the yearly report for the municipality as a PDF (bot.report)."""

from __future__ import annotations

from functools import partial

from telegram import Update

from bot import report
from bot.context import BotContext
from bot.i18n import S_
from handlers.common import allowed_to


@allowed_to("stats")
async def report_command(update: Update, context: BotContext) -> None:
    """The figures are gathered in the update (in a session of their own); the PDF is drawn
    after the commit, in a thread, and sent as a document."""
    args = [arg.lower() for arg in context.args or []]
    language = args.pop() if len(args) == 2 and args[-1] in report.LANGUAGES else "nl"  # noqa: PLR2004
    settings, services = context.services.settings, context.services
    now = services.now()
    try:
        if len(args) != 1:
            raise report.YearError("malformed")
        year = report.parse_year(args[0], now, settings.zone)
        numbers = await report.gather(context.session, year, settings.zone, now,
                                      services.facts, context.person, services.sessions)
    except report.YearError as err:
        year_text = args[0] if args else ""
        context.reply(S_(report.YEAR_PROBLEMS[err.args[0]]).format(
            year=year_text, last=now.astimezone(settings.zone).year - 1))
        return
    context.reply_rendered(partial(report.render_pdf, numbers, language),
                           report.filename(year, language), as_photo=False,
                           caption=S_("📄 Yearly report {year}, without personal data.").format(
                               year=year))
