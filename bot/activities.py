"""The library's activities: the reading tent, story hours, workshops for parents, the
language café. A consultant creates them (a weekly series in one go), parents sign up with
one tap (a waiting list when full, a reminder the day before), and partners at an activity
refer families from there and record who came.

Kinds have their names and descriptions in every parent's catalog, so a parent reads each
activity in their own language; an "other" activity's title is shown as typed. Dates and
weekdays come from Babel in the reader's language, times in the library's time zone.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date
from sqlalchemy.ext.asyncio import AsyncSession

from bot import access, flows, outbox
from bot.callbacks import ActivityButton
from bot.facts import LTR_ISOLATE, POP_ISOLATE, LibraryFacts
from bot.i18n import (
    LANGUAGES,
    N_,
    NS_,
    S_,
    Sngettext,
    _,
    is_rtl,
    language_name,
    ngettext,
    use_language,
)
from bot.people import Person, Role, parent_id_of
from storage.models import Activity, ActivitySignup, Parent
from storage.repositories import activities as repo

FLOW = "activity"  # the consultant creating activities
COUNT_FLOW = "activity_count"  # a partner or consultant typing who came
EDIT_FLOW = "activity_edit"  # the consultant typing a session's new places or time

# Parents' words for each kind, in all nine catalogs.
KINDS: dict[str, str] = {
    "tent": N_("⛺ Reading tent"),
    "reading": N_("📖 Story hour"),
    "workshop": N_("📱 Workshop for parents"),
    "cafe": N_("☕ Language café"),
}
DESCRIPTIONS: dict[str, str] = {
    "tent": N_("Books and stories outside, for children and their parents. Free."),
    "reading": N_("We read aloud to young children. Free."),
    "workshop": N_("For parents, for example: how to install and use the school app. "
                   "Bring your phone. Free."),
    "cafe": N_("Speak Dutch with others, over coffee or tea. Free."),
}
# The staff's words for the same kinds (Dutch or English).
STAFF_KINDS: dict[str, str] = {
    "tent": NS_("⛺ Reading tent"),
    "reading": NS_("📖 Reading aloud / story hour"),
    "workshop": NS_("📱 Workshop for parents (e.g. school app)"),
    "cafe": NS_("☕ Language café"),
    "other": NS_("➕ Other (type a title)"),
}
OTHER = "other"
MAX_TITLE = 80
MAX_PLACE = 80
MAX_CAPACITY = 500
MAX_SESSIONS = 30  # of one place in one series
MAX_COUNT = 999  # parents or children who came
SHOWN = 8  # activities in a parent's list
# A reminder goes the day before, between these hours (the library's time).
REMIND_FROM, REMIND_UNTIL = 10, 20
# "Around now" for the partner at an activity: from 12 hours before until 3 days after.
AROUND_BEFORE, AROUND_AFTER = timedelta(hours=12), timedelta(days=3)

# ---- the consultant's flow ----------------------------------------------------------------
STEPS = ("kind", "title", "places", "place_other", "place_village", "repeat", "until", "when",
         "capacity", "languages", "summary")
TEXT_STEPS = frozenset({"title", "place_other", "until", "when", "capacity"})


class Problem(StrEnum):
    """Why an answer in the flow changed nothing (the step stays)."""

    STALE = "stale"
    NOTHING_CHOSEN = "nothing_chosen"
    TOO_LONG = "too_long"
    DATE_FORMAT = "date_format"
    WHEN_FORMAT = "when_format"
    PAST = "past"
    END_BEFORE_START = "end_before_start"
    AFTER_UNTIL = "after_until"
    CAPACITY = "capacity"
    OVERLAP = "overlap"


PROBLEMS: dict[Problem, str] = {
    Problem.STALE: NS_("This button does not work any more."),
    Problem.NOTHING_CHOSEN: NS_("Please tap at least one."),
    Problem.TOO_LONG: NS_("Please type at most 80 characters."),
    Problem.DATE_FORMAT: NS_("Please type a date like 27-08-2027."),
    Problem.WHEN_FORMAT: NS_("Please type the date and time like 21-07-2027 14:00-16:00."),
    Problem.PAST: NS_("That date is in the past. Please type a date to come."),
    Problem.END_BEFORE_START: NS_("The end time is not after the start time."),
    Problem.AFTER_UNTIL: NS_("The first date is after the last date of the series."),
    Problem.CAPACITY: NS_("Please type a number of places from 1 to 500."),
    Problem.OVERLAP: NS_("Another activity is at the same place at that time:"),
}

Data = dict[str, Any]
Moved = tuple[str, Data]

_DATE = r"(\d{1,4})[-/.](\d{1,2})(?:[-/.](\d{2,4}))?"
_TIME = r"(\d{1,2})[:.](\d{2})"
WHEN = re.compile(rf"^{_DATE}\s+{_TIME}\s*[-–]\s*{_TIME}$")
DATE = re.compile(rf"^{_DATE}$")
YEAR_DIGITS = 4


def _needed(step: str, data: Data) -> bool:
    if step == "title":
        return data.get("kind") == OTHER
    if step in ("place_other", "place_village"):
        return data.get("place_typing") is True or bool(data.get("place"))
    if step == "until":
        return data.get("weekly") is True
    return True


def step_after(step: str, data: Data) -> str:
    for candidate in STEPS[STEPS.index(step) + 1:]:
        if _needed(candidate, data):
            return candidate
    return "summary"


def places_of(data: Data) -> list[tuple[str | None, str | None]]:
    """The flow's places, in order: (village, typed place or None for the village's branch)."""
    found: list[tuple[str | None, str | None]] = [(v, None) for v in data.get("villages", [])]
    if data.get("place"):
        found.append((data.get("place_village"), data["place"]))
    return found


def _date(groups: Sequence[str | None], today: dt.date) -> dt.date | None:
    first, second, third = groups
    try:
        if first is not None and len(first) == YEAR_DIGITS:  # 2027-07-21
            if third is None:
                return None
            return dt.date(int(first), int(second or 0), int(third))
        if third is None:  # 21-07: this year's, or next year's when that has passed
            day = dt.date(today.year, int(second or 0), int(first or 0))
            return day if day >= today else day.replace(year=today.year + 1)
        year = int(third) + (2000 if len(third) == 2 else 0)  # noqa: PLR2004 - "27" is 2027
        return dt.date(year, int(second or 0), int(first or 0))
    except ValueError:
        return None


def parse_when(text: str, zone: ZoneInfo, now: datetime
               ) -> tuple[datetime, datetime] | Problem:
    """"21-07-2027 14:00-16:00" (or 2027-07-21, 21/7, 14.00): the start and end, in UTC."""
    match = WHEN.match(" ".join(text.split()))
    if match is None:
        return Problem.WHEN_FORMAT
    groups = match.groups()
    day = _date(groups[:3], now.astimezone(zone).date())
    try:
        if day is None:
            raise ValueError
        start = datetime.combine(day, dt.time(int(groups[3]), int(groups[4])), zone)
        end = datetime.combine(day, dt.time(int(groups[5]), int(groups[6])), zone)
    except ValueError:
        return Problem.WHEN_FORMAT
    if start <= now:
        return Problem.PAST
    if end <= start:
        return Problem.END_BEFORE_START
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def parse_day(text: str, zone: ZoneInfo, now: datetime) -> dt.date | Problem:
    match = DATE.match(text.strip())
    today = now.astimezone(zone).date()
    day = _date(match.groups(), today) if match else None
    if day is None:
        return Problem.DATE_FORMAT
    return Problem.PAST if day < today else day


def parse_capacity(text: str) -> int | None:
    text = text.strip()
    if not text.isdigit() or len(text) > len(str(MAX_CAPACITY)):
        return None
    number = int(text)
    return number if 1 <= number <= MAX_CAPACITY else None


def sessions(start: datetime, end: datetime, until: dt.date | None, zone: ZoneInfo
             ) -> list[tuple[datetime, datetime]]:
    """One session, or one a week (the same local time) up to and including `until`."""
    if until is None:
        return [(start, end)]
    local_start, local_end = start.astimezone(zone), end.astimezone(zone)
    found = []
    for week in range(MAX_SESSIONS):
        day = local_start.date() + timedelta(weeks=week)
        if day > until:
            break
        found.append((datetime.combine(day, local_start.timetz()).astimezone(dt.UTC),
                      datetime.combine(day, local_end.timetz()).astimezone(dt.UTC)))
    return found


def _until(data: Data) -> dt.date | None:
    return dt.date.fromisoformat(data["until"]) if data.get("weekly") else None


async def clash(session: AsyncSession, village: str | None, place: str | None,
                start: datetime, end: datetime, until: dt.date | None, zone: ZoneInfo
                ) -> Activity | None:
    """An activity at this place that overlaps one of these sessions."""
    for begins, ends in sessions(start, end, until, zone):
        found = await repo.overlapping(session, village, place, begins, ends)
        if found is not None:
            return found
    return None


def _toggled(chosen: Sequence[str], value: str, order: Sequence[str]) -> list[str]:
    chosen = [c for c in chosen if c != value] if value in chosen else [*chosen, value]
    return [item for item in order if item in chosen]


def _index(value: str | None, items: Sequence[str]) -> str | None:
    """The item a button's number stands for, or None."""
    if value is None or not value.isdigit() or int(value) >= len(items):
        return None
    return items[int(value)]


def press(step: str, data: Data, action: str, value: str | None, villages: Sequence[str]
          ) -> Moved | Problem:
    """A button of the flow's current step: where the flow goes, or why nothing changes."""
    data = dict(data)
    village = _index(value, villages)
    moved: Moved | Problem | None = None
    if action == "pick" and step == "kind" and value in STAFF_KINDS:
        data["kind"] = value
    elif action == "tog" and step == "places" and village is not None:
        moved = step, {**data, "villages": _toggled(data.get("villages", []), village,
                                                    villages)}
    elif action == "pick" and step == "places" and value == OTHER:
        moved = "place_other", {**data, "place_typing": True}
    elif action == "next" and step == "places":
        if not data.get("villages") and not data.get("place"):
            moved = Problem.NOTHING_CHOSEN
    elif action == "pick" and step == "place_village" and village is not None:
        data["place_village"] = village
    elif action == "pick" and step == "repeat" and value in ("once", "weekly"):
        data["weekly"] = value == "weekly"
    elif action == "tog" and step == "languages" and value in LANGUAGES:
        moved = step, {**data, "languages": _toggled(data.get("languages", []), value,
                                                     LANGUAGES)}
    elif action == "next" and step == "languages":
        if not data.get("languages"):
            moved = Problem.NOTHING_CHOSEN
    else:
        moved = Problem.STALE
    return moved if moved is not None else (step_after(step, data), data)


@dataclass(frozen=True)
class Clash:
    """The typed time overlaps this activity (the step stays)."""

    activity: Activity


def _typed_text(step: str, data: Data, text: str) -> Data | Problem:
    if not text:
        return Problem.STALE
    if len(text) > MAX_TITLE:
        return Problem.TOO_LONG
    data["title" if step == "title" else "place"] = text
    data.pop("place_typing", None)
    return data


async def _typed_when(session: AsyncSession, data: Data, text: str, zone: ZoneInfo,
                      now: datetime) -> Moved | Problem | Clash:
    when = parse_when(text, zone, now)
    if isinstance(when, Problem):
        return when
    until = _until(data)
    if until is not None and when[0].astimezone(zone).date() > until:
        return Problem.AFTER_UNTIL
    times = list(data.get("times", []))
    village, place = places_of(data)[len(times)]
    found = await clash(session, village, place, *when, until, zone)
    if found is not None:
        return Clash(found)
    data["times"] = [*times, [when[0].isoformat(), when[1].isoformat()]]
    if len(data["times"]) < len(places_of(data)):
        return "when", data  # the next place's first date
    return step_after("when", data), data


async def type_answer(session: AsyncSession, step: str, data: Data, text: str,
                      zone: ZoneInfo, now: datetime) -> Moved | Problem | Clash | None:
    """A typed answer: where the flow goes, what is wrong, or None (this step wants a button)."""
    data = dict(data)
    cleaned = " ".join(text.split())
    if step == "when":
        return await _typed_when(session, data, cleaned, zone, now)
    if step in ("title", "place_other"):
        typed = _typed_text(step, data, cleaned)
        if isinstance(typed, Problem):
            return typed
    elif step == "until":
        day = parse_day(cleaned, zone, now)
        if isinstance(day, Problem):
            return day
        data["until"] = day.isoformat()
    elif step == "capacity":
        capacity = parse_capacity(cleaned)
        if capacity is None:
            return Problem.CAPACITY
        data["capacity"] = capacity
    else:
        return None
    return step_after(step, data), data


async def start_flow(session: AsyncSession, person: Person) -> flows.FlowState:
    access.require(person, "activity.create")
    return await flows.begin(session, person, FLOW, "kind", {})


async def move(session: AsyncSession, state: flows.FlowState, step: str, data: Data) -> None:
    await flows.move(session, state, step, data)


async def end_flow(session: AsyncSession, person: Person) -> None:
    await flows.end(session, person)


async def in_flow(session: AsyncSession, person: Person, flow: str = FLOW
                  ) -> flows.FlowState | None:
    state = await flows.current(session, person)
    return state if state is not None and state.flow == flow else None


def planned(data: Data, zone: ZoneInfo) -> list[tuple[str | None, str | None, datetime,
                                                      datetime]]:
    """Every session the flow's answers make: (village, place, start, end)."""
    found = []
    for (village, place), (start, end) in zip(places_of(data), data.get("times", []),
                                              strict=False):
        for begins, ends in sessions(datetime.fromisoformat(start), datetime.fromisoformat(end),
                                     _until(data), zone):
            found.append((village, place, begins, ends))
    return sorted(found, key=lambda row: row[2])


@dataclass
class Created:
    activities: list[Activity]
    announced: int  # parents told of them


async def create(session: AsyncSession, person: Person, data: Data, facts: LibraryFacts,
                 zone: ZoneInfo, now: datetime) -> Created | Clash | Problem:
    """Store every session of the flow's answers (checked again: someone else may have
    planned something there meanwhile) and tell the parents who asked about new ones."""
    access.require(person, "activity.create")
    rows = planned(data, zone)
    if not rows or any(start <= now for _v, _p, start, _e in rows):
        return Problem.PAST
    for village, place, start, end in rows:
        found = await repo.overlapping(session, village, place, start, end)
        if found is not None:
            return Clash(found)
    series = await repo.next_series(session) if len(rows) > 1 else None
    made = [Activity(kind=data["kind"], title=data.get("title") if data["kind"] == OTHER
                     else None, starts_at=start, ends_at=end, village=village, place=place,
                     capacity=data["capacity"], languages=list(data.get("languages", [])),
                     series=series, created_by_consultant_id=person.record_id, created_at=now)
            for village, place, start, end in rows]
    await repo.add_all(session, made)
    await flows.end(session, person)
    return Created(made, await announce(session, made, facts, zone))


# ---- what parents read --------------------------------------------------------------------
def name(activity: Activity) -> str:
    """The activity's name in the current language; an "other" title as typed."""
    if activity.kind in KINDS:
        return _(KINDS[activity.kind])
    return f"📌 {activity.title or '–'}"


def staff_name(activity: Activity) -> str:
    if activity.kind in KINDS:
        return S_(STAFF_KINDS[activity.kind])
    return f"📌 {activity.title or '–'}"


def _times(activity: Activity, zone: ZoneInfo, language: str) -> str:
    start, end = activity.starts_at.astimezone(zone), activity.ends_at.astimezone(zone)
    text = f"{start:%H:%M}–{end:%H:%M}"
    return f"{LTR_ISOLATE}{text}{POP_ISOLATE}" if is_rtl(language) else text


def when_text(activity: Activity, zone: ZoneInfo, language: str) -> str:
    """"Monday 19 July 2027, 14:00–16:00" in the reader's language."""
    day = format_date(activity.starts_at.astimezone(zone).date(), format="full",
                      locale=language)
    return f"{day}, {_times(activity, zone, language)}"


def short_when(activity: Activity, zone: ZoneInfo, language: str) -> str:
    """A button's date: "Mon 19 Jul 14:00"."""
    start = activity.starts_at.astimezone(zone)
    return f"{format_date(start.date(), 'EEE d MMM', locale=language)} {start:%H:%M}"


def place_text(activity: Activity, facts: LibraryFacts) -> str:
    if activity.place:
        return f"{activity.place}, {activity.village}" if activity.village else activity.place
    branch = next((p for p in facts.places if p.village == activity.village), None)
    return f"{branch.name}, {branch.address}" if branch else (activity.village or "–")


@dataclass(frozen=True)
class Seen:
    """One activity as a parent sees it: the places left and their own sign-up, if any."""

    activity: Activity
    free: int
    mine: str | None  # "booked", "waiting" or None


def parent_entry(seen: Seen, facts: LibraryFacts, zone: ZoneInfo, language: str) -> str:
    activity = seen.activity
    lines = [name(activity), "🗓️ " + when_text(activity, zone, language),
             "📍 " + place_text(activity, facts)]
    if activity.languages:
        lines.append("🗣️ " + ", ".join(language_name(code) for code in activity.languages
                                       if code in LANGUAGES))
    if seen.mine == "booked":
        lines.append(_("✅ You are signed up."))
    elif seen.mine == "waiting":
        lines.append(_("⏳ You are on the waiting list."))
    elif seen.free > 0:
        lines.append(ngettext("{count} place left", "{count} places left", seen.free).format(
            count=seen.free))
    else:
        lines.append(_("Full. You can join the waiting list."))
    return "\n".join(lines)


def descriptions(activities: Sequence[Activity]) -> list[str]:
    """Each kind's description once, in the order the kinds first appear."""
    kinds = list(dict.fromkeys(a.kind for a in activities if a.kind in DESCRIPTIONS))
    return [f"{_(KINDS[kind])}: {_(DESCRIPTIONS[kind])}" for kind in kinds]


async def coming_for(session: AsyncSession, person: Person, now: datetime,
                     village: str | None) -> list[Seen]:
    """The coming activities for a parent: their village's first (when known), soonest
    first within each, at most SHOWN."""
    found = [a for a in await repo.running_or_coming(session, now) if a.starts_at > now]
    found.sort(key=lambda a: (village is None or a.village != village, a.starts_at))
    found = found[:SHOWN]
    counted = await repo.counts(session, [a.id for a in found])
    mine: dict[int, str] = {}
    if person.role is Role.PARENT and person.record_id is not None:
        mine = {row.activity_id: row.status for row in
                await repo.signups_of(session, person.record_id)}
    return [Seen(a, max(0, a.capacity - counted.get((a.id, "booked"), (0, 0))[0]),
                 mine.get(a.id)) for a in found]


async def subscribed(session: AsyncSession, person: Person) -> bool:
    if person.role is not Role.PARENT or person.record_id is None:
        return False
    return await repo.is_subscribed(session, person.record_id)


async def subscribe(session: AsyncSession, person: Person, on: bool) -> None:
    await repo.subscribe(session, await parent_id_of(session, person), on)


def _list_button() -> dict[str, Any]:
    return {"inline_keyboard": [[{"text": _("📅 See the activities and sign up"),
                                  "callback_data": ActivityButton("list", 0).pack()}]]}


async def announce(session: AsyncSession, made: Sequence[Activity], facts: LibraryFacts,
                   zone: ZoneInfo) -> int:
    """Each parent who asked hears of the new activities, in their language, through the
    outbox (at Telegram's pace)."""
    queued = 0
    for parent in await repo.subscribers(session):
        if parent.telegram_user_id is None:
            continue
        language = parent.language if parent.language in LANGUAGES else "nl"
        with use_language(language):
            first = made[0]
            lines = [_("🆕 New at the library:"), "", name(first)]
            if first.kind in DESCRIPTIONS:
                lines.append(_(DESCRIPTIONS[first.kind]))
            lines += ["🗓️ " + when_text(a, zone, language) + "\n📍 " + place_text(a, facts)
                      for a in made[:4]]
            if len(made) > 4:  # noqa: PLR2004 - the first four dates, then how many more
                lines.append(ngettext("… and {count} more date", "… and {count} more dates",
                                      len(made) - 4).format(count=len(made) - 4))
            text = "\n".join(lines)
            markup = _list_button()
        if await outbox.queue_message(session, chat_id=parent.telegram_user_id, text=text,
                                      reply_markup=markup, language=language,
                                      dedupe_key=f"activity-new:{first.id}:{parent.id}"):
            queued += 1
    return queued


# ---- signing up ---------------------------------------------------------------------------
class Outcome(StrEnum):
    BOOKED = "booked"
    WAITING = "waiting"
    FULL = "full"  # offer the waiting list
    ALREADY = "already"  # signed up before
    ALREADY_WAITING = "already_waiting"
    STARTED = "started"  # too late
    GONE = "gone"  # no such activity
    CALLED_OFF = "called_off"  # the library cancelled the activity
    CANCELLED = "cancelled"
    NOT_SIGNED_UP = "not_signed_up"


@dataclass
class SignedUp:
    outcome: Outcome
    activity: Activity | None = None
    position: int = 0  # on the waiting list


async def sign_up(session: AsyncSession, person: Person, activity_id: int, now: datetime,
                  waiting: bool = False) -> SignedUp:
    """One tap: a place, or (when full) the offer of the waiting list; `waiting` takes it."""
    activity = await repo.lock_activity(session, activity_id)
    if activity is None or now >= activity.starts_at:
        return SignedUp(Outcome.GONE if activity is None else Outcome.STARTED, activity)
    if activity.cancelled_at is not None:
        return SignedUp(Outcome.CALLED_OFF, activity)
    parent_id = await parent_id_of(session, person)
    row = await repo.signup(session, activity.id, parent_id, lock=True)
    if row is not None and row.status in ("booked", "waiting"):
        return SignedUp(Outcome.ALREADY if row.status == "booked" else Outcome.ALREADY_WAITING,
                        activity, await repo.waiting_position(session, row))
    full = await repo.count(session, activity.id, "booked") >= activity.capacity
    if full and not waiting:
        return SignedUp(Outcome.FULL, activity)
    status = "waiting" if full else "booked"
    if row is None:
        row = ActivitySignup(activity_id=activity.id, parent_id=parent_id, status=status,
                             created_at=now)
        session.add(row)
    else:  # signed up again after cancelling: at the back of the queue
        row.status, row.created_at, row.reminded_at, row.children = status, now, None, None
    await session.flush()
    if full:
        return SignedUp(Outcome.WAITING, activity, await repo.waiting_position(session, row))
    return SignedUp(Outcome.BOOKED, activity)


async def set_children(session: AsyncSession, person: Person, activity_id: int,
                       children: int) -> Activity | None:
    """How many children come along (optional); None when the parent is not signed up."""
    if person.role is not Role.PARENT or person.record_id is None:
        return None
    row = await repo.signup(session, activity_id, person.record_id)
    activity = await repo.get(session, activity_id)
    if row is None or row.status == "cancelled" or activity is None or activity.cancelled_at:
        return None
    row.children = children
    await session.flush()
    return activity


async def cancel(session: AsyncSession, person: Person, activity_id: int, now: datetime,
                 facts: LibraryFacts, zone: ZoneInfo) -> SignedUp:
    """Cancel a place or leave the waiting list; a freed place goes to the first waiting
    parent, who hears so through the outbox."""
    activity = await repo.lock_activity(session, activity_id)
    if activity is None:
        return SignedUp(Outcome.GONE)
    if person.role is not Role.PARENT or person.record_id is None:
        return SignedUp(Outcome.NOT_SIGNED_UP, activity)
    row = await repo.signup(session, activity.id, person.record_id, lock=True)
    if row is None or row.status == "cancelled":
        return SignedUp(Outcome.NOT_SIGNED_UP, activity)
    if activity.cancelled_at is not None:
        return SignedUp(Outcome.CALLED_OFF, activity)
    if now >= activity.starts_at:
        return SignedUp(Outcome.STARTED, activity)
    freed = row.status == "booked"
    row.status = "cancelled"
    await session.flush()
    if freed:
        await _move_up(session, activity, now, facts, zone)
    return SignedUp(Outcome.CANCELLED, activity)


async def _move_up(session: AsyncSession, activity: Activity, now: datetime,
                   facts: LibraryFacts, zone: ZoneInfo) -> bool:
    """A free place to the first waiting parent, who is told; False when there was no free
    place or nobody waiting."""
    if await repo.count(session, activity.id, "booked") >= activity.capacity:
        return False
    first = await repo.first_waiting(session, activity.id)
    if first is None:
        return False
    first.status = "booked"
    await session.flush()
    parent = await session.get(Parent, first.parent_id) if first.parent_id else None
    if parent is None or parent.telegram_user_id is None:
        return True
    language = parent.language if parent.language in LANGUAGES else "nl"
    with use_language(language):
        text = "\n".join([_("🎉 A place came free! You are now signed up for:"), "",
                          parent_entry(Seen(activity, 0, "booked"), facts, zone, language)])
        markup = {"inline_keyboard": [[{"text": _("✖️ Cancel my place"), "callback_data":
                                        ActivityButton("cancel", activity.id).pack()}]]}
    await outbox.queue_message(session, chat_id=parent.telegram_user_id, text=text,
                               reply_markup=markup, language=language,
                               dedupe_key=f"activity-up:{first.id}:{int(now.timestamp())}")
    return True


async def send_reminders(session: AsyncSession, facts: LibraryFacts, zone: ZoneInfo,
                         now: datetime) -> int:
    """The day before, between REMIND_FROM and REMIND_UNTIL o'clock: each parent with a place
    hears where and when, once (the hourly job; a second run queues nothing)."""
    local = now.astimezone(zone)
    if not REMIND_FROM <= local.hour < REMIND_UNTIL:
        return 0
    tomorrow = local.date() + timedelta(days=1)
    start = datetime.combine(tomorrow, dt.time(0, 0), zone)
    end = datetime.combine(tomorrow + timedelta(days=1), dt.time(0, 0), zone)
    queued = 0
    for row, activity, parent in await repo.due_reminders(session, start, end):
        if parent.telegram_user_id is None:
            continue
        language = parent.language if parent.language in LANGUAGES else "nl"
        with use_language(language):
            text = "\n".join([_("⏰ Tomorrow! You are signed up for:"), "",
                              parent_entry(Seen(activity, 0, "booked"), facts, zone, language),
                              "", _("Can you not come? Please cancel, so someone else can.")])
            markup = {"inline_keyboard": [[{"text": _("✖️ Cancel my place"), "callback_data":
                                            ActivityButton("cancel", activity.id).pack()}]]}
        row.reminded_at = now
        if await outbox.queue_message(session, chat_id=parent.telegram_user_id, text=text,
                                      reply_markup=markup, language=language,
                                      dedupe_key=f"activity-reminder:{row.id}"):
            queued += 1
    await session.flush()
    return queued


# ---- the consultant calls an activity off (rain, illness) -----------------------------------
class CallOff(StrEnum):
    READY = "ready"  # may be called off (the confirmation step)
    DONE = "done"
    GONE = "gone"  # no such activity
    STARTED = "started"  # too late
    ALREADY = "already"  # called off before


@dataclass
class CallingOff:
    """The sessions to call off (or called off) and the families they concern."""

    outcome: CallOff
    activity: Activity | None = None
    sessions: list[Activity] = field(default_factory=list)
    booked: int = 0  # families with a place
    waiting: int = 0  # families on a waiting list
    told: int = 0  # parents a message was queued for


async def _calling_off(session: AsyncSession, person: Person, activity_id: int,
                       whole_series: bool, now: datetime) -> CallingOff:
    access.require(person, "activity.cancel")
    activity = await repo.lock_activity(session, activity_id)
    if activity is None:
        return CallingOff(CallOff.GONE)
    if whole_series and activity.series is not None:
        found = await repo.series_to_come(session, activity.series, now)
    elif activity.cancelled_at is None and activity.starts_at > now:
        found = [activity]
    else:
        found = []
    if not found:
        return CallingOff(CallOff.ALREADY if activity.cancelled_at is not None
                          else CallOff.STARTED, activity)
    places = await repo.signed_up_parents(session, [a.id for a in found])
    return CallingOff(CallOff.READY, activity, found,
                      len({p.id for row, p in places if row.status == "booked"}),
                      len({p.id for row, p in places if row.status == "waiting"}))


async def call_off_preview(session: AsyncSession, person: Person, activity_id: int,
                           whole_series: bool, now: datetime) -> CallingOff:
    """What calling off this session (or the rest of its series) would touch; changes
    nothing."""
    return await _calling_off(session, person, activity_id, whole_series, now)


async def call_off(session: AsyncSession, person: Person, activity_id: int,
                   whole_series: bool, now: datetime, facts: LibraryFacts, zone: ZoneInfo
                   ) -> CallingOff:
    """Mark the session(s) cancelled (kept for the figures) and tell every booked and
    waiting parent, in their language, through the outbox. Sign-ups stay as they were, so
    the figures show who had signed up; no reminder goes for a cancelled session."""
    found = await _calling_off(session, person, activity_id, whole_series, now)
    if found.outcome is not CallOff.READY:
        return found
    for activity in found.sessions:
        activity.cancelled_at = now
    await session.flush()
    by_parent: dict[int, tuple[Parent, list[Activity]]] = {}
    sessions = {a.id: a for a in found.sessions}
    for row, parent in await repo.signed_up_parents(session, list(sessions)):
        by_parent.setdefault(parent.id, (parent, []))[1].append(sessions[row.activity_id])
    found.outcome = CallOff.DONE
    for parent, theirs in by_parent.values():
        if parent.telegram_user_id is None:
            continue
        theirs.sort(key=lambda a: a.starts_at)
        language = parent.language if parent.language in LANGUAGES else "nl"
        with use_language(language):
            lines = [ngettext("❌ We are sorry: the library has cancelled this activity.",
                              "❌ We are sorry: the library has cancelled these activities.",
                              len(theirs)), ""]
            lines += ["\n".join([name(a), "🗓️ " + when_text(a, zone, language),
                                 "📍 " + place_text(a, facts)]) for a in theirs[:6]]
            if len(theirs) > 6:  # noqa: PLR2004 - the first six dates, then how many more
                lines.append(ngettext("… and {count} more date", "… and {count} more dates",
                                      len(theirs) - 6).format(count=len(theirs) - 6))
            lines += ["", _("You do not need to do anything.")]
            text, markup = "\n".join(lines), _list_button()
        if await outbox.queue_message(
                session, chat_id=parent.telegram_user_id, text=text, reply_markup=markup,
                language=language,
                dedupe_key=f"activity-off:{parent.id}:{theirs[0].id}:{int(now.timestamp())}"):
            found.told += 1
    return found


# ---- the consultant changes a session: more or fewer places, another time -------------------
class Change(StrEnum):
    ASKED = "asked"  # the flow waits for the new places or time
    PLACES = "places"  # done: the number of places changed
    TIME = "time"  # done: the date and time changed
    GONE = "gone"  # no such activity, or called off
    STARTED = "started"  # too late
    TOO_FEW = "too_few"  # fewer places than families booked
    FORMAT = "format"  # neither a number of places nor a date and time
    PAST = "past"
    END_BEFORE_START = "end_before_start"
    CLASH = "clash"  # another activity at that place then


@dataclass
class Changed:
    outcome: Change
    activity: Activity | None = None
    booked: int = 0  # families with a place
    moved_up: int = 0  # waiting families who got a place (more places)
    told: int = 0  # parents told of the new time
    clash: Activity | None = None


async def _changeable(session: AsyncSession, activity_id: int, now: datetime
                      ) -> Changed | Activity:
    activity = await repo.lock_activity(session, activity_id)
    if activity is None or activity.cancelled_at is not None:
        return Changed(Change.GONE, activity)
    if activity.starts_at <= now:
        return Changed(Change.STARTED, activity)
    return activity


async def start_change(session: AsyncSession, person: Person, activity_id: int,
                       now: datetime) -> Changed:
    """✏️ under /activities: the consultant is asked for the new places or time."""
    access.require(person, "activity.cancel")
    found = await _changeable(session, activity_id, now)
    if isinstance(found, Changed):
        return found
    await flows.begin(session, person, EDIT_FLOW, "change", {"activity": found.id})
    return Changed(Change.ASKED, found, await repo.count(session, found.id, "booked"))


async def leave_change(session: AsyncSession, person: Person) -> None:
    """↩️ Keep it as it is: out of the flow, nothing changed."""
    state = await flows.current(session, person)
    if state is not None and state.flow == EDIT_FLOW:
        await flows.end(session, person)


async def change(session: AsyncSession, person: Person, state: flows.FlowState, text: str,
                 now: datetime, facts: LibraryFacts, zone: ZoneInfo) -> Changed:
    """A number is the places: never fewer than the families booked; more places go to the
    waiting list first, each family told. A date and time moves the session (not onto
    another activity at the same place): booked and waiting families are told in their
    language, and the reminder goes again the day before the new date. Anything else
    changes nothing and the question stays."""
    access.require(person, "activity.cancel")
    found = await _changeable(session, int(state.data.get("activity", 0)), now)
    if isinstance(found, Changed):
        await flows.end(session, person)
        return found
    activity = found
    booked = await repo.count(session, activity.id, "booked")
    places = parse_capacity(text)
    if places is not None:
        if places < booked:
            return Changed(Change.TOO_FEW, activity, booked)
        activity.capacity = places
        await session.flush()
        moved = 0
        while await _move_up(session, activity, now, facts, zone):
            moved += 1
        await flows.end(session, person)
        return Changed(Change.PLACES, activity, booked + moved, moved)
    when = parse_when(text, zone, now)
    if isinstance(when, Problem):
        return Changed({Problem.PAST: Change.PAST,
                        Problem.END_BEFORE_START: Change.END_BEFORE_START}.get(
                            when, Change.FORMAT), activity, booked)
    other = await repo.overlapping(session, activity.village, activity.place, *when,
                                   leaving_out=activity.id)
    if other is not None:
        return Changed(Change.CLASH, activity, booked, clash=other)
    activity.starts_at, activity.ends_at = when
    await repo.remind_again(session, activity.id)
    await session.flush()
    told = await _tell_new_time(session, activity, now, facts, zone)
    await flows.end(session, person)
    return Changed(Change.TIME, activity, booked, told=told)


async def _tell_new_time(session: AsyncSession, activity: Activity, now: datetime,
                         facts: LibraryFacts, zone: ZoneInfo) -> int:
    told = 0
    for row, parent in await repo.signed_up_parents(session, [activity.id]):
        if parent.telegram_user_id is None:
            continue
        language = parent.language if parent.language in LANGUAGES else "nl"
        with use_language(language):
            text = "\n".join([_("🕒 The library moved this activity to another time:"), "",
                              parent_entry(Seen(activity, 0, row.status), facts, zone,
                                           language),
                              "", _("Can you not come? Please cancel, so someone else can.")])
            markup = {"inline_keyboard": [[{"text": _("✖️ Cancel my place"), "callback_data":
                                            ActivityButton("cancel", activity.id).pack()}]]}
        if await outbox.queue_message(
                session, chat_id=parent.telegram_user_id, text=text, reply_markup=markup,
                language=language,
                dedupe_key=f"activity-moved:{row.id}:{int(activity.starts_at.timestamp())}"):
            told += 1
    return told


# ---- the staff's view, and partners at an activity ----------------------------------------
@dataclass(frozen=True)
class Counted:
    activity: Activity
    booked: int
    children: int
    waiting: int


async def staff_list(session: AsyncSession, person: Person, now: datetime) -> list[Counted]:
    """Activities from three days ago on (so who came can still be recorded)."""
    access.require(person, "activity.list")
    found = await repo.between(session, now - AROUND_AFTER, now + timedelta(days=400), 30)
    counted = await repo.counts(session, [a.id for a in found])
    return [Counted(a, *counted.get((a.id, "booked"), (0, 0)),
                    counted.get((a.id, "waiting"), (0, 0))[0]) for a in found]


def around_now(activity: Activity, now: datetime) -> bool:
    """Partners refer families and record who came at an activity of today or just past."""
    return activity.starts_at - AROUND_BEFORE <= now <= activity.ends_at + AROUND_AFTER


def staff_line(row: Counted, zone: ZoneInfo) -> str:
    activity = row.activity
    start = activity.starts_at.astimezone(zone)
    where = activity.place or activity.village or "–"
    text = S_("{when} · {name} · {place}: {booked}/{capacity} signed up, {children} "
              "children, {waiting} waiting").format(
        when=f"{start:%d-%m %H:%M}", name=staff_name(activity), place=where,
        booked=row.booked, capacity=activity.capacity, children=row.children,
        waiting=row.waiting)
    if activity.cancelled_at is not None:
        text = "❌ " + text + "\n   " + S_("cancelled")
    if activity.attended_parents is not None:
        text += "\n   " + S_("came: {parents} parents, {children} children").format(
            parents=activity.attended_parents, children=activity.attended_children or 0)
    return text


async def activity_for_partner(session: AsyncSession, person: Person, activity_id: int,
                               now: datetime) -> Activity | None:
    """The activity a partner (or consultant) acts at, if it is around now."""
    access.require(person, "activity.attendance")
    activity = await repo.get(session, activity_id)
    if activity is None or activity.cancelled_at is not None:
        return None
    return activity if around_now(activity, now) else None


async def start_count(session: AsyncSession, person: Person, activity: Activity) -> None:
    await flows.begin(session, person, COUNT_FLOW, "count", {"activity": activity.id})


def parse_count(text: str) -> tuple[int, int] | None:
    """"12 20": parents and children who came."""
    parts = text.replace(",", " ").replace("/", " ").split()
    if len(parts) != 2 or not all(p.isdigit() and len(p) <= 3 for p in parts):  # noqa: PLR2004
        return None
    return int(parts[0]), int(parts[1])


async def record_count(session: AsyncSession, person: Person, state: flows.FlowState,
                       parents: int, children: int) -> Activity | None:
    access.require(person, "activity.attendance")
    activity = await repo.get(session, int(state.data.get("activity", 0)))
    await flows.end(session, person)
    if activity is None:
        return None
    activity.attended_parents, activity.attended_children = parents, children
    await session.flush()
    return activity


async def my_signups(session: AsyncSession, person: Person, zone: ZoneInfo) -> str:
    """The parent's sign-ups for their /mydata, in their language ("" without any)."""
    if person.role is not Role.PARENT or person.record_id is None:
        return ""
    lines = []
    for row in await repo.signups_of(session, person.record_id):
        activity = await repo.get(session, row.activity_id)
        if activity is not None:
            mark = "✅" if row.status == "booked" else "⏳"
            mark = "❌" if activity.cancelled_at is not None else mark
            lines.append(f"{mark} {name(activity)}, "
                         f"{when_text(activity, zone, person.language)}")
    return "\n".join([_("📅 Your sign-ups for activities:"), *lines]) if lines else ""


async def met_at(session: AsyncSession, activity_id: int | None) -> Callable[[], str]:
    """For a referral's notification: a line naming the activity where the partner met the
    family (rendered later, in each consultant's language), or nothing."""
    activity = await repo.get(session, activity_id) if activity_id is not None else None
    if activity is None:
        return lambda: ""
    where = activity.place or activity.village or "–"
    day = f"{activity.starts_at:%d-%m-%Y}"
    return lambda: "\n" + S_("⛺ Met at: {activity}, {place}, {day}").format(
        activity=staff_name(activity), place=where, day=day)


async def forget_parent(session: AsyncSession, parent_id: int) -> None:
    await repo.forget_parent(session, parent_id)


# ---- figures: /stats and the export -------------------------------------------------------
EXPORT_COLUMNS = ("date", "start", "end", "kind", "title", "village", "place", "capacity",
                  "languages", "signed_up", "children", "waiting", "cancelled",
                  "came_parents", "came_children", "referrals", "session_cancelled")


@dataclass(frozen=True)
class Figure:
    """One activity's numbers."""

    activity: Activity
    booked: int
    children: int
    waiting: int
    cancelled: int
    referrals: int


async def figures(session: AsyncSession, start: datetime, end: datetime) -> list[Figure]:
    found = await repo.between(session, start, end, limit=10_000)
    ids = [a.id for a in found]
    counted = await repo.counts(session, ids)
    referred = await repo.referrals(session, ids)

    def of(activity_id: int, status: str) -> tuple[int, int]:
        return counted.get((activity_id, status), (0, 0))

    return [Figure(a, *of(a.id, "booked"), of(a.id, "waiting")[0], of(a.id, "cancelled")[0],
                   referred.get(a.id, 0)) for a in found]


@dataclass(frozen=True)
class VillageFigures:
    """The activities of one village (None: none given) in a period, as plain numbers: what
    /stats's text, its chart and the yearly report show (no rows, which the read's session
    takes with it)."""

    village: str | None
    sessions: int
    booked: int  # parents signed up
    children: int  # the children they signed up
    waiting: int
    parents_came: int  # of the sessions whose attendance was recorded
    children_came: int


def tally(rows: Sequence[Figure], village: str | None = None) -> VillageFigures:
    came = [r.activity for r in rows if r.activity.attended_parents is not None]
    return VillageFigures(village, len(rows), sum(r.booked for r in rows),
                          sum(r.children for r in rows), sum(r.waiting for r in rows),
                          sum(a.attended_parents or 0 for a in came),
                          sum(a.attended_children or 0 for a in came))


def per_village(found: Sequence[Figure]) -> tuple[VillageFigures, ...]:
    """The activities' numbers per village, in the order the villages first come; sessions
    the library cancelled do not count."""
    held = [r for r in found if r.activity.cancelled_at is None]
    villages = list(dict.fromkeys(r.activity.village for r in held))
    return tuple(tally([r for r in held if r.activity.village == village], village)
                 for village in villages)


def figures_text(found: Sequence[Figure], zone: ZoneInfo) -> str:
    """The activities block of /stats: per village, then per activity (staff language)."""
    if not found:
        return ""

    def line(numbers: VillageFigures) -> str:
        return S_("{sessions} sessions, {booked} signed up ({children} children), {waiting} "
                  "waiting, came: {parents} parents, {kids} children").format(
            sessions=numbers.sessions, booked=numbers.booked, children=numbers.children,
            waiting=numbers.waiting, parents=numbers.parents_came, kids=numbers.children_came)

    held = [r for r in found if r.activity.cancelled_at is None]
    called_off = len(found) - len(held)
    lines = ["", S_("📅 Activities: {line}").format(line=line(tally(held)))]
    if called_off:
        lines.append(Sngettext("❌ {count} session cancelled", "❌ {count} sessions cancelled",
                               called_off).format(count=called_off))
    lines += ["", S_("Activities per village:")]
    lines += [f"  {numbers.village or '–'}: " + line(numbers) for numbers in per_village(found)]
    lines += ["", S_("Per activity:")]
    for row in found:
        activity = row.activity
        came = (S_("came {parents}/{children}").format(
            parents=activity.attended_parents, children=activity.attended_children or 0)
            if activity.attended_parents is not None else S_("came: not recorded"))
        if activity.cancelled_at is not None:
            came = S_("cancelled")
        lines.append(f"  {activity.starts_at.astimezone(zone):%d-%m %H:%M} "
                     f"{staff_name(activity)} {activity.place or activity.village or '–'}: "
                     + S_("{booked}/{capacity} signed up, {waiting} waiting").format(
                         booked=row.booked, capacity=activity.capacity, waiting=row.waiting)
                     + f", {came}")
    return "\n".join(lines)


def export_rows(found: Sequence[Figure], zone: ZoneInfo) -> list[dict[str, str]]:
    """The activities export: no names, no parents, only counts."""
    rows = []
    for row in found:
        activity = row.activity
        start, end = activity.starts_at.astimezone(zone), activity.ends_at.astimezone(zone)
        rows.append({
            "date": f"{start:%Y-%m-%d}", "start": f"{start:%H:%M}", "end": f"{end:%H:%M}",
            "kind": activity.kind, "title": activity.title or "",
            "village": activity.village or "", "place": activity.place or "",
            "capacity": str(activity.capacity), "languages": " ".join(activity.languages),
            "signed_up": str(row.booked), "children": str(row.children),
            "waiting": str(row.waiting), "cancelled": str(row.cancelled),
            "came_parents": "" if activity.attended_parents is None
            else str(activity.attended_parents),
            "came_children": "" if activity.attended_children is None
            else str(activity.attended_children),
            "referrals": str(row.referrals),
            "session_cancelled": "" if activity.cancelled_at is None
            else f"{activity.cancelled_at.astimezone(zone):%Y-%m-%d}"})
    return rows
