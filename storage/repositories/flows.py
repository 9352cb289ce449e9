"""Where each user is in a guided flow (referral, joining), so a restart resumes it."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from storage import keys
from storage.models import FlowState

# session.info key: the user the sender's query (people.who_is) found in no flow. Most
# updates are parents' questions and buttons outside any flow: they need not ask again.
NO_FLOW = "flows.none_for"


def known_none(session: AsyncSession, telegram_user_id: int) -> None:
    """This session read that the user is in no flow (until `begin` starts one)."""
    session.info[NO_FLOW] = telegram_user_id


async def get(session: AsyncSession, telegram_user_id: int) -> FlowState | None:
    if session.info.get(NO_FLOW) == telegram_user_id:
        return None
    return await session.get(FlowState, telegram_user_id)


async def begin(session: AsyncSession, telegram_user_id: int, flow: str, step: str,
                data: dict[str, Any] | None = None) -> FlowState:
    """Start a flow, replacing any other; the generation makes old buttons stale."""
    if session.info.get(NO_FLOW) == telegram_user_id:
        del session.info[NO_FLOW]
    state = await session.get(FlowState, telegram_user_id)
    if state is None:
        state = FlowState(telegram_user_id=telegram_user_id, flow=flow, step=step,
                          data=data or {}, generation=1)
        session.add(state)
    else:
        state.flow, state.step, state.data = flow, step, data or {}
        state.generation += 1
    await session.flush()
    return state


async def save(session: AsyncSession, state: FlowState, step: str, data: dict[str, Any]) -> None:
    state.step = step
    state.data = dict(data)  # a new object, so SQLAlchemy sees the JSON change
    await session.flush()


async def end(session: AsyncSession, telegram_user_id: int) -> None:
    state = await session.get(FlowState, telegram_user_id)
    if state is not None:
        await session.delete(state)
        # The answers (a typed phone number, a note) were sealed under the flow's own key.
        await keys.destroy(session, [state.data_key_id])
        await session.flush()
