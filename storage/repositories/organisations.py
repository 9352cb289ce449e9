"""Partner organisations, their professionals and the invites that let them join."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from storage.models import Invite, Organisation, Partner


async def get_or_create(session: AsyncSession, name: str) -> Organisation:
    organisation = await session.scalar(
        select(Organisation).where(func.lower(Organisation.name) == name.lower()))
    if organisation is None:
        organisation = Organisation(name=name)
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
    partner = await session.scalar(select(Partner).where(Partner.telegram_user_id ==
                                                         telegram_user_id))
    if partner is None:
        partner = Partner(telegram_user_id=telegram_user_id, name=name,
                          organisation_id=organisation_id, invite_id=invite_id,
                          language=language)
        session.add(partner)
    else:  # a revoked partner rejoining with a new invite
        partner.name, partner.organisation_id, partner.invite_id = name, organisation_id, invite_id
        partner.revoked_at = None
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
