"""BoekStart bags: a partner professional records a bag handed out (four taps: village, the
baby's age, the home language, tips yes or no), the consultant records bags delivered, the
stock counts down, tips reach the parents who opened their link, and the figures.

Nothing about the family is kept but the village, the age band, the language and whether
they want tips; the parent who opens the link is linked only while a tip is still to come.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot import access, flows, outbox, referrals
from bot.flows import FlowState
from bot.i18n import LANGUAGES, NS_, S_, _, language_name, use_language
from bot.people import Person, Role, parent_id_of
from bot.tokens import new_token, token_hash
from storage.models import BagHandout, Organisation
from storage.repositories import bags as bags_repo
from storage.repositories import people as people_repo

FLOW = "bag"
BAG_PREFIX = "b"  # the parent's link: /start b_...
OTHER = "other"
STEPS = ("village", "age", "language", "tips")
TWICE = "twice"  # "did you hand out two?": a second bag within a minute
TWICE_WITHIN = timedelta(minutes=1)
AGE_BANDS: dict[str, str] = {
    "0-3": NS_("0–3 months"),
    "4-6": NS_("4–6 months"),
    "7-12": NS_("7–12 months"),
    "older": NS_("older"),
}
# The baby's age in months when the bag was handed out, as the follow-ups reckon it.
AGE_MONTHS: dict[str, float] = {"0-3": 2, "4-6": 5, "7-12": 9, "older": 15}
DAYS_PER_MONTH = 30.44
FEW_WEEKS = timedelta(weeks=3)  # the earliest a tip comes, and between two tips
SIX, FIFTEEN = 6, 15  # the months the two tips are meant for
YEAR = 12
MAX_DELIVERY = 1000


# ---- recording a bag: the steps ----------------------------------------------------------------
async def start(session: AsyncSession, person: Person) -> FlowState:
    access.require(person, "bag.record")
    return await flows.begin(session, person, FLOW, STEPS[0], {})


async def in_progress(session: AsyncSession, person: Person) -> FlowState | None:
    state = await flows.current(session, person)
    return state if state is not None and state.flow == FLOW else None


async def hands_out_bags(session: AsyncSession, person: Person) -> bool:
    """Whether the professional's organisation hands out BoekStart bags."""
    if person.organisation_id is None:
        return False
    organisation = await bags_repo.organisation(session, person.organisation_id)
    return organisation is not None and organisation.hands_out_bags


def step_number(step: str) -> int:
    return STEPS.index(step) + 1 if step in STEPS else len(STEPS)


def _value(step: str, value: str, villages: Sequence[str]) -> str | None:
    """The answer a button's value gives for the step; None for a value not offered."""
    if step == "village":
        if value == OTHER:
            return OTHER
        return villages[int(value)] if value.isdigit() and int(value) < len(villages) else None
    offered: dict[str, Collection[str]] = {
        "age": AGE_BANDS, "language": (*LANGUAGES, OTHER), "tips": ("yes", "no"),
        TWICE: ("yes", "no")}
    return value if value in offered.get(step, ()) else None


def pick(step: str, data: dict[str, Any], value: str | None, villages: Sequence[str]
         ) -> dict[str, Any] | None:
    """The answers with this button's value for the step; None for a value not offered."""
    answer = _value(step, value, villages) if value is not None else None
    return None if answer is None else {**data, step: answer}


def next_step(step: str) -> str | None:
    """The step after this one; None after the last (the bag is recorded)."""
    index = STEPS.index(step) if step in STEPS else len(STEPS)
    return STEPS[index + 1] if index + 1 < len(STEPS) else None


def step_before(step: str) -> str | None:
    if step == TWICE:
        return STEPS[-1]
    index = STEPS.index(step) if step in STEPS else 0
    return STEPS[index - 1] if index > 0 else None


async def move(session: AsyncSession, state: FlowState, step: str, data: dict[str, Any]) -> None:
    await flows.move(session, state, step, data)


async def cancel(session: AsyncSession, person: Person) -> None:
    await flows.end(session, person)


async def recorded_just_now(session: AsyncSession, person: Person, now: datetime) -> bool:
    """The professional recorded a bag less than a minute ago (a double tap, or two bags)."""
    if person.record_id is None:
        return False
    last = await bags_repo.latest_by_partner(session, person.record_id)
    return last is not None and now - last.created_at < TWICE_WITHIN


@dataclass
class Recorded:
    handout: BagHandout
    organisation: str
    stock: int  # after this bag; may be negative
    none_left: bool  # there was no bag on record before this one
    token: str | None  # the parent's link token (only when they want tips): never stored


async def record(session: AsyncSession, person: Person, data: dict[str, Any], now: datetime,
                 alert_below: int) -> Recorded:
    """The hand-out, the stock one down, and the consultants told once when it runs low."""
    access.require(person, "bag.record")
    if person.organisation_id is None:
        raise ValueError("a partner without an organisation")
    organisation = await bags_repo.organisation(session, person.organisation_id)
    assert organisation is not None
    before = await bags_repo.stock(session, organisation.id)
    wants_tips = data.get("tips") == "yes"
    token = new_token(BAG_PREFIX) if wants_tips else None
    handout = await bags_repo.add_handout(session, BagHandout(
        organisation_id=organisation.id, partner_id=person.record_id,
        village=str(data.get("village") or OTHER), age_band=str(data.get("age")),
        language=str(data.get("language") or OTHER), wants_tips=wants_tips,
        token_hash=token_hash(token) if token else None, created_at=now))
    await flows.end(session, person)
    stock = before - 1
    if stock < alert_below and organisation.bags_alerted_at is None:
        await _alert_low(session, organisation, stock, handout.id)
        organisation.bags_alerted_at = now
    return Recorded(handout, organisation.name, stock, before <= 0, token)


async def _alert_low(session: AsyncSession, organisation: Organisation, stock: int,
                     handout_id: int) -> None:
    for consultant in await people_repo.active_consultants(session):
        language = consultant.language or "nl"
        with use_language(language):
            text = S_("🎒 BoekStart bags run low at {organisation}: {stock} left. Record a "
                      "delivery with /bags.").format(organisation=organisation.name,
                                                     stock=stock)
        await outbox.queue_message(session, chat_id=consultant.telegram_user_id, text=text,
                                   dedupe_key=f"bags-low:{handout_id}:{consultant.id}",
                                   language=language)


def summary(data: dict[str, Any]) -> str:
    """What was recorded, for the professional (staff language)."""
    village = data.get("village")
    language = data.get("language")
    return "\n".join([
        S_("🎒 BoekStart bag"),
        S_("🏡 Village: {value}").format(
            value=S_("somewhere else") if village == OTHER else village or "–"),
        S_("👶 Baby: {value}").format(value=S_(AGE_BANDS.get(data.get("age") or "", "–"))),
        S_("🌍 Home language: {value}").format(
            value=S_("another language") if language == OTHER
            else language_name(language) if language in LANGUAGES else "–"),
        S_("💡 Tips from the library: {value}").format(
            value=S_("yes") if data.get("tips") == "yes" else S_("no")),
    ])


# ---- "refer this family too" ---------------------------------------------------------------
async def refer_family(session: AsyncSession, person: Person, handout_id: int
                       ) -> FlowState | None:
    """A referral that starts with the bag's village and language filled in; None when the
    hand-out is not this professional's."""
    access.require(person, "referral.create")
    handout = await bags_repo.by_id(session, handout_id)
    if handout is None or person.record_id is None or handout.partner_id != person.record_id:
        return None
    data: dict[str, Any] = {}
    if handout.language in LANGUAGES:
        data["language"] = handout.language
    if handout.village != OTHER:
        data["village"] = handout.village
    step = "language" if "language" not in data else "village" if "village" not in data \
        else "ages"
    state = await referrals.start(session, person)
    await referrals.move(session, state, step, data)
    return state


# ---- the parent's link ---------------------------------------------------------------------
class LinkProblem(StrEnum):
    UNKNOWN = "unknown"
    NOT_FOR_STAFF = "not_for_staff"


async def open_link(session: AsyncSession, person: Person, token: str, now: datetime
                    ) -> tuple[BagHandout | None, LinkProblem | None]:
    """A parent opens the link the nurse gave: they are greeted in the bag's language
    (unless they chose one) and, the first to open it, will get the tips."""
    if person.role in (Role.CONSULTANT, Role.PARTNER):
        return None, LinkProblem.NOT_FOR_STAFF
    handout = await bags_repo.by_token_hash(session, token_hash(token))
    if handout is None:
        return None, LinkProblem.UNKNOWN
    parent_id = await parent_id_of(session, person)
    if handout.opened_at is None:
        handout.opened_at = now
        handout.parent_id = parent_id
    if person.stored_language is None and handout.language in LANGUAGES:
        await people_repo.set_language(session, "parent", parent_id, handout.language)
        person.language = person.stored_language = handout.language
    await session.flush()
    return handout, None


# ---- tips a few weeks later ------------------------------------------------------------------
def _months(months: float) -> timedelta:
    return timedelta(days=months * DAYS_PER_MONTH)


def tips_due(age_band: str, handed_out: datetime) -> dict[int, datetime]:
    """When each tip is due: at about 6 months (not for a baby older than that) and at about
    15 months, never sooner than a few weeks after the bag or the tip before."""
    age = AGE_MONTHS.get(age_band, AGE_MONTHS["older"])
    due: dict[int, datetime] = {}
    earliest = handed_out + FEW_WEEKS
    if age < YEAR:  # a baby under a year gets the first tip too
        due[SIX] = max(earliest, handed_out + _months(SIX - age))
        earliest = due[SIX] + FEW_WEEKS
    due[FIFTEEN] = max(earliest, handed_out + _months(FIFTEEN - age))
    return due


def tip_text(months: int) -> str:
    """A tip, in the current language (the parent's)."""
    if months == SIX:
        return _("👶 Hello! A tip for you and your baby: reading aloud helps your baby learn "
                 "to talk. Look at a picture book together and name what you see. Children "
                 "can join the library for free: come and ask for a library card for your "
                 "baby.")
    return _("👶 Hello! Your child is now more than a year old. Next step: borrow picture "
             "books at the library with your child's free library card, and come to the "
             "reading hour for young children. Ask me about reading and activities.")


async def send_tips(session: AsyncSession, now: datetime) -> int:
    """Queue the tips that are due (once each: the hand-out records it); the last tip ends the
    link with the parent."""
    queued = 0
    for handout, parent in await bags_repo.awaiting_tips(session):
        if parent.telegram_user_id is None:
            continue
        due = tips_due(handout.age_band, handout.created_at)
        if SIX in due and handout.six_months_sent_at is None and now < due[SIX]:
            continue
        if SIX in due and handout.six_months_sent_at is None:
            months = SIX
        elif now >= due[FIFTEEN]:
            months = FIFTEEN
        else:
            continue
        language = parent.language or (handout.language if handout.language in LANGUAGES
                                       else "nl")
        with use_language(language):
            text = tip_text(months)
        await outbox.queue_message(session, chat_id=parent.telegram_user_id, text=text,
                                   dedupe_key=f"bagtip:{handout.id}:{months}",
                                   language=language)
        if months == SIX:
            handout.six_months_sent_at = now
        else:
            handout.fifteen_months_sent_at = now
            handout.parent_id = None  # nothing more to send: the family is forgotten here
        queued += 1
    await session.flush()
    return queued


# ---- the consultant: deliveries and who hands out bags -----------------------------------------
class StockProblem(StrEnum):
    FORMAT = "format"  # no number, or not a whole number
    RANGE = "range"  # 0, or more than MAX_DELIVERY
    UNKNOWN = "unknown"  # no organisation of that name
    AMBIGUOUS = "ambiguous"  # more than one


@dataclass
class Delivered:
    organisation: Organisation | None
    stock: int = 0
    problem: StockProblem | None = None
    matches: tuple[str, ...] = ()  # the names that matched (ambiguous) or all (unknown)
    now_hands_out: bool = False  # the delivery marked it as handing out bags


_NUMBER = re.compile(r"^[+-]?\d{1,9}$")


def parse_delivery(args: Sequence[str]) -> tuple[str, int] | StockProblem:
    """`GGD +20` → ("GGD", 20); the number last, signed or not (a minus corrects)."""
    if len(args) < 2 or not _NUMBER.match(args[-1]):  # noqa: PLR2004 - a name and a number
        return StockProblem.FORMAT
    count = int(args[-1])
    if count == 0 or abs(count) > MAX_DELIVERY:
        return StockProblem.RANGE
    return " ".join(args[:-1]).strip(), count


def _matching(organisations: list[Organisation], name: str) -> list[Organisation]:
    wanted = " ".join(name.lower().split())
    exact = [o for o in organisations if o.name.lower() == wanted]
    return exact or [o for o in organisations if wanted and wanted in o.name.lower()]


async def deliver(session: AsyncSession, person: Person, name: str, count: int,
                  now: datetime, alert_below: int) -> Delivered:
    access.require(person, "bags.manage")
    organisations = await bags_repo.all_organisations(session)
    found = _matching(organisations, name)
    if not found:
        return Delivered(None, problem=StockProblem.UNKNOWN,
                         matches=tuple(o.name for o in organisations))
    if len(found) > 1:
        return Delivered(None, problem=StockProblem.AMBIGUOUS,
                         matches=tuple(o.name for o in found))
    return await deliver_to(session, person, found[0], count, now, alert_below)


async def deliver_to(session: AsyncSession, person: Person, organisation: Organisation,
                     count: int, now: datetime, alert_below: int) -> Delivered:
    access.require(person, "bags.manage")
    await bags_repo.add_delivery(session, organisation.id, count, person.record_id, now)
    marked = not organisation.hands_out_bags and count > 0
    if marked:  # bags delivered there are bags to hand out
        organisation.hands_out_bags = True
    stock = await bags_repo.stock(session, organisation.id)
    if stock >= alert_below:
        organisation.bags_alerted_at = None  # the next shortage is told again
    await session.flush()
    return Delivered(organisation, stock, now_hands_out=marked)


async def deliver_by_id(session: AsyncSession, person: Person, organisation_id: int,
                        count: int, now: datetime, alert_below: int) -> Delivered:
    access.require(person, "bags.manage")
    organisation = await bags_repo.organisation(session, organisation_id)
    if organisation is None or count == 0 or abs(count) > MAX_DELIVERY:
        return Delivered(None, problem=StockProblem.UNKNOWN)
    return await deliver_to(session, person, organisation, count, now, alert_below)


async def toggle(session: AsyncSession, person: Person, organisation_id: int
                 ) -> Organisation | None:
    """Whether the organisation hands out bags, switched."""
    access.require(person, "bags.manage")
    organisation = await bags_repo.organisation(session, organisation_id)
    if organisation is None:
        return None
    organisation.hands_out_bags = not organisation.hands_out_bags
    await session.flush()
    return organisation


async def overview(session: AsyncSession, person: Person) -> list[tuple[Organisation, int]]:
    access.require(person, "bags.manage")
    return await bags_repo.organisations_with_stock(session)


# ---- figures -----------------------------------------------------------------------------------
Counts = tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class BagFigures:
    """The bags of a period, in codes: one source for /stats and any chart."""

    bags: int
    per_month: Counts
    per_organisation: Counts
    per_village: Counts
    per_age_band: Counts
    per_language: Counts
    with_link: int  # families who wanted tips (and got a link)
    opened: int  # of them, who opened it


def _count(values: list[str]) -> Counts:
    counts: dict[str, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return tuple(counts.items())


async def bag_figures(session: AsyncSession, start: datetime, end: datetime, zone: ZoneInfo
                      ) -> BagFigures:
    rows = await bags_repo.in_period(session, start, end)
    handouts = [handout for handout, _name in rows]
    bands = [h.age_band for h in handouts]
    return BagFigures(
        bags=len(rows),
        per_month=_count([h.created_at.astimezone(zone).strftime("%Y-%m") for h in handouts]),
        per_organisation=_count([name for _handout, name in rows]),
        per_village=_count([h.village for h in handouts]),
        per_age_band=tuple(sorted(_count(bands), key=lambda c: list(AGE_BANDS).index(c[0])
                                  if c[0] in AGE_BANDS else len(AGE_BANDS))),
        per_language=_count([h.language for h in handouts]),
        with_link=sum(1 for h in handouts if h.wants_tips),
        opened=sum(1 for h in handouts if h.wants_tips and h.opened_at is not None))


def render_figures(numbers: BagFigures) -> str:
    """The bags' block of /stats, in the reader's (staff) language; empty without bags."""
    if not numbers.bags:
        return ""
    lines = [S_("🎒 BoekStart bags: {count}").format(count=numbers.bags)]

    def block(title: str, counts: Counts, name: Callable[[str], str]) -> None:
        lines.append(title)
        lines.extend(f"  {name(value)}: {count}" for value, count in counts)

    block(S_("Bags per month:"), numbers.per_month, str)
    block(S_("Bags per organisation:"), numbers.per_organisation, str)
    block(S_("Bags per village:"), numbers.per_village,
          lambda v: S_("somewhere else") if v == OTHER else v)
    block(S_("Bags per age:"), numbers.per_age_band,
          lambda band: S_(AGE_BANDS[band]) if band in AGE_BANDS else band)
    block(S_("Bags per home language:"), numbers.per_language,
          lambda code: language_name(code) if code in LANGUAGES else S_("another language"))
    if numbers.with_link:
        lines.append(S_("🔗 Opened the library's link: {opened} of {total} ({share}%)").format(
            opened=numbers.opened, total=numbers.with_link,
            share=round(100 * numbers.opened / numbers.with_link)))
    return "\n".join(lines)


EXPORT_SOURCE = "bag"  # the export's source column for a bag's row


async def export_rows(session: AsyncSession, start: datetime, end: datetime, zone: ZoneInfo
                      ) -> list[dict[str, str]]:
    """One row per bag for the CSV export (its columns, bot.figures.EXPORT_COLUMNS; the
    ones a bag has no value for stay empty): no reference, no family."""
    rows = []
    for handout, name in await bags_repo.in_period(session, start, end):
        created = handout.created_at.astimezone(zone)
        rows.append({
            "created": created.strftime("%Y-%m-%d"), "month": created.strftime("%Y-%m"),
            "source": EXPORT_SOURCE, "organisation": name, "village": handout.village,
            "family_language": handout.language, "child_ages": handout.age_band,
            "bag_link_opened": ("yes" if handout.opened_at else "no") if handout.wants_tips
            else "",
        })
    return rows

