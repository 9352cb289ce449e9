"""The outbox: messages for others, written in the sender's transaction, sent by the relay."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, and_, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import OutboxMessage, utcnow


async def add(session: AsyncSession, *, chat_id: int, payload: dict[str, Any],
              dedupe_key: str, method: str = "sendMessage", case_id: int | None = None,
              not_before: datetime | None = None) -> OutboxMessage | None:
    """Queue a message once: a second call with the same dedupe key queues nothing.
    `not_before`: not sent before then (and the chat's later messages wait for it)."""
    existing = await session.scalar(
        select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key))
    if existing is not None:
        return None
    row = OutboxMessage(chat_id=chat_id, method=method, payload=payload,
                        dedupe_key=dedupe_key, case_id=case_id,
                        next_attempt_at=not_before or utcnow())
    session.add(row)
    await session.flush()
    return row


async def withdraw(session: AsyncSession, dedupe_keys: list[str]) -> int:
    """Delete the messages with these keys that are still pending (not yet sent) and that no
    relay is sending at this moment (claimed: that one arrives and is recorded as sent, as
    it would be had it been a moment earlier); how many."""
    now = utcnow()
    result = cast("CursorResult[Any]", await session.execute(
        delete(OutboxMessage).where(
            OutboxMessage.dedupe_key.in_(dedupe_keys), OutboxMessage.status == "pending",
            or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now))))
    return result.rowcount


async def due(session: AsyncSession, limit: int = 100) -> list[OutboxMessage]:
    """Pending messages in the order they were queued (the relay keeps per-chat order)."""
    rows = await session.scalars(
        select(OutboxMessage).where(OutboxMessage.status == "pending")
        .order_by(OutboxMessage.id).limit(limit))
    return list(rows)


async def claim(session: AsyncSession, row_id: int, seconds: float) -> bool:
    """Take a pending row for one send; False when another relay (process) has it."""
    now = utcnow()
    # An UPDATE without RETURNING gives a CursorResult (with `rowcount`); `execute` is only
    # typed to return the general Result.
    result = cast("CursorResult[Any]", await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == row_id, OutboxMessage.status == "pending",
               or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now))
        .values(claimed_until=now + timedelta(seconds=seconds))
        .execution_options(synchronize_session=False)))
    return result.rowcount == 1


def mark_sent(row: OutboxMessage) -> None:
    row.status = "sent"
    row.sent_at = utcnow()
    row.attempts += 1
    row.last_error = None


def mark_retry(row: OutboxMessage, delay_seconds: float, error: str) -> None:
    row.claimed_until = None
    row.attempts += 1
    row.next_attempt_at = utcnow() + timedelta(seconds=delay_seconds)
    row.last_error = error[:200]


def mark_dead(row: OutboxMessage, error: str) -> None:
    row.status = "dead"
    row.attempts += 1
    row.last_error = error[:200]


async def count_by_status(session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status))
    return {status: count for status, count in rows}


async def prune(session: AsyncSession, *, sent_before: datetime, dead_before: datetime) -> int:
    """Delete messages sent before `sent_before` and dead letters queued before
    `dead_before` (their text can hold personal data); pending ones stay. Returns how many."""
    result = cast("CursorResult[Any]", await session.execute(
        delete(OutboxMessage).where(or_(
            and_(OutboxMessage.status == "sent", OutboxMessage.sent_at < sent_before),
            and_(OutboxMessage.status == "dead", OutboxMessage.created_at < dead_before)))))
    return result.rowcount
