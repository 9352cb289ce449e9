"""Partner organisations, their professionals and the invites that let them join."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from storage.models import Invite, Organisation, Partner


async def get_or_create(session: AsyncSession, name: str, kind: str = "other",
                        hands_out_bags: bool = False) -> Organisation:
    """The organisation of this name (any case); a new one gets the kind given."""
    organisation = await session.scalar(
        select(Organisation).where(func.lower(Organisation.name) == name.lower()))
    if organisation is None:
        organisation = Organisation(name=name, kind=kind, hands_out_bags=hands_out_bags)
        session.add(organisation)
        await session.flush()
    return organisation


async def add_invite(session: AsyncSession, *, token_hash: str, organisation_id: int,
                     consultant_id: int | None, expires_at: datetime, max_uses: int) -> Invite:
    invite = Invite(token_hash=token_hash, organisation_id=organisation_id,
                    created_by_consultant_id=consultant_id, expires_at=expires_at,
                    max_uses=max_uses, uses=0)
    session.add(invite)
    await session.flush()
    return invite


async def invite_by_hash(session: AsyncSession, token_hash: str) -> Invite | None:
    return await session.scalar(
        select(Invite).options(selectinload(Invite.organisation))
        .where(Invite.token_hash == token_hash))


async def invite_by_id(session: AsyncSession, invite_id: int, *, for_update: bool = False
                       ) -> Invite | None:
    query = select(Invite).options(selectinload(Invite.organisation)).where(Invite.id == invite_id)
    if for_update:
        query = query.with_for_update()
    return await session.scalar(query)


async def add_partner(session: AsyncSession, *, telegram_user_id: int, name: str,
                      organisation_id: int, invite_id: int | None, language: str | None
                      ) -> Partner:
    """A new partner row. Someone removed before who rejoins gets a new row too: the old one
    keeps its revoked time and its referrals, which the new one does not see."""
    partner = Partner(telegram_user_id=telegram_user_id, name=name,
                      organisation_id=organisation_id, invite_id=invite_id, language=language)
    session.add(partner)
    await session.flush()
    return partner


async def active_partners(session: AsyncSession) -> list[Partner]:
    rows = await session.scalars(
        select(Partner).options(selectinload(Partner.organisation))
        .where(Partner.revoked_at.is_(None)).order_by(Partner.organisation_id, Partner.name))
    return list(rows)


async def partner_by_id(session: AsyncSession, partner_id: int) -> Partner | None:
    return await session.scalar(
        select(Partner).options(selectinload(Partner.organisation))
        .where(Partner.id == partner_id))


def _open(now: datetime) -> tuple[ColumnElement[bool], ...]:
    """An invite that still works: not withdrawn, not expired, not used up."""
    return (Invite.revoked_at.is_(None), Invite.expires_at > now, Invite.uses < Invite.max_uses)


async def open_invites(session: AsyncSession, now: datetime) -> list[Invite]:
    """Invites someone could still join with, the soonest to expire first."""
    rows = await session.scalars(
        select(Invite).options(selectinload(Invite.organisation)).where(*_open(now))
        .order_by(Invite.expires_at, Invite.id))
    return list(rows)


async def revoke_open_invites(session: AsyncSession, invite_ids: list[int], now: datetime
                              ) -> int:
    """Withdraw those of these invites that still work; returns how many."""
    if not invite_ids:
        return 0
    result = cast("CursorResult[Any]", await session.execute(
        update(Invite).where(Invite.id.in_(invite_ids), *_open(now)).values(revoked_at=now)
        .execution_options(synchronize_session=False)))
    return result.rowcount


async def invite_ids_joined_by(session: AsyncSession, telegram_user_id: int) -> list[int]:
    """The invites this Telegram user ever joined with (as any of their partner rows)."""
    rows = await session.scalars(
        select(Partner.invite_id).where(Partner.telegram_user_id == telegram_user_id,
                                        Partner.invite_id.is_not(None)))
    return [invite_id for invite_id in rows if invite_id is not None]
