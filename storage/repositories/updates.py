"""Which Telegram updates were already handled."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, delete
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ProcessedUpdate, utcnow


async def claim(session: AsyncSession, update_id: int) -> bool:
    """Record the update id in this transaction, in one statement; False when it was handled
    before (on PostgreSQL a concurrent claim of the same id waits for the other to end)."""
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    result = cast("CursorResult[Any]", await session.execute(
        insert(ProcessedUpdate).values(update_id=update_id, processed_at=utcnow())
        .on_conflict_do_nothing(index_elements=["update_id"])))
    return result.rowcount == 1


async def forget_before(session: AsyncSession, before: datetime) -> int:
    """Drop the ids of updates handled before `before` (Telegram redelivers an update for a
    day at most); returns how many."""
    result = cast("CursorResult[Any]", await session.execute(
        delete(ProcessedUpdate).where(ProcessedUpdate.processed_at < before)))
    return result.rowcount
