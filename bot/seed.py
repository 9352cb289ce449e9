"""Made-up cases for measuring: `bieb-bot seed-cases N` fills a database with a library's
caseload of the last years (bench/caseload.py times the inbox, a case view, /stats and the
export on it).

Everything goes in with bulk inserts (Core `insert` with many rows at once, in chunks), not
one ORM object per row: 100,000 cases take seconds. Nothing personal is written (no names,
phone numbers, notes or typed text), so nothing needs sealing and no data keys are made.
Seeded people have negative Telegram ids, which no real Telegram user has.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, func, insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.cases import HELPED_OUTCOMES
from bot.matcher import TOPICS
from bot.referrals import AGES, NEEDS, OTHER
from storage.models import (
    Case,
    CaseEvent,
    CaseNeed,
    Consultant,
    Organisation,
    Parent,
    ParentMessage,
    Partner,
    ReferenceCounter,
)

CHUNK = 5_000  # cases per batch of inserts (and per progress line)
# The partner organisations, by kind, and how many of the referrals each kind makes.
ORGANISATIONS: tuple[tuple[str, str, int], ...] = (
    ("ggd", "GGD IJsselland consultatiebureau", 30),
    ("ggd", "GGD IJsselland jeugdverpleegkundigen", 10),
    ("daycare", "Kinderopvang De Speelhoeve", 8),
    ("daycare", "Peuterspeelzaal 't Hummelhuis", 6),
    ("school", "Basisschool De Regenboog", 8),
    ("school", "Basisschool Het Kompas", 6),
    ("school", "CBS De Wegwijzer", 5),
    ("welfare", "Stichting Welzijn Dalfsen", 12),
    ("welfare", "Vluchtelingenwerk Oost Nederland", 10),
    ("welfare", "Sociaal Team gemeente Dalfsen", 5),
)
PARTNERS_PER_ORGANISATION = 3
CONSULTANTS = ("Consulent Jeugd (seed)", "Taalpunt-coördinator (seed)",
               "Consulent Digitaal (seed)", "Leesconsulent (seed)")
# Seeded Telegram ids: negative, so never a real user's (consultants and partners fixed, so
# a second run with --force finds them again; parents below all ids there are).
CONSULTANT_TELEGRAM_BASE = -9_000_000_000
PARTNER_TELEGRAM_BASE = -9_100_000_000
PARENT_TELEGRAM_START = -1_000_000
# Languages the families speak (weights): most referrals are newcomers' families.
FAMILY_LANGUAGES = {"ar": 22, "ti": 16, "uk": 14, "pl": 12, "tr": 10, "nl": 10, "fa": 7,
                    "so": 5, "en": 4}
OUTCOME_WEIGHTS = {"boekstart": 26, "member": 18, "taalpunt": 20, "digital": 9, "referred": 9,
                   "no_contact": 12, "declined": 6}
PARENT_SOURCE_SHARE = 0.25  # cases a parent asked for in the bot; the rest are referrals
MESSAGE_SHARE = 0.15  # cases with a parent where the parent wrote a few messages


class AlreadySeeded(Exception):
    """The database holds cases already (seeding again needs --force)."""

    def __init__(self, cases: int) -> None:
        super().__init__(f"the database holds {cases} cases already")
        self.cases = cases


@dataclass(frozen=True)
class Seeded:
    cases: int
    parents: int
    events: int
    needs: int
    messages: int
    seconds: float


@dataclass
class _Rows:
    cases: list[dict[str, Any]]
    needs: list[dict[str, Any]]
    events: list[dict[str, Any]]
    parents: list[dict[str, Any]]
    messages: list[dict[str, Any]]


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _status(rng: random.Random, age_days: float) -> str:
    """Most cases older than two months are closed; the newest are mostly still open."""
    if age_days > 60:  # noqa: PLR2004
        weights = {"closed": 95, "contacted": 3, "taken": 2, "new": 0}
    elif age_days > 14:  # noqa: PLR2004
        weights = {"closed": 60, "contacted": 25, "taken": 10, "new": 5}
    else:
        weights = {"closed": 15, "contacted": 30, "taken": 25, "new": 30}
    return _weighted(rng, weights)


class _Maker:
    """Makes the rows of one chunk of cases, ids given out in order."""

    def __init__(self, rng: random.Random, now: datetime, villages: Sequence[str],
                 partners: list[tuple[int, int]], consultants: list[int], ids: dict[str, int],
                 references: dict[int, int]) -> None:
        self.rng = rng
        self.now = now
        self.villages = list(villages)
        self.partners = partners  # (partner id, organisation id)
        self.partner_weights = [weight for _kind, _name, weight in ORGANISATIONS
                                for _ in range(PARTNERS_PER_ORGANISATION)][:len(partners)]
        self.consultants = consultants
        self.ids = ids  # the next id per table: "case", "parent", "telegram"
        self.references = references  # year -> last number given

    def chunk(self, created: list[datetime]) -> _Rows:
        rows = _Rows([], [], [], [], [])
        for at in created:
            self._case(rows, at)
        return rows

    def _reference(self, at: datetime) -> str:
        number = self.references.get(at.year, 0) + 1
        self.references[at.year] = number
        return f"{at.year}-{number:04d}"

    def _parent(self, rows: _Rows, at: datetime, language: str) -> int:
        parent_id = self.ids["parent"]
        self.ids["parent"] += 1
        self.ids["telegram"] -= 1
        rows.parents.append({"id": parent_id, "telegram_user_id": self.ids["telegram"],
                             "language": language, "created_at": at})
        return parent_id

    def _case(self, rows: _Rows, at: datetime) -> None:
        rng = self.rng
        case_id = self.ids["case"]
        self.ids["case"] += 1
        language = _weighted(rng, FAMILY_LANGUAGES)
        from_parent = rng.random() < PARENT_SOURCE_SHARE
        age_days = (self.now - at).total_seconds() / 86400
        status = _status(rng, age_days)
        case: dict[str, Any] = {
            "id": case_id, "reference": self._reference(at), "status": status,
            "family_language": language, "created_at": at, "consent": True, "consent_at": at,
            "partner_id": None, "organisation_id": None, "parent_id": None, "village": None,
            "child_ages": [], "contact_method": "chat", "consent_source": "parent",
            "consent_recorded_by_partner_id": None, "assigned_consultant_id": None,
            "outcome": None, "helped": None, "first_contact_at": None, "closed_at": None,
        }
        if from_parent:
            case["source"] = "parent"
            case["parent_id"] = self._parent(rows, at - timedelta(minutes=rng.randint(1, 600)),
                                             language)
            rows.events.append(_event(case_id, "created", "parent", None, at,
                                      {"source": "parent"}))
        else:
            partner_id, organisation_id = rng.choices(self.partners,
                                                      weights=self.partner_weights)[0]
            contact = "family" if rng.random() < 0.6 else "partner"  # noqa: PLR2004
            case.update(source="partner", partner_id=partner_id, organisation_id=organisation_id,
                        contact_method=contact, consent_source="partner",
                        consent_recorded_by_partner_id=partner_id,
                        village=(rng.choices(self.villages, weights=[50, 30, 20][
                            :len(self.villages)] or None)[0]
                                 if self.villages and rng.random() < 0.95 else None),  # noqa: PLR2004
                        child_ages=sorted(rng.sample(list(AGES), rng.choice((1, 1, 2))),
                                          key=list(AGES).index))
            needs = [n for n in NEEDS if n != OTHER]
            chosen = set(rng.sample(needs, rng.choice((1, 1, 1, 2, 2, 3))))
            rows.needs.extend({"case_id": case_id, "need": n} for n in NEEDS if n in chosen)
            if contact == "family" and rng.random() < 0.7:  # noqa: PLR2004
                opened = min(self.now, at + timedelta(hours=rng.randint(1, 72)))
                case["parent_id"] = self._parent(rows, opened, language)
            rows.events.append(_event(case_id, "created", "partner", partner_id, at,
                                      {"consent": True, "contact_method": contact}))
        last = at
        if status != "new":
            consultant = rng.choice(self.consultants)
            case["assigned_consultant_id"] = consultant
            last = min(self.now, at + timedelta(hours=rng.uniform(0.1, min(48.0, max(
                0.2, age_days * 12)))))
            rows.events.append(_event(case_id, "take", "consultant", consultant, last))
            outcome = _weighted(rng, OUTCOME_WEIGHTS) if status == "closed" else None
            if status == "contacted" or (status == "closed" and outcome != "no_contact"):
                last = min(self.now, last + timedelta(days=rng.lognormvariate(0.7, 0.8)))
                case["first_contact_at"] = last
                rows.events.append(_event(case_id, "contacted", "consultant", consultant, last))
            if status == "closed" and outcome is not None:
                last = min(self.now, last + timedelta(days=rng.uniform(1, 30)))
                case.update(outcome=outcome, closed_at=last)
                rows.events.append(_event(case_id, "close", "consultant", consultant, last,
                                          {"outcome": outcome}))
                if outcome in HELPED_OUTCOMES and (self.now - last).days > 14 \
                        and case["parent_id"] and rng.random() < 0.5:  # noqa: PLR2004
                    case["helped"] = rng.random() < 0.85  # noqa: PLR2004
        case["updated_at"] = last
        rows.cases.append(case)
        if case["parent_id"] is not None and rng.random() < MESSAGE_SHARE:
            for _ in range(rng.randint(1, 3)):
                sent = min(self.now, at + timedelta(hours=rng.uniform(0.1, 72)))
                # What the parent asked is not kept here (it would be personal): only the
                # topic the bot answered with and the parent's 👍/👎.
                rows.messages.append({
                    "parent_id": case["parent_id"], "case_id": case_id, "direction": "in",
                    "kind": "text", "topic": rng.choice(TOPICS),
                    "helpful": rng.choice((True, True, False, None)), "created_at": sent})


def _event(case_id: int, kind: str, actor_kind: str, actor_id: int | None, at: datetime,
           detail: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"case_id": case_id, "kind": kind, "actor_kind": actor_kind, "actor_id": actor_id,
            "detail": detail or {}, "created_at": at}


def _created_times(rng: random.Random, count: int, now: datetime, years: float
                   ) -> list[datetime]:
    """`count` moments over the last `years`, on weekdays in office hours mostly, sorted."""
    span = years * 365 * 86400
    times = []
    for _ in range(count):
        at = now - timedelta(seconds=rng.uniform(0, span))
        if at.weekday() >= 5 and rng.random() < 0.8:  # noqa: PLR2004
            at -= timedelta(days=at.weekday() - 4)  # moved back to the Friday
        hour = rng.choices(range(24), weights=[0] * 7 + [2, 8, 10, 10, 8, 6, 8, 9, 8, 5, 2, 1,
                                                         1, 1, 0, 0, 0])[0]
        at = at.replace(hour=hour, minute=rng.randint(0, 59), second=rng.randint(0, 59))
        if at > now:  # today, at an hour still to come
            at = now - timedelta(minutes=rng.uniform(1, 600))
        times.append(at)
    times.sort()
    return times


async def _insert_or_skip(connection: AsyncConnection, table: Any, rows: list[dict[str, Any]],
                          key: str) -> None:
    if not rows:
        return
    dialect = connection.dialect.name
    statement = (postgresql_insert if dialect == "postgresql" else sqlite_insert)(table)
    await connection.execute(statement.on_conflict_do_nothing(index_elements=[key]), rows)


async def _people(connection: AsyncConnection, now: datetime
                  ) -> tuple[list[tuple[int, int]], list[int]]:
    """The seeded organisations, partners and consultants (made once, found again after)."""
    await _insert_or_skip(connection, Organisation.__table__,
                          [{"name": name, "kind": kind, "hands_out_bags": kind == "ggd",
                            "created_at": now} for kind, name, _w in ORGANISATIONS],
                          "name")
    found = dict((await connection.execute(
        select(Organisation.name, Organisation.id)
        .where(Organisation.name.in_([n for _k, n, _w in ORGANISATIONS])))).all())
    wanted = [(PARTNER_TELEGRAM_BASE - index * 10 - number, f"Partner {number + 1} ({name})",
               found[name])
              for index, (_kind, name, _w) in enumerate(ORGANISATIONS)
              for number in range(PARTNERS_PER_ORGANISATION)]
    existing = set((await connection.execute(
        select(Partner.telegram_user_id).where(Partner.revoked_at.is_(None),
                                               Partner.telegram_user_id.in_(
                                                   [w[0] for w in wanted])))).scalars())
    missing = [{"telegram_user_id": t, "name": n, "organisation_id": o, "language": "nl",
                "created_at": now} for t, n, o in wanted if t not in existing]
    if missing:
        await connection.execute(insert(Partner), missing)
    partner_ids = dict((await connection.execute(
        select(Partner.telegram_user_id, Partner.id).where(
            Partner.revoked_at.is_(None),
            Partner.telegram_user_id.in_([w[0] for w in wanted])))).all())
    partners = [(partner_ids[t], o) for t, _n, o in wanted]
    await _insert_or_skip(connection, Consultant.__table__, [
        {"telegram_user_id": CONSULTANT_TELEGRAM_BASE - i, "name": name, "language": "nl",
         "active": True, "created_at": now} for i, name in enumerate(CONSULTANTS)],
        "telegram_user_id")
    consultants = list((await connection.execute(
        select(Consultant.id).where(Consultant.telegram_user_id.in_(
            [CONSULTANT_TELEGRAM_BASE - i for i in range(len(CONSULTANTS))]))
        .order_by(Consultant.id))).scalars())
    return partners, consultants


async def _next_id(connection: AsyncConnection, column: Any) -> int:
    return int(await connection.scalar(select(func.coalesce(func.max(column), 0)))) + 1


async def _fix_sequences(connection: AsyncConnection) -> None:
    """PostgreSQL: rows inserted with their id leave the serial behind; move it on."""
    if connection.dialect.name != "postgresql":
        return
    for table in ("cases", "parents"):
        await connection.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"))


async def seed_cases(engine: AsyncEngine, count: int, *, villages: Sequence[str],  # noqa: PLR0913
                     years: float = 2.0, force: bool = False, seed: int | None = None,
                     now: datetime | None = None,
                     progress: Callable[[int, int], None] | None = None) -> Seeded:
    """Add `count` made-up cases created over the last `years`, in one transaction.

    Refuses (AlreadySeeded) when the database holds cases, unless `force`. References follow
    the bot's per-year counters (`2026-0042`), which are moved on past them, so cases the
    bot makes afterwards get the next ones.
    """
    started = datetime.now(UTC)
    now = now or started
    rng = random.Random(seed)
    async with engine.begin() as connection:
        existing = int(await connection.scalar(select(func.count(Case.id))) or 0)
        if existing and not force:
            raise AlreadySeeded(existing)
        partners, consultants = await _people(connection, now)
        counters = dict((await connection.execute(
            select(ReferenceCounter.year, ReferenceCounter.last_number))).all())
        lowest = await connection.scalar(select(func.min(Parent.telegram_user_id)))
        ids = {"case": await _next_id(connection, Case.id),
               "parent": await _next_id(connection, Parent.id),
               "telegram": min(PARENT_TELEGRAM_START, int(lowest or 0))}
        maker = _Maker(rng, now, villages, partners, consultants, ids, counters)
        created = _created_times(rng, count, now, years)
        totals = {"parents": 0, "events": 0, "needs": 0, "messages": 0}
        for start in range(0, count, CHUNK):
            rows = maker.chunk(created[start:start + CHUNK])
            for table, batch in ((Parent, rows.parents), (Case, rows.cases),
                                 (CaseNeed, rows.needs), (CaseEvent, rows.events),
                                 (ParentMessage, rows.messages)):
                if batch:
                    await connection.execute(insert(cast("Table", table.__table__)), batch)
            totals["parents"] += len(rows.parents)
            totals["events"] += len(rows.events)
            totals["needs"] += len(rows.needs)
            totals["messages"] += len(rows.messages)
            if progress is not None:
                progress(min(start + CHUNK, count), count)
        await _counters(connection, counters)
        await _fix_sequences(connection)
    return Seeded(count, totals["parents"], totals["events"], totals["needs"],
                  totals["messages"], (datetime.now(UTC) - started).total_seconds())


async def _counters(connection: AsyncConnection, counters: dict[int, int]) -> None:
    dialect = connection.dialect.name
    statement = postgresql_insert if dialect == "postgresql" else sqlite_insert
    for year, last in counters.items():
        await connection.execute(statement(ReferenceCounter).values(year=year, last_number=0)
                                 .on_conflict_do_nothing(index_elements=["year"]))
        await connection.execute(
            update(ReferenceCounter).where(ReferenceCounter.year == year,
                                           ReferenceCounter.last_number < last)
            .values(last_number=last))


__all__ = ["AlreadySeeded", "Seeded", "seed_cases"]
