"""Which Telegram updates were already handled."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, delete
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ProcessedUpdate


async def claim(session: AsyncSession, update_id: int) -> bool:
    """Record the update id in this transaction; False when it was handled before."""
    if await session.get(ProcessedUpdate, update_id) is not None:
        return False
    session.add(ProcessedUpdate(update_id=update_id))
    await session.flush()
    return True


async def forget_before(session: AsyncSession, before: datetime) -> int:
    """Drop the ids of updates handled before `before` (Telegram redelivers an update for a
    day at most); returns how many."""
    result = cast("CursorResult[Any]", await session.execute(
        delete(ProcessedUpdate).where(ProcessedUpdate.processed_at < before)))
    return result.rowcount
