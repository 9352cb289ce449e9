"""Figures for the library and the municipality: counts, time to first contact, and a CSV
export without personal data."""

from __future__ import annotations

import re
import statistics
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from babel.numbers import format_decimal
from sqlalchemy.ext.asyncio import AsyncSession

from bot import access, audit, spreadsheet
from bot.cases import NEED_NAMES, OUTCOMES, STATUS_NAMES, source_name
from bot.i18n import NS_, S_, Sngettext, current_language
from bot.people import Person
from storage.models import Case, CaseEvent
from storage.repositories import cases as cases_repo

DECEMBER = 12  # the last month: the period "2025-12" ends when the next year starts

# What the export holds: no names, phone numbers, notes, free text or Telegram ids.
EXPORT_COLUMNS = ("reference", "created", "month", "source", "organisation", "village",
                  "family_language", "child_ages", "needs", "contact_method", "status",
                  "outcome", "days_to_first_contact", "closed", "family_got_help", "anonymised")
# The header row, in the reader's language (the values stay codes a spreadsheet can count).
EXPORT_HEADERS: dict[str, str] = {
    "reference": NS_("Case"), "created": NS_("Created"), "month": NS_("Month"),
    "source": NS_("Source"), "organisation": NS_("Organisation"), "village": NS_("Village"),
    "family_language": NS_("Family's language"), "child_ages": NS_("Children's ages"),
    "needs": NS_("Needs"), "contact_method": NS_("Contact"), "status": NS_("Status"),
    "outcome": NS_("Outcome"), "days_to_first_contact": NS_("Days to first contact"),
    "closed": NS_("Closed"), "family_got_help": NS_("Family got help"),
    "anonymised": NS_("Anonymised"),
}


def export_header() -> list[str]:
    return [S_(EXPORT_HEADERS[column]) for column in EXPORT_COLUMNS]


class PeriodError(ValueError):
    pass


@dataclass(frozen=True)
class Period:
    label: str
    start: datetime
    end: datetime


def parse_period(text: str, zone: ZoneInfo, now: datetime | None = None) -> Period:
    """'' (this year), '2026', '2026-11' or 'all'."""
    now = (now or datetime.now(UTC)).astimezone(zone)
    text = text.strip().lower()
    if text in ("", "year"):
        text = str(now.year)
    if text == "all":
        return Period("all", datetime(2000, 1, 1, tzinfo=zone), datetime(9999, 1, 1, tzinfo=zone))
    if re.fullmatch(r"\d{4}", text):
        year = int(text)
        return Period(text, datetime(year, 1, 1, tzinfo=zone), datetime(year + 1, 1, 1,
                                                                       tzinfo=zone))
    match = re.fullmatch(r"(\d{4})-(\d{1,2})", text)
    if match and 1 <= int(match.group(2)) <= DECEMBER:
        year, month = int(match.group(1)), int(match.group(2))
        end = datetime(year + (month == DECEMBER), month % DECEMBER + 1, 1, tzinfo=zone)
        return Period(f"{year}-{month:02d}", datetime(year, month, 1, tzinfo=zone), end)
    raise PeriodError(text)


def days_to_first_contact(case: Case) -> float | None:
    if case.first_contact_at is None:
        return None
    return (case.first_contact_at - case.created_at).total_seconds() / 86400


async def stats_text(session: AsyncSession, person: Person, period: Period,
                     zone: ZoneInfo) -> str:
    access.require(person, "stats")
    found = await cases_repo.created_between(session, period.start, period.end)
    await audit.record(session, person, "figures", period=period.label, cases=len(found))
    lines = [Sngettext("📊 Figures {period}: {count} case", "📊 Figures {period}: {count} cases",
                       len(found)).format(period=period.label, count=len(found))]
    if not found:
        return lines[0]

    def block(title: str, counts: Counter[str]) -> None:
        lines.append("")
        lines.append(title)
        lines.extend(f"  {name}: {count}" for name, count in counts.most_common())

    block(S_("Per month:"), Counter(c.created_at.astimezone(zone).strftime("%Y-%m")
                                    for c in found))
    block(S_("Per organisation:"), Counter(source_name(c) for c in found))
    block(S_("Per village:"), Counter(c.village or "–" for c in found))
    block(S_("Per need:"), Counter(S_(NEED_NAMES.get(n.need, n.need))
                                   for c in found for n in c.needs))
    block(S_("Per status:"), Counter(S_(STATUS_NAMES.get(c.status, c.status)) for c in found))
    block(S_("Per outcome:"), Counter(S_(OUTCOMES[c.outcome]) for c in found
                                      if c.outcome in OUTCOMES))
    waits = [d for d in (days_to_first_contact(c) for c in found) if d is not None]
    lines.append("")
    lines.append(S_("⏱️ Median time to first contact: {time} ({cases})").format(
        time=_days(statistics.median(waits)) if waits else "–",
        cases=Sngettext("{count} case", "{count} cases", len(waits)).format(count=len(waits))))
    answered = [c.helped for c in found if c.helped is not None]
    if answered:
        lines.append(Sngettext("🙂 Families who got help: {yes} of {total} who answered",
                               "🙂 Families who got help: {yes} of {total} who answered",
                               len(answered)).format(yes=sum(answered), total=len(answered)))
    return "\n".join(lines)


def _days(days: float) -> str:
    """A number of days with one decimal, as the reader's language writes it: "1,5 dagen"."""
    number = format_decimal(days, format="0.0", locale=current_language())
    return Sngettext("{days} day", "{days} days", 1 if days == 1 else 2).format(days=number)


def _row(case: Case, zone: ZoneInfo) -> dict[str, str]:
    wait = days_to_first_contact(case)
    created = case.created_at.astimezone(zone)
    return {
        "reference": case.reference,
        "created": created.strftime("%Y-%m-%d"),
        "month": created.strftime("%Y-%m"),
        "source": case.source,
        "organisation": case.organisation.name if case.organisation is not None else "",
        "village": case.village or "",
        "family_language": case.family_language or "",
        "child_ages": " ".join(case.child_ages or []),
        "needs": " ".join(n.need for n in case.needs),
        "contact_method": case.contact_method or "",
        "status": case.status,
        "outcome": case.outcome or "",
        "days_to_first_contact": f"{wait:.1f}" if wait is not None else "",
        "closed": case.closed_at.astimezone(zone).strftime("%Y-%m-%d")
        if case.closed_at else "",
        "family_got_help": "" if case.helped is None else ("yes" if case.helped else "no"),
        "anonymised": "yes" if case.anonymised_at else "no",
    }


async def export_csv(session: AsyncSession, period: Period, zone: ZoneInfo,
                     person: Person | None = None) -> tuple[bytes, int]:
    """The CSV as bytes (UTF-8 with BOM and ';', as Dutch Excel opens it), and its row count.

    `person` None is the command line (the library's own server); each exported case gets an
    "exported" event either way.
    """
    if person is not None:
        access.require(person, "export")
    found = await cases_repo.created_between(session, period.start, period.end)
    content = spreadsheet.to_csv(EXPORT_COLUMNS, [_row(case, zone) for case in found],
                                 export_header())
    actor_kind = person.role.value if person is not None else "system"
    session.add_all([CaseEvent(case_id=c.id, kind="exported", actor_kind=actor_kind,
                               actor_id=person.record_id if person else None,
                               detail={"period": period.label}) for c in found])
    await audit.record(session, person, "export", period=period.label, cases=len(found),
                       references=[c.reference for c in found])
    await session.flush()
    return content, len(found)
