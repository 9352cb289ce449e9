"""Case cards shown in staff chats, kept (ids only) so they can be redacted later."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ShownCase


async def add(session: AsyncSession, *, chat_id: int, message_id: int, case_id: int,
              reference: str) -> None:
    session.add(ShownCase(chat_id=chat_id, message_id=message_id, case_id=case_id,
                          reference=reference))
    await session.flush()


async def find(session: AsyncSession, chat_id: int, message_id: int, case_id: int
               ) -> ShownCase | None:
    row: ShownCase | None = await session.scalar(
        select(ShownCase).where(ShownCase.chat_id == chat_id, ShownCase.message_id == message_id,
                                ShownCase.case_id == case_id).limit(1))
    return row


async def ensure(session: AsyncSession, *, chat_id: int, message_id: int, case_id: int,
                 reference: str, now: datetime) -> None:
    """Remember a message as showing the case, once; a card shown again after it was hidden
    is to be hidden again later."""
    row = await find(session, chat_id, message_id, case_id)
    if row is None:
        await add(session, chat_id=chat_id, message_id=message_id, case_id=case_id,
                  reference=reference)
    elif row.redacted_at is not None:
        row.redacted_at, row.shown_at = None, now
        await session.flush()


async def shown_before(session: AsyncSession, moment: datetime, limit: int = 500
                       ) -> list[ShownCase]:
    """Cards not yet redacted that were shown before this moment, oldest first."""
    rows = await session.scalars(
        select(ShownCase).where(ShownCase.redacted_at.is_(None), ShownCase.shown_at < moment)
        .order_by(ShownCase.id).limit(limit))
    return list(rows)


async def of_cases(session: AsyncSession, case_ids: Iterable[int]) -> list[ShownCase]:
    """Cards of these cases not yet redacted."""
    wanted = list(case_ids)
    if not wanted:
        return []
    rows = await session.scalars(
        select(ShownCase).where(ShownCase.redacted_at.is_(None),
                                ShownCase.case_id.in_(wanted)).order_by(ShownCase.id))
    return list(rows)
