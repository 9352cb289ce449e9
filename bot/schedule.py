"""Work the bot does by the clock: follow-up questions, morning reminders, the weekly digest.

Each run is idempotent: every message it queues has a dedupe key naming its day (or week), so
running it twice, or again after a restart, queues nothing new; and a restart after the
reminder time runs it at once, so a day's reminder is not skipped either.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import outbox, partnerships
from bot.callbacks import FollowupAnswer
from bot.cases import HELPED_OUTCOMES
from bot.config import Settings
from bot.i18n import S_, Sngettext, _, use_language
from storage.models import Case, CaseEvent, Parent
from storage.repositories import cases as cases_repo
from storage.repositories import people as people_repo

OPEN = ("new", "taken", "contacted")
MONDAY = 0  # date.weekday(): the digest on Mondays
# The digest's ages of open cases: under a week, under a month, older.
WEEK_DAYS, MONTH_DAYS = 7, 30


# ---- did the family get help? ---------------------------------------------------------------
async def ask_followups(session: AsyncSession, settings: Settings,
                        now: datetime | None = None) -> int:
    """Ask parents of cases closed as helped, some days ago, whether they got the help."""
    now = now or datetime.now(UTC)
    due = now - timedelta(days=settings.followup_after_days)
    asked = select(CaseEvent.case_id).where(CaseEvent.kind == "followup_asked")
    rows = await session.execute(
        select(Case, Parent).join(Parent, Parent.id == Case.parent_id)
        .where(Case.status == "closed", Case.outcome.in_(HELPED_OUTCOMES),
               Case.closed_at <= due, Case.helped.is_(None), Case.anonymised_at.is_(None),
               Parent.telegram_user_id.is_not(None), Case.id.not_in(asked)))
    count = 0
    for case, parent in rows.all():
        if parent.telegram_user_id is None:  # the query leaves erased parents out
            continue
        language = parent.language or case.family_language or "nl"
        with use_language(language):
            text = _("👋 Some time ago the library helped you. Did you get the help you "
                     "needed?")
            markup = {"inline_keyboard": [[
                {"text": _("👍 Yes"), "callback_data": FollowupAnswer("yes", case.id).pack()},
                {"text": _("👎 No"), "callback_data": FollowupAnswer("no", case.id).pack()}]]}
        if await outbox.queue_message(session, chat_id=parent.telegram_user_id, text=text,
                                      reply_markup=markup, dedupe_key=f"followup:{case.id}",
                                      case_id=case.id, language=language):
            await cases_repo.add_event(session, case.id, "followup_asked", "system", None)
            count += 1
    return count


# ---- the morning reminder -------------------------------------------------------------------
async def send_reminders(session: AsyncSession, settings: Settings,
                         now: datetime | None = None) -> int:
    """Each consultant: new cases nobody took, and their own cases left untouched; on working
    days (not on weekends and public holidays)."""
    now = now or datetime.now(UTC)
    day = now.astimezone(settings.zone).date()
    if not settings.working_days.is_working_day(day):  # weekends and public holidays
        return 0
    new_before = now - timedelta(days=settings.remind_new_after_days)
    idle_before = now - timedelta(days=settings.remind_idle_after_days)
    untaken = list(await session.scalars(
        select(Case).where(Case.status == "new", Case.assigned_consultant_id.is_(None),
                           Case.created_at <= new_before).order_by(Case.created_at)))
    queued = 0
    for consultant in await people_repo.active_consultants(session):
        idle = list(await session.scalars(
            select(Case).where(Case.status.in_(("taken", "contacted")),
                               Case.assigned_consultant_id == consultant.id,
                               Case.updated_at <= idle_before).order_by(Case.updated_at)))
        if not untaken and not idle:
            continue
        with use_language(consultant.language or "nl"):
            lines = [S_("☀️ Good morning! These cases are waiting:")]
            if untaken:
                days = settings.remind_new_after_days
                lines.append(Sngettext("🆕 Not taken for {days}+ day:",
                                       "🆕 Not taken for {days}+ days:", days).format(days=days))
                lines += [_line(case, now) for case in untaken[:20]]
            if idle:
                days = settings.remind_idle_after_days
                lines.append(Sngettext("⏳ Yours, untouched for {days}+ day:",
                                       "⏳ Yours, untouched for {days}+ days:", days).format(
                                           days=days))
                lines += [_line(case, now, idle=True) for case in idle[:20]]
            lines.append(S_("Open one with /case REFERENCE or see all with /cases."))
        if await outbox.queue_message(session, chat_id=consultant.telegram_user_id,
                                      text="\n".join(lines),
                                      dedupe_key=f"reminder:{day.isoformat()}:{consultant.id}",
                                      language=consultant.language or "nl"):
            queued += 1
    return queued


def _line(case: Case, now: datetime, idle: bool = False) -> str:
    since = case.updated_at if idle else case.created_at
    days = (now - since).days
    return "• " + Sngettext("{reference} ({days} day)", "{reference} ({days} days)",
                            days).format(reference=case.reference, days=days)


# ---- the weekly digest ----------------------------------------------------------------------
async def send_digest(session: AsyncSession, settings: Settings,
                      now: datetime | None = None) -> int:
    """Mondays: last week's new and closed cases, and open cases by age."""
    now = now or datetime.now(UTC)
    local = now.astimezone(settings.zone)
    if local.weekday() != MONDAY:
        return 0
    week_start = now - timedelta(days=WEEK_DAYS)
    new = await session.scalar(select(func.count()).select_from(Case)
                               .where(Case.created_at >= week_start)) or 0
    closed = await session.scalar(select(func.count()).select_from(Case)
                                  .where(Case.closed_at >= week_start)) or 0
    open_cases = list(await session.scalars(select(Case.created_at)
                                            .where(Case.status.in_(OPEN))))
    ages = [(now - created).days for created in open_cases]
    young = sum(1 for a in ages if a < WEEK_DAYS)
    middle = sum(1 for a in ages if WEEK_DAYS <= a < MONTH_DAYS)
    old = sum(1 for a in ages if a >= MONTH_DAYS)
    year, week, _weekday = local.isocalendar()
    quiet = await partnerships.quiet_organisations(session, settings.partner_quiet_weeks, now)
    queued = 0
    for consultant in await people_repo.active_consultants(session):
        with use_language(consultant.language or "nl"):
            text = "\n".join([
                S_("📊 Week {week}: {new} new, {closed} closed.").format(
                    week=week, new=new, closed=closed),
                S_("Open now: {total} (under a week: {young}, 1–4 weeks: {middle}, "
                   "older: {old}).").format(total=len(ages), young=young, middle=middle,
                                            old=old),
                *_quiet_lines(quiet, settings),
            ])
        if await outbox.queue_message(session, chat_id=consultant.telegram_user_id, text=text,
                                      dedupe_key=f"digest:{year}-{week}:{consultant.id}",
                                      language=consultant.language or "nl"):
            queued += 1
    return queued


def _quiet_lines(quiet: list[partnerships.Quiet], settings: Settings) -> list[str]:
    """The partner organisations nobody was in touch with for a while (bot.partnerships)."""
    if not quiet:
        return []
    weeks = settings.partner_quiet_weeks
    lines = ["", Sngettext("🤝 No contact for {weeks}+ week:", "🤝 No contact for {weeks}+ weeks:",
                           weeks).format(weeks=weeks)]
    for organisation in quiet[:20]:
        if organisation.last_contact is None:
            lines.append("• " + S_("{organisation} (no contact yet)").format(
                organisation=organisation.name))
        else:
            lines.append("• " + S_("{organisation} (last contact {date})").format(
                organisation=organisation.name,
                date=organisation.last_contact.astimezone(settings.zone).strftime("%d-%m-%Y")))
    lines.append(S_("See them in /partners; a note there counts as contact."))
    return lines
