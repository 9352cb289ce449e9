"""Which Telegram updates were already handled."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ProcessedUpdate


async def claim(session: AsyncSession, update_id: int) -> bool:
    """Record the update id in this transaction; False when it was handled before."""
    if await session.get(ProcessedUpdate, update_id) is not None:
        return False
    session.add(ProcessedUpdate(update_id=update_id))
    await session.flush()
    return True
