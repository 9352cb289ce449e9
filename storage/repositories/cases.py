"""Cases, their needs, their audit trail and their human references."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    Row,
    Select,
    String,
    cast,
    delete,
    func,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import selectinload
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from storage.models import (
    Case,
    CaseEvent,
    CaseNeed,
    DataKey,
    Organisation,
    ParentMessage,
    ReferenceCounter,
    RetiredFamilyToken,
)
from storage.repositories import audit as audit_repo

# What of an event's detail the audit log repeats: codes and ids, never a note's text.
AUDITED_DETAIL = frozenset({"outcome", "consent", "contact_method", "source", "message_id",
                            "method", "kind", "helped", "prepared", "outbox_id", "to",
                            "translated"})


async def next_reference(session: AsyncSession, year: int) -> str:
    """`2026-0042`: a per-year counter, safe when many write at once (and on a new year's
    first case, when two would otherwise both create the counter)."""
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    await session.execute(insert(ReferenceCounter).values(year=year, last_number=0)
                          .on_conflict_do_nothing(index_elements=["year"]))
    number = await session.scalar(
        update(ReferenceCounter).where(ReferenceCounter.year == year)
        .values(last_number=ReferenceCounter.last_number + 1)
        .returning(ReferenceCounter.last_number))
    return f"{year}-{number:04d}"


async def add(session: AsyncSession, case: Case) -> Case:
    session.add(case)
    await session.flush()
    return case


async def add_event(session: AsyncSession, case_id: int, kind: str, actor_kind: str,
                    actor_id: int | None, detail: dict[str, Any] | None = None) -> CaseEvent:
    event = CaseEvent(case_id=case_id, kind=kind, actor_kind=actor_kind, actor_id=actor_id,
                      detail=detail or {})
    session.add(event)
    await session.flush()
    # Every event on a case is a change (or, "viewed", a read): the audit log has it too,
    # without personal data; a parent is recorded by role only, so an anonymised case
    # cannot be linked back to them through the log.
    await audit_repo.add(
        session, actor_kind, None if actor_kind == "parent" else actor_id, f"case.{kind}",
        case_id, {"event_id": event.id,
                  **{k: v for k, v in event.detail.items() if k in AUDITED_DETAIL}})
    return event


async def by_id(session: AsyncSession, case_id: int) -> Case | None:
    return await session.scalar(
        select(Case).options(selectinload(Case.organisation)).where(Case.id == case_id))


async def by_family_token_hash(session: AsyncSession, token_hash: str) -> Case | None:
    return await session.scalar(select(Case).where(Case.family_token_hash == token_hash))


async def replace_family_token_hash(session: AsyncSession, case: Case, new_hash: str) -> None:
    """The case's family link becomes `new_hash`; the one it had is kept as retired."""
    if case.family_token_hash is not None:
        session.add(RetiredFamilyToken(token_hash=case.family_token_hash, case_id=case.id))
    case.family_token_hash = new_hash
    await session.flush()


async def by_retired_family_token_hash(session: AsyncSession, token_hash: str) -> Case | None:
    """The case whose family link this was, before a newer one replaced it."""
    return await session.scalar(
        select(Case).join(RetiredFamilyToken, RetiredFamilyToken.case_id == Case.id)
        .where(RetiredFamilyToken.token_hash == token_hash))


async def forget_retired_family_tokens(session: AsyncSession, case_ids: list[int]) -> None:
    await session.execute(
        delete(RetiredFamilyToken).where(RetiredFamilyToken.case_id.in_(case_ids)))


async def by_partner(session: AsyncSession, partner_id: int, limit: int = 20) -> list[Case]:
    rows = await session.scalars(
        select(Case).where(Case.partner_id == partner_id)
        .order_by(Case.created_at.desc(), Case.id.desc()).limit(limit))
    return list(rows)


async def events(session: AsyncSession, case_id: int) -> list[CaseEvent]:
    rows = await session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id))
    return list(rows)


async def by_reference(session: AsyncSession, reference: str) -> Case | None:
    return await session.scalar(
        select(Case).options(selectinload(Case.organisation))
        .where(Case.reference == reference.strip()))


async def messages(session: AsyncSession, case_id: int) -> list[ParentMessage]:
    rows = await session.scalars(
        select(ParentMessage).where(ParentMessage.case_id == case_id)
        .order_by(ParentMessage.id))
    return list(rows)


@dataclass(frozen=True)
class CaseFilter:
    """What the consultant's inbox shows; None means: any."""

    statuses: frozenset[str] | None = frozenset({"new", "taken", "contacted"})
    village: str | None = None
    need: str | None = None
    organisation_id: int | None = None
    source: str | None = None
    assigned_to: int | None = None
    oldest_first: bool = False  # the family that has waited longest on top


def _conditions(wanted: CaseFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if wanted.statuses is not None:
        conditions.append(Case.status.in_(wanted.statuses))
    if wanted.village is not None:
        conditions.append(Case.village_known == wanted.village)
    if wanted.need is not None:
        # EXISTS, not IN: the open cases (few) are each looked up in case_needs' primary key
        # (case_id, need), instead of every case with the need (a third of all) in the cases.
        conditions.append(select(CaseNeed.case_id).where(CaseNeed.case_id == Case.id,
                                                         CaseNeed.need == wanted.need).exists())
    if wanted.organisation_id is not None:
        conditions.append(Case.organisation_id == wanted.organisation_id)
    if wanted.source is not None:
        conditions.append(Case.source == wanted.source)
    if wanted.assigned_to is not None:
        conditions.append(Case.assigned_consultant_id == wanted.assigned_to)
    return conditions


def page_query(wanted: CaseFilter, limit: int, offset: int) -> Select[Case]:
    """One page of the inbox: each filter has an index with the newest first (0012)."""
    order = ((Case.created_at.asc(), Case.id.asc()) if wanted.oldest_first
             else (Case.created_at.desc(), Case.id.desc()))
    return (select(Case).where(*_conditions(wanted)).options(selectinload(Case.organisation))
            .order_by(*order).limit(limit).offset(offset))


async def search(session: AsyncSession, wanted: CaseFilter, limit: int, offset: int
                 ) -> tuple[list[Case], int]:
    """One page of cases, newest first, and how many there are in all (counted on the same
    index, without a subquery)."""
    total = await session.scalar(select(func.count(Case.id)).where(*_conditions(wanted)))
    rows = await session.scalars(page_query(wanted, limit, offset))
    return list(rows), total or 0


# ---- the figures and the export: columns and counts, never a Case object per case ---------
# Each count comes with the id of the first case that has the value, so the figures can list
# equal counts in the order the cases came in.
Tally = list[tuple[Any, int, int]]


def _between(start: datetime, end: datetime) -> tuple[ColumnElement[bool], ...]:
    return Case.created_at >= start, Case.created_at < end


async def _tally(session: AsyncSession, query: Select[Any, int, int]) -> Tally:
    return [(value, count, first) for value, count, first in await session.execute(query)]


async def count_by(session: AsyncSession, column: Any, start: datetime, end: datetime,
                   *where: ColumnElement[bool]) -> Tally:
    """(value, cases, first case's id) per value of one of the case's own columns."""
    return await _tally(session, select(column, func.count(Case.id), func.min(Case.id))
                        .where(*_between(start, end), *where).group_by(column))


async def count_by_all(session: AsyncSession, columns: tuple[Any, ...], start: datetime,
                       end: datetime) -> list[tuple[Any, ...]]:
    """(the columns' values..., cases, first case's id) per combination of the values: several
    tallies from one read of the period's cases instead of one read each."""
    rows = await session.execute(select(*columns, func.count(Case.id), func.min(Case.id))
                                 .where(*_between(start, end)).group_by(*columns))
    return [tuple(row) for row in rows]


async def count_by_organisation(session: AsyncSession, start: datetime, end: datetime
                                ) -> Tally:
    """Per organisation's name; None: cases a parent brought."""
    return await _tally(session, select(Organisation.name, func.count(Case.id), func.min(Case.id))
                        .outerjoin(Organisation, Organisation.id == Case.organisation_id)
                        .where(*_between(start, end)).group_by(Organisation.name))


async def count_by_need(session: AsyncSession, start: datetime, end: datetime) -> Tally:
    return await _tally(session, select(CaseNeed.need, func.count(), func.min(CaseNeed.case_id))
                        .join(Case, Case.id == CaseNeed.case_id)
                        .where(*_between(start, end)).group_by(CaseNeed.need))


async def typed_villages(session: AsyncSession, start: datetime, end: datetime
                         ) -> list[Row[int, str | None, str | None]]:
    """(id, sealed place, wrapped data key) of the cases without one of the library's
    villages: a place typed instead (few), or none."""
    rows = await session.execute(
        select(Case.id, Case.village_other_sealed, DataKey.wrapped)
        .outerjoin(DataKey, DataKey.id == Case.data_key_id)
        .where(*_between(start, end), Case.village_known.is_(None),
               Case.village_other_sealed.is_not(None)))
    return list(rows)


class epoch_seconds(FunctionElement[float]):
    """A time stamp as seconds since 1970 (UTC), a plain float: reading 50,000 of them is
    several times cheaper than reading 50,000 datetimes (SQLite's text parsed per value)."""

    type = Float()
    inherit_cache = True


@compiles(epoch_seconds, "sqlite")
def _epoch_seconds_sqlite(element: epoch_seconds, compiler: SQLCompiler, **kw: Any) -> str:
    return f"((julianday({compiler.process(element.clauses, **kw)}) - 2440587.5) * 86400.0)"


@compiles(epoch_seconds)
def _epoch_seconds_default(element: epoch_seconds, compiler: SQLCompiler, **kw: Any) -> str:
    return (f"CAST(EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)})"
            " AS DOUBLE PRECISION)")


async def created_and_first_contact(session: AsyncSession, start: datetime, end: datetime
                                    ) -> list[Row[float, float | None, str | None]]:
    """Per case: when it came in and when it was first contacted, as seconds since 1970 (UTC),
    and the kind of organisation that referred it (None: the parent came themselves), in the
    order of their ids (equal counts are listed in the order of their first case). The months
    and working days are counted in the library's time zone, which SQLite does not know, so
    the caller does that from these numbers."""
    # Through the connection: the ORM's result handling would double the time of 50,000 rows.
    connection = await session.connection()
    rows = await connection.execute(
        select(epoch_seconds(Case.created_at), epoch_seconds(Case.first_contact_at),
               Organisation.kind)
        .outerjoin(Organisation, Organisation.id == Case.organisation_id)
        .where(*_between(start, end)).order_by(Case.id))
    return list(rows.all())


EXPORT_CHUNK = 1000  # cases per read: memory stays the same however many there are


async def export_chunks(session: AsyncSession, start: datetime, end: datetime,
                        chunk: int | None = None
                        ) -> AsyncIterator[tuple[list[tuple[Any, ...]], dict[int, list[str]]]]:
    """The export's columns, about `chunk` cases at a time in the order they came in, each
    chunk with its cases' needs in alphabetical order (a case's needs never split over two
    chunks).

    One query, streamed (a server-side cursor): its plan is made once. (Reading a chunk at a
    time after the last id read made PostgreSQL switch to a generic plan of the prepared
    query after five chunks that read the whole period's index each time: 8 of 11 s.)
    Plain values through the connection, the fastest way for 100,000 rows: the time stamps
    as seconds since 1970 (UTC), the children's ages as their JSON text (few distinct ones:
    the caller parses each once), whether the case was anonymised as a flag. The case's id
    comes first."""
    chunk = chunk or EXPORT_CHUNK
    connection = await session.connection()
    result = await connection.stream(
        select(Case.id, Case.reference, epoch_seconds(Case.created_at),
               Case.source, Organisation.name, Case.village_known, Case.village_other_sealed,
               DataKey.wrapped, Case.family_language, cast(Case.child_ages, String),
               Case.contact_method, Case.status, Case.outcome,
               epoch_seconds(Case.first_contact_at), epoch_seconds(Case.closed_at),
               Case.helped, Case.anonymised_at.is_not(None), Case.in_person, CaseNeed.need)
        .outerjoin(Organisation, Organisation.id == Case.organisation_id)
        .outerjoin(DataKey, DataKey.id == Case.data_key_id)
        .outerjoin(CaseNeed, CaseNeed.case_id == Case.id)
        .where(*_between(start, end)).order_by(Case.id, CaseNeed.need))
    rows: list[tuple[Any, ...]] = []
    needs: dict[int, list[str]] = {}
    last = None
    async for partition in result.partitions(chunk):
        for *row, need in partition:
            case_id = row[0]
            if case_id != last:
                if len(rows) >= chunk:
                    yield rows, needs
                    rows, needs = [], {}
                rows.append(tuple(row))
                last = case_id
            if need is not None:
                needs.setdefault(case_id, []).append(need)
    if rows:
        yield rows, needs
