"""Where a user is in a guided conversation, so a restart resumes it at the same step.

The flows: joining by invite, a referral, and a consultant typing a note or a reply. Each
flow has a generation number that its buttons carry; a new flow makes older buttons stale.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.people import Person
from storage.models import FlowState
from storage.repositories import flows as flows_repo

JOIN = "join"
REFERRAL = "referral"
CASE_NOTE = "case_note"
CASE_REPLY = "case_reply"

__all__ = ["CASE_NOTE", "CASE_REPLY", "JOIN", "REFERRAL", "FlowState", "begin", "current",
           "end", "move"]


async def current(session: AsyncSession, person: Person) -> FlowState | None:
    return await flows_repo.get(session, person.telegram_user_id)


async def begin(session: AsyncSession, person: Person, flow: str, step: str,
                data: dict[str, Any] | None = None) -> FlowState:
    """Start a flow, replacing any other one the person was in."""
    return await flows_repo.begin(session, person.telegram_user_id, flow, step, data)


async def move(session: AsyncSession, state: FlowState, step: str, data: dict[str, Any]) -> None:
    await flows_repo.save(session, state, step, data)


async def end(session: AsyncSession, person: Person) -> None:
    await flows_repo.end(session, person.telegram_user_id)
