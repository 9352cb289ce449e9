"""The consultant's presence hours at the baby clinics (consultatiebureaus) and the library.

She keeps weekly sessions (weekday, from–to, place) with `/presence`; a date can be cancelled
(holiday, sick day), which tells the partners of that place. Nurses see when and where she is
next, and "here now" during a session, when they can hand a family over in person (a warm
handover: a case like any other, marked `in_person`, with a distinct alert). Parents asking
where to meet her get the next sessions in their language.

"The partners of a place" are the active partners of a youth-health (GGD) organisation, whose
nurses work at the baby clinics, and every active partner who referred a family from the
place's village.

Times are the library's local time (`Settings.zone`); "now" is `services.now()`, so tests
freeze the clock.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from zoneinfo import ZoneInfo

from babel.dates import format_skeleton
from sqlalchemy.ext.asyncio import AsyncSession

from bot import access, answers, organisations, outbox, referrals
from bot.facts import LTR_ISOLATE, POP_ISOLATE, WEEKDAYS, LibraryFacts, PresencePlace, day_name
from bot.i18n import NS_, S_, STAFF_LANGUAGES, current_language, is_rtl, use_language
from bot.people import Person
from storage.models import Case, PresenceCancellation, PresenceSession
from storage.repositories import presence as presence_repo

LOOK_AHEAD_DAYS = 28  # how far ahead the next sessions are looked for
SHOWN = 3  # how many next sessions are shown
CANCEL_CHOICES = 4  # how many next dates the "cancel a date" step offers as buttons
MAX_ROOM = 40
_TIMES = re.compile(r"^\s*(\d{1,2})[:.](\d{2})\s*[-–—]\s*(\d{1,2})[:.](\d{2})\s*$")
_DATE = re.compile(r"^\s*(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})\s*$")
_ISO_DATE = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$")
LAST_HOUR, LAST_MINUTE = 23, 59
# Who hears that a session is cancelled, besides partners who referred from its village.
TOLD_KINDS = (organisations.GGD,)

REASONS: dict[str, str] = {
    "holiday": NS_("🏖️ holiday"),
    "sick": NS_("🤒 sick"),
    "other": NS_("other reason"),
}


class Problem(StrEnum):
    """Why nothing was stored."""

    BAD_TIMES = "bad_times"  # not like 09:00-11:30
    END_BEFORE_START = "end_before_start"
    UNKNOWN_PLACE = "unknown_place"
    UNKNOWN_DAY = "unknown_day"
    CLASH = "clash"  # overlaps another session of hers
    BAD_DATE = "bad_date"  # not a date
    PAST_DATE = "past_date"
    WRONG_WEEKDAY = "wrong_weekday"  # a date on which the session is not held
    ALREADY_CANCELLED = "already_cancelled"
    GONE = "gone"  # the session was removed
    NOT_NOW = "not_now"  # a warm handover outside presence hours
    BAD_ROOM = "bad_room"


@dataclass(frozen=True)
class Refused:
    problem: Problem
    clash: PresenceSession | None = None  # the session it overlaps


@dataclass(frozen=True)
class Occurrence:
    """One session on one date, in local time."""

    session: PresenceSession
    day: dt.date
    start: dt.datetime
    end: dt.datetime


# ---- reading what she typed -----------------------------------------------------------------
def parse_times(text: str) -> tuple[str, str] | Problem:
    """"09:00-11:30" (or 9.00 - 11.30) → ("09:00", "11:30"), or why not."""
    match = _TIMES.match(text or "")
    if match is None:
        return Problem.BAD_TIMES
    h1, m1, h2, m2 = (int(part) for part in match.groups())
    if max(h1, h2) > LAST_HOUR or max(m1, m2) > LAST_MINUTE:
        return Problem.BAD_TIMES
    if (h2, m2) <= (h1, m1):
        return Problem.END_BEFORE_START
    return f"{h1:02d}:{m1:02d}", f"{h2:02d}:{m2:02d}"


def parse_date(text: str) -> dt.date | None:
    """"25-12-2026", "25/12/2026" or "2026-12-25"."""
    iso = _ISO_DATE.match(text or "")
    match = _DATE.match(text or "")
    try:
        if iso is not None:
            year, month, day = (int(part) for part in iso.groups())
            return dt.date(year, month, day)
        if match is not None:
            day, month, year = (int(part) for part in match.groups())
            return dt.date(year, month, day)
    except ValueError:
        return None
    return None


def find_place(facts: LibraryFacts, text: str) -> int | None:
    """A place's position in `facts.presence_spots` from its typed name or village-less name."""
    wanted = " ".join((text or "").lower().split())
    for index, place in enumerate(facts.presence_spots):
        if wanted and wanted == place.name.lower():
            return index
    return None


def place_of(facts: LibraryFacts, index: object) -> PresencePlace | None:
    spots = facts.presence_spots
    if isinstance(index, int) and 0 <= index < len(spots):
        return spots[index]
    if isinstance(index, str) and index.isdigit() and int(index) < len(spots):
        return spots[int(index)]
    return None


def _minutes(time: str) -> int:
    hours, minutes = time.split(":")
    return int(hours) * 60 + int(minutes)


def overlaps(a_start: str, a_end: str, b_start: str, b_end: str) -> bool:
    return _minutes(a_start) < _minutes(b_end) and _minutes(b_start) < _minutes(a_end)


# ---- her sessions ---------------------------------------------------------------------------
async def own_sessions(session: AsyncSession, person: Person) -> list[PresenceSession]:
    access.require(person, "presence.manage")
    return await presence_repo.active(session, person.record_id)


async def add_session(session: AsyncSession, person: Person, facts: LibraryFacts,
                      weekday: object, times: object, place: object) -> PresenceSession | Refused:
    """A weekly session, unless the day, times or place are wrong or it overlaps another of
    hers (then nothing is stored and the clash is named)."""
    access.require(person, "presence.manage")
    if not isinstance(weekday, str) or weekday not in WEEKDAYS:
        return Refused(Problem.UNKNOWN_DAY)
    parsed = parse_times(times if isinstance(times, str) else "")
    if isinstance(parsed, Problem):
        return Refused(parsed)
    spot = place_of(facts, place)
    if spot is None:
        return Refused(Problem.UNKNOWN_PLACE)
    day = WEEKDAYS.index(weekday)
    for other in await presence_repo.active(session, person.record_id):
        if other.weekday == day and overlaps(*parsed, other.starts, other.ends):
            return Refused(Problem.CLASH, other)
    assert person.record_id is not None
    return await presence_repo.add(session, PresenceSession(
        consultant_id=person.record_id, weekday=day, starts=parsed[0], ends=parsed[1],
        place=spot.name, village=spot.village))


async def check_times(session: AsyncSession, person: Person, weekday: str, text: str
                      ) -> tuple[str, str] | Refused:
    """Typed times, checked before the place is asked: format, order and clashes."""
    parsed = parse_times(text)
    if isinstance(parsed, Problem):
        return Refused(parsed)
    day = WEEKDAYS.index(weekday)
    for other in await presence_repo.active(session, person.record_id):
        if other.weekday == day and overlaps(*parsed, other.starts, other.ends):
            return Refused(Problem.CLASH, other)
    return parsed


async def remove_session(session: AsyncSession, person: Person, session_id: int,
                         now: dt.datetime) -> PresenceSession | None:
    access.require(person, "presence.manage")
    row = await presence_repo.by_id(session, session_id)
    if row is None or row.removed_at is not None:
        return None
    await presence_repo.remove(session, row, now)
    return row


async def live_session(session: AsyncSession, session_id: int) -> PresenceSession | None:
    row = await presence_repo.by_id(session, session_id)
    return row if row is not None and row.removed_at is None else None


def dates_of(row: PresenceSession, today: dt.date, count: int,
             cancelled: set[tuple[int, dt.date]]) -> list[dt.date]:
    """The next `count` dates (from today) on which the session is held."""
    found: list[dt.date] = []
    day = today + dt.timedelta(days=(row.weekday - today.weekday()) % 7)
    while len(found) < count:
        if (row.id, day) not in cancelled:
            found.append(day)
        day += dt.timedelta(days=7)
    return found


async def cancel_choices(session: AsyncSession, row: PresenceSession, today: dt.date
                         ) -> list[dt.date]:
    cancelled = await presence_repo.cancelled_days(session, [row.id], today)
    return dates_of(row, today, CANCEL_CHOICES, cancelled)


async def check_date(session: AsyncSession, row: PresenceSession, day: dt.date | None,
                     today: dt.date) -> Problem | None:
    if day is None:
        return Problem.BAD_DATE
    if day < today:
        return Problem.PAST_DATE
    if day.weekday() != row.weekday:
        return Problem.WRONG_WEEKDAY
    if await presence_repo.cancellation(session, row.id, day) is not None:
        return Problem.ALREADY_CANCELLED
    return None


@dataclass(frozen=True)
class Cancelled:
    cancellation: PresenceCancellation
    session: PresenceSession
    told: int  # partners told


async def cancel_date(session: AsyncSession, person: Person, facts: LibraryFacts,
                      session_id: int, day: dt.date | None, reason: str, today: dt.date
                      ) -> Cancelled | Refused:
    """One date off (holiday, sick day); the partners of the place are told via the outbox."""
    access.require(person, "presence.manage")
    row = await live_session(session, session_id)
    if row is None:
        return Refused(Problem.GONE)
    problem = await check_date(session, row, day, today)
    if problem is not None:
        return Refused(problem)
    assert day is not None
    reason = reason if reason in REASONS else "other"
    cancellation = await presence_repo.cancel(session, row.id, day, reason)
    told = 0
    for partner in await presence_repo.partners_to_tell(session, TOLD_KINDS, row.village):
        language = partner.language if partner.language in STAFF_LANGUAGES else "nl"
        with use_language(language):
            text = cancelled_text(facts, row, day, reason)
        if await outbox.queue_message(session, chat_id=partner.telegram_user_id, text=text,
                                      dedupe_key=f"presence-off:{cancellation.id}:{partner.id}",
                                      language=language):
            told += 1
    return Cancelled(cancellation, row, told)


def cancelled_text(facts: LibraryFacts, row: PresenceSession, day: dt.date, reason: str) -> str:
    return S_("❌ {name} of the library is not at {place} on {date} ({times}): {reason}. "
              "You can still refer families with /refer.").format(
        name=facts.consultant.name, place=row.place, date=date_label(day),
        times=times_label(row.starts, row.ends), reason=S_(REASONS[reason]))


# ---- when and where she is ------------------------------------------------------------------
def _local(day: dt.date, time: str, zone: ZoneInfo) -> dt.datetime:
    hours, minutes = time.split(":")
    return dt.datetime.combine(day, dt.time(int(hours), int(minutes)), tzinfo=zone)


async def upcoming(session: AsyncSession, now: dt.datetime, zone: ZoneInfo,
                   limit: int = SHOWN) -> list[Occurrence]:
    """The next sessions not cancelled, the one going on now first (everyone's)."""
    local = now.astimezone(zone)
    today = local.date()
    rows = await presence_repo.active(session)
    cancelled = await presence_repo.cancelled_days(session, [r.id for r in rows], today)
    found: list[Occurrence] = []
    for offset in range(LOOK_AHEAD_DAYS):
        day = today + dt.timedelta(days=offset)
        for row in rows:
            if row.weekday != day.weekday() or (row.id, day) in cancelled:
                continue
            start, end = _local(day, row.starts, zone), _local(day, row.ends, zone)
            if end > local:
                found.append(Occurrence(row, day, start, end))
        if len(found) >= limit:
            break
    found.sort(key=lambda o: (o.start, o.session.id))
    return found[:limit]


def here_now(occurrences: Sequence[Occurrence], now: dt.datetime) -> Occurrence | None:
    return next((o for o in occurrences if o.start <= now < o.end), None)


# ---- in words -------------------------------------------------------------------------------
def date_label(day: dt.date, language: str | None = None) -> str:
    """"Tuesday 8 December", in the reader's language (Babel)."""
    language = language or current_language()
    weekday = day_name(WEEKDAYS[day.weekday()], language)
    return f"{weekday} {format_skeleton('MMMMd', day, locale=language)}"


def times_label(starts: str, ends: str, language: str | None = None) -> str:
    text = f"{starts}–{ends}"
    return f"{LTR_ISOLATE}{text}{POP_ISOLATE}" if is_rtl(language or current_language()) else text


def session_label(row: PresenceSession) -> str:
    """Staff: "Tuesday 09:00–11:30, Consultatiebureau Dalfsen"."""
    return S_("{day} {times}, {place}").format(
        day=day_name(WEEKDAYS[row.weekday], current_language()),
        times=times_label(row.starts, row.ends), place=row.place)


def _address(facts: LibraryFacts, row: PresenceSession) -> str:
    spot = next((p for p in facts.presence_spots if p.name == row.place), None)
    return spot.address if spot is not None else ""


def occurrence_line(facts: LibraryFacts, occurrence: Occurrence) -> str:
    row = occurrence.session
    address = _address(facts, row)
    line = f"• {date_label(occurrence.day)} {times_label(row.starts, row.ends)}: {row.place}"
    return line + (f", {address}" if address else "")


def staff_where(facts: LibraryFacts, occurrences: Sequence[Occurrence],
                now: dt.datetime) -> str:
    """For nurses (and the consultant): "here now", then the next sessions."""
    name = facts.consultant.name
    if not occurrences:
        return S_("📍 {name} of the library has no presence hours planned in the next weeks. "
                  "Refer families with /refer.").format(name=name)
    lines = []
    current = here_now(occurrences, now)
    if current is not None:
        lines.append(S_("🟢 {name} is here now: {place}, until {end}. A family with you now? "
                        "Tap 🤝 for a warm handover.").format(
            name=name, place=current.session.place, end=current.session.ends))
        lines.append("")
    lines.append(S_("📍 {name}'s next presence hours:").format(name=name))
    lines.extend(occurrence_line(facts, o) for o in occurrences)
    return "\n".join(lines)


def parent_where(facts: LibraryFacts, occurrences: Sequence[Occurrence]) -> str:
    """The parent's answer to "where can I meet her", in their language."""
    return answers.meet_answer(facts, [occurrence_line(facts, o) for o in occurrences])


# ---- the warm handover ----------------------------------------------------------------------
def clean_room(text: str) -> str | None:
    room = " ".join((text or "").split())
    return room if room and len(room) <= MAX_ROOM else None


@dataclass(frozen=True)
class HandedOver:
    submitted: referrals.Submitted
    occurrence: Occurrence


async def warm_handover(session: AsyncSession, person: Person, facts: LibraryFacts,
                        room_text: str, now: dt.datetime, zone: ZoneInfo
                        ) -> HandedOver | Refused:
    """"The family is with me now, room …": a case like any other (made by the referral core,
    marked in person), and at once a distinct alert to the consultants."""
    access.require(person, "presence.handover")
    current = here_now(await upcoming(session, now, zone), now)
    if current is None:
        return Refused(Problem.NOT_NOW)
    room = clean_room(room_text)
    if room is None:
        return Refused(Problem.BAD_ROOM)
    village = current.session.village if current.session.village in facts.villages else None
    data: dict[str, object] = {"village": village, "contact": "partner", "needs": [],
                               "ages": []}
    place = current.session.place
    submitted = await referrals.submit(
        session, person, data, consent=False, now=now,
        in_person=referrals.InPerson(room=room, place=place,
                                     alert=lambda case, organisation: handover_alert(
                                         case, organisation, room, place)))
    return HandedOver(submitted, current)


def handover_alert(case: Case, organisation: str, room: str, place: str) -> str:
    """The consultant's alert: unlike a new referral's, it says to go now."""
    return "\n".join([
        S_("🚨🤝 WARM HANDOVER {reference}").format(reference=case.reference),
        S_("A family is waiting for you now: {place}, {room}.").format(place=place,
                                                                           room=room),
        S_("🏢 From: {organisation}").format(organisation=organisation),
    ])

