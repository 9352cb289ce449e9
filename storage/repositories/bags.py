"""BoekStart bags: hand-outs, deliveries and the stock they leave per organisation."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import BagDelivery, BagHandout, Organisation, Parent


async def add_handout(session: AsyncSession, handout: BagHandout) -> BagHandout:
    session.add(handout)
    await session.flush()
    return handout


async def add_delivery(session: AsyncSession, organisation_id: int, count: int,
                       consultant_id: int | None, now: datetime) -> BagDelivery:
    delivery = BagDelivery(organisation_id=organisation_id, count=count,
                           consultant_id=consultant_id, created_at=now)
    session.add(delivery)
    await session.flush()
    return delivery


async def stock(session: AsyncSession, organisation_id: int) -> int:
    """Bags delivered to the organisation less the bags its professionals handed out."""
    delivered = await session.scalar(select(func.coalesce(func.sum(BagDelivery.count), 0))
                                     .where(BagDelivery.organisation_id == organisation_id))
    handed = await session.scalar(select(func.count()).select_from(BagHandout)
                                  .where(BagHandout.organisation_id == organisation_id))
    return int(delivered or 0) - int(handed or 0)


async def handed_out_since(session: AsyncSession, since: datetime) -> dict[int, int]:
    """Per organisation id, the bags its professionals handed out since `since`."""
    rows = await session.execute(
        select(BagHandout.organisation_id, func.count()).where(BagHandout.created_at >= since)
        .group_by(BagHandout.organisation_id))
    return {organisation_id: count for organisation_id, count in rows.tuples()}


async def organisations_with_stock(session: AsyncSession
                                   ) -> list[tuple[Organisation, int]]:
    """Every organisation, by name, with its stock."""
    delivered: dict[int, int] = dict((await session.execute(
        select(BagDelivery.organisation_id, func.sum(BagDelivery.count))
        .group_by(BagDelivery.organisation_id))).all())
    handed: dict[int, int] = dict((await session.execute(
        select(BagHandout.organisation_id, func.count())
        .group_by(BagHandout.organisation_id))).all())
    organisations = await session.scalars(select(Organisation).order_by(Organisation.name))
    return [(o, int(delivered.get(o.id) or 0) - int(handed.get(o.id) or 0))
            for o in organisations]


async def organisation(session: AsyncSession, organisation_id: int) -> Organisation | None:
    return await session.get(Organisation, organisation_id)


async def all_organisations(session: AsyncSession) -> list[Organisation]:
    return list(await session.scalars(select(Organisation).order_by(Organisation.name)))


async def latest_by_partner(session: AsyncSession, partner_id: int) -> BagHandout | None:
    return await session.scalar(select(BagHandout).where(BagHandout.partner_id == partner_id)
                                .order_by(BagHandout.created_at.desc(), BagHandout.id.desc())
                                .limit(1))


async def by_id(session: AsyncSession, handout_id: int) -> BagHandout | None:
    return await session.get(BagHandout, handout_id)


async def by_token_hash(session: AsyncSession, token_hash: str) -> BagHandout | None:
    return await session.scalar(select(BagHandout).where(BagHandout.token_hash == token_hash))


async def awaiting_tips(session: AsyncSession) -> list[tuple[BagHandout, Parent]]:
    """Opened links whose parent (still reachable) has a tip to come."""
    rows = await session.execute(
        select(BagHandout, Parent).join(Parent, Parent.id == BagHandout.parent_id)
        .where(BagHandout.fifteen_months_sent_at.is_(None),
               Parent.telegram_user_id.is_not(None))
        .order_by(BagHandout.id))
    return [(handout, parent) for handout, parent in rows.all()]


async def in_period(session: AsyncSession, start: datetime, end: datetime
                    ) -> list[tuple[BagHandout, str]]:
    """The hand-outs of a period, oldest first, each with its organisation's name."""
    rows = await session.execute(
        select(BagHandout, Organisation.name)
        .join(Organisation, Organisation.id == BagHandout.organisation_id)
        .where(BagHandout.created_at >= start, BagHandout.created_at < end)
        .order_by(BagHandout.created_at, BagHandout.id))
    return [(handout, name) for handout, name in rows.all()]


async def forget_parent(session: AsyncSession, parent_id: int) -> None:
    """An erased parent gets no more tips: their hand-outs forget them."""
    for handout in await session.scalars(select(BagHandout)
                                         .where(BagHandout.parent_id == parent_id)):
        handout.parent_id = None
    await session.flush()
