"""The audit log: rows are added, never changed or removed (the database refuses both)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditEntry


async def add(session: AsyncSession, actor_role: str, actor_id: int | None, action: str,
              case_id: int | None = None, detail: dict[str, Any] | None = None) -> AuditEntry:
    entry = AuditEntry(actor_role=actor_role, actor_id=actor_id, action=action,
                       case_id=case_id, detail=detail or {})
    session.add(entry)
    await session.flush()
    return entry


async def entries(session: AsyncSession, case_id: int | None = None) -> list[AuditEntry]:
    query = select(AuditEntry).order_by(AuditEntry.id)
    if case_id is not None:
        query = query.where(AuditEntry.case_id == case_id)
    return list(await session.scalars(query))
