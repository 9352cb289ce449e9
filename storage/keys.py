"""Whose data key seals what, sealing on flush, and destroying keys (crypto-shredding).

- a parent's name and phone: the parent's key;
- a case's phone, note, free-text need, other language and typed place: the case's key;
- a parent's message: its case's key once it belongs to a case, else the parent's;
- a case event's detail with typed text (a note): the case's key;
- an outbox message: its case's key, else the recipient parent's, else a key of its own;
- a machine translation: its case's key, else a key of its own;
- a flow's answers (a referral in progress): a key of the flow's own, destroyed at its end.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, event, select, union, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from storage import crypto
from storage.models import (
    Case,
    CaseEvent,
    DataKey,
    FlowState,
    OutboxMessage,
    Parent,
    ParentMessage,
    Translation,
)
from storage.sealed import PENDING_ATTR, Sealed, forget_plain, sealed_fields

OWN_KEY = (Parent, Case, FlowState)
KEYED = (Parent, Case, FlowState, ParentMessage, CaseEvent, OutboxMessage, Translation)
ON_CASE = (ParentMessage, CaseEvent, OutboxMessage, Translation)
_FIELDS: dict[type, list[Sealed[Any]]] = {cls: sealed_fields(cls) for cls in KEYED}


def _new_key(session: Session) -> DataKey:
    _raw, wrapped = crypto.new_data_key()
    key = DataKey(id=crypto.new_key_id(), wrapped=wrapped)
    session.add(key)
    return key


def _own_key(session: Session, owner: Parent | Case | FlowState) -> DataKey:
    """The owner's data key, made now if it has none (or its key was destroyed)."""
    key = owner.data_key
    if key is None:
        key = _new_key(session)
        owner.data_key = key
    return key


def _key_for(session: Session, obj: object) -> DataKey:
    if isinstance(obj, OWN_KEY):
        return _own_key(session, obj)
    with session.no_autoflush:
        if isinstance(obj, ON_CASE) and obj.case_id is not None:
            case = session.get(Case, obj.case_id)
            if case is not None:
                return _own_key(session, case)
        if isinstance(obj, ParentMessage):
            parent = session.get(Parent, obj.parent_id)
            assert parent is not None
            return _own_key(session, parent)
        if isinstance(obj, OutboxMessage):
            parent = session.scalar(select(Parent).where(Parent.telegram_user_id == obj.chat_id))
            if parent is not None:
                return _own_key(session, parent)
    assert isinstance(obj, (CaseEvent, OutboxMessage, Translation))
    return obj.data_key or _new_key(session)


def _seal(session: Session, obj: Any) -> None:
    fields = _FIELDS[type(obj)]
    # A question that became part of a case moves under the case's key.
    if (isinstance(obj, ParentMessage) and obj.data_key_id is not None
            and _key_for(session, obj).id != obj.data_key_id):
        for field in fields:
            setattr(obj, field.name, getattr(obj, field.name))
    pending: set[str] = obj.__dict__.get(PENDING_ATTR) or set()
    if not pending:
        return
    todo = [f for f in fields if f.name in pending]
    key: DataKey | None = None
    if any(f.needs_key(obj) for f in todo):
        key = _key_for(session, obj)
        if obj.data_key is not key:
            obj.data_key = key
    raw = crypto.unwrap(key.wrapped) if key is not None else None
    for field in todo:
        field.seal(obj, raw)
    obj.__dict__.pop(PENDING_ATTR, None)


@event.listens_for(Session, "before_flush")
def _seal_before_flush(session: Session, _context: Any, _instances: Any) -> None:
    for obj in [*session.new, *session.dirty]:
        if isinstance(obj, KEYED) and (obj.__dict__.get(PENDING_ATTR)
                                       or isinstance(obj, ParentMessage)):
            _seal(session, obj)


def _forget(target: object, *_args: Any) -> None:
    forget_plain(target)


for _cls in KEYED:
    event.listen(_cls, "expire", _forget)
    event.listen(_cls, "refresh", _forget)


async def destroy(session: AsyncSession, key_ids: Iterable[str | None]) -> int:
    """Delete these data keys: what was sealed under them is unreadable from now on."""
    ids = sorted({k for k in key_ids if k is not None})
    if not ids:
        return 0
    await session.execute(delete(DataKey).where(DataKey.id.in_(ids)))
    return len(ids)


async def destroy_unused(session: AsyncSession) -> int:
    """Delete data keys no row refers to any more (a deleted flow, a pruned message)."""
    used = union(*[select(cls.data_key_id).where(cls.data_key_id.is_not(None))
                   for cls in KEYED])
    keys = list(await session.scalars(select(DataKey.id).where(DataKey.id.not_in(used))))
    return await destroy(session, keys)


async def rewrap_all(session: AsyncSession) -> int:
    """Wrap every data key with the current (first) master key; returns how many."""
    rows = list(await session.execute(select(DataKey.id, DataKey.wrapped)))
    for key_id, wrapped in rows:
        await session.execute(update(DataKey).where(DataKey.id == key_id)
                              .values(wrapped=crypto.rewrap(wrapped)))
    return len(rows)

