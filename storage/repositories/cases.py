"""Cases, their needs, their audit trail and their human references."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from storage.models import Case, CaseEvent, ReferenceCounter


async def next_reference(session: AsyncSession, year: int) -> str:
    """`2026-0042`: a per-year counter, taken under a row lock where the database has one."""
    counter = await session.scalar(
        select(ReferenceCounter).where(ReferenceCounter.year == year).with_for_update())
    if counter is None:
        counter = ReferenceCounter(year=year, last_number=0)
        session.add(counter)
        await session.flush()
    await session.execute(
        update(ReferenceCounter).where(ReferenceCounter.year == year)
        .values(last_number=ReferenceCounter.last_number + 1))
    await session.refresh(counter)
    return f"{year}-{counter.last_number:04d}"


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
    return event


async def by_id(session: AsyncSession, case_id: int) -> Case | None:
    return await session.scalar(
        select(Case).options(selectinload(Case.organisation)).where(Case.id == case_id))


async def by_family_token_hash(session: AsyncSession, token_hash: str) -> Case | None:
    return await session.scalar(select(Case).where(Case.family_token_hash == token_hash))


async def by_partner(session: AsyncSession, partner_id: int, limit: int = 20) -> list[Case]:
    rows = await session.scalars(
        select(Case).where(Case.partner_id == partner_id)
        .order_by(Case.created_at.desc(), Case.id.desc()).limit(limit))
    return list(rows)


async def events(session: AsyncSession, case_id: int) -> list[CaseEvent]:
    rows = await session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id))
    return list(rows)


async def take(session: AsyncSession, case_id: int, consultant_id: int) -> bool:
    """Assign a new case; exactly one of two simultaneous takers wins (compare-and-set)."""
    result = await session.execute(
        update(Case).where(Case.id == case_id, Case.status == "new",
                           Case.assigned_consultant_id.is_(None))
        .values(status="taken", assigned_consultant_id=consultant_id))
    return result.rowcount == 1
