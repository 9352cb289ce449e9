"""Machine translations (found by the hash of their languages and original text), and the
names the bot knows around a case, which are masked before any text leaves for translation."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Case, Consultant, Parent, Partner, Translation


async def found(session: AsyncSession, keys: Iterable[str]) -> dict[str, str]:
    """The stored translations among these keys (key -> translation)."""
    wanted = sorted(set(keys))
    if not wanted:
        return {}
    rows = await session.scalars(select(Translation).where(Translation.key.in_(wanted)))
    return {row.key: row.text for row in rows}


async def add(session: AsyncSession, *, key: str, source: str, target: str,
              case_id: int | None, text: str) -> bool:
    """Keep a translation; False when one with this key is there already. (Two processes at
    once: the second insert fails on the unique key; the caller lets it.)"""
    if await session.scalar(select(Translation.id).where(Translation.key == key)) is not None:
        return False
    session.add(Translation(key=key, source=source, target=target, case_id=case_id,
                            text=text))
    await session.flush()
    return True


async def delete_for_cases(session: AsyncSession, case_ids: Iterable[int]) -> None:
    ids = sorted(set(case_ids))
    if ids:
        await session.execute(delete(Translation).where(Translation.case_id.in_(ids)))


async def known_names(session: AsyncSession, case_id: int | None) -> list[str]:
    """Every name the bot keeps that a text about this case could hold: the consultants',
    the referring professional's and the parent's (when one is kept)."""
    names = list(await session.scalars(select(Consultant.name).where(
        Consultant.active.is_(True))))
    case = await session.get(Case, case_id) if case_id is not None else None
    if case is not None and case.partner_id is not None:
        partner = await session.get(Partner, case.partner_id)
        if partner is not None:
            names.append(partner.name)
    if case is not None and case.parent_id is not None:
        parent = await session.get(Parent, case.parent_id)
        if parent is not None and parent.name:
            names.append(parent.name)
    return names


async def case_is_open_to_keep(session: AsyncSession, case_id: int | None) -> bool:
    """Whether a translation about this case may still be kept (not anonymised or erased
    meanwhile: its words must not come back)."""
    if case_id is None:
        return True
    case = await session.get(Case, case_id)
    return case is not None and case.anonymised_at is None
