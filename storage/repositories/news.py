"""News for partner professionals, who stopped it, and the contact with each organisation
(referrals, news opened by a button press, the consultant's notes)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from storage.models import (
    Case,
    NewsDelivery,
    NewsItem,
    NewsStop,
    Organisation,
    OrganisationNote,
    OutboxMessage,
    Partner,
    utcnow,
)


# ---- news ------------------------------------------------------------------------------------
async def add_item(session: AsyncSession, *, consultant_id: int | None, kind: str,
                   text: str | None, file_id: str | None, audience: str) -> NewsItem:
    item = NewsItem(consultant_id=consultant_id, kind=kind, text=text, file_id=file_id,
                    audience=audience)
    session.add(item)
    await session.flush()
    return item


async def audience(session: AsyncSession, kind: str | None) -> list[Partner]:
    """Active partners who did not stop the news, of organisations of this kind (None:
    all), in a fixed order."""
    query = (select(Partner).join(Organisation, Organisation.id == Partner.organisation_id)
             .where(Partner.revoked_at.is_(None),
                    Partner.id.not_in(select(NewsStop.partner_id)))
             .order_by(Partner.id))
    if kind is not None:
        query = query.where(Organisation.kind == kind)
    return list(await session.scalars(query))


async def add_delivery(session: AsyncSession, news_id: int, partner_id: int) -> NewsDelivery:
    delivery = NewsDelivery(news_id=news_id, partner_id=partner_id)
    session.add(delivery)
    await session.flush()
    return delivery


async def delivery(session: AsyncSession, news_id: int, partner_id: int
                   ) -> NewsDelivery | None:
    return await session.scalar(select(NewsDelivery).where(
        NewsDelivery.news_id == news_id, NewsDelivery.partner_id == partner_id))


async def undelivered(session: AsyncSession, partner_id: int) -> list[NewsDelivery]:
    return list(await session.scalars(select(NewsDelivery).where(
        NewsDelivery.partner_id == partner_id, NewsDelivery.delivered_at.is_(None))))


async def withdraw_copies(session: AsyncSession, dedupe_keys: list[str]) -> int:
    """Delete these news copies while they are pending, also one a relay is trying right now
    (unlike the outbox's own withdraw): that attempt then records nothing, so a copy failing
    and retried is never sent again. How many went."""
    if not dedupe_keys:
        return 0
    result = cast("CursorResult[Any]", await session.execute(
        delete(OutboxMessage).where(OutboxMessage.dedupe_key.in_(dedupe_keys),
                                    OutboxMessage.status == "pending")))
    return result.rowcount


async def recent_items(session: AsyncSession, limit: int = 5) -> list[NewsItem]:
    return list(await session.scalars(
        select(NewsItem).order_by(NewsItem.id.desc()).limit(limit)))


async def counts(session: AsyncSession, news_ids: list[int]) -> dict[int, tuple[int, int, int]]:
    """Per news item: (queued for, received, opened)."""
    if not news_ids:
        return {}
    rows = await session.execute(
        select(NewsDelivery.news_id, func.count(),
               func.count(NewsDelivery.delivered_at), func.count(NewsDelivery.opened_at))
        .where(NewsDelivery.news_id.in_(news_ids)).group_by(NewsDelivery.news_id))
    return {news_id: (queued, received, opened) for news_id, queued, received, opened in rows}


async def is_stopped(session: AsyncSession, partner_id: int) -> bool:
    return await session.get(NewsStop, partner_id) is not None


async def stop(session: AsyncSession, partner_id: int) -> bool:
    """Stop the news for a partner; False when it was stopped already."""
    if await is_stopped(session, partner_id):
        return False
    session.add(NewsStop(partner_id=partner_id))
    await session.flush()
    return True


async def resume(session: AsyncSession, partner_id: int) -> bool:
    """The news again for a partner; False when it was not stopped."""
    row = await session.get(NewsStop, partner_id)
    if row is None:
        return False
    await session.delete(row)
    await session.flush()
    return True


async def stopped_count(session: AsyncSession) -> int:
    return await session.scalar(
        select(func.count()).select_from(NewsStop).join(Partner, Partner.id == NewsStop.partner_id)
        .where(Partner.revoked_at.is_(None))) or 0


# ---- organisations and the contact with them -----------------------------------------------
async def organisations(session: AsyncSession) -> list[Organisation]:
    return list(await session.scalars(
        select(Organisation).options(selectinload(Organisation.partners))
        .order_by(Organisation.name)))


async def organisation(session: AsyncSession, organisation_id: int) -> Organisation | None:
    return await session.get(Organisation, organisation_id)


async def add_note(session: AsyncSession, organisation_id: int, consultant_id: int | None,
                   text: str) -> OrganisationNote:
    note = OrganisationNote(organisation_id=organisation_id, consultant_id=consultant_id,
                            text=text)
    session.add(note)
    await session.flush()
    return note


async def referrals_since(session: AsyncSession, since: datetime) -> dict[int, int]:
    """Referrals by partners per organisation since then."""
    rows = await session.execute(
        select(Case.organisation_id, func.count())
        .where(Case.source == "partner", Case.organisation_id.is_not(None),
               Case.created_at >= since).group_by(Case.organisation_id))
    return {organisation_id: count for organisation_id, count in rows
            if organisation_id is not None}


async def last_contacts(session: AsyncSession) -> dict[int, datetime]:
    """Per organisation the last contact: a referral by one of its partners, a news item
    one of them opened with its button, or a note the consultant added."""
    found: dict[int, datetime] = {}
    queries = (
        select(Case.organisation_id, func.max(Case.created_at))
        .where(Case.source == "partner", Case.organisation_id.is_not(None))
        .group_by(Case.organisation_id),
        select(Partner.organisation_id, func.max(NewsDelivery.opened_at))
        .join(NewsDelivery, NewsDelivery.partner_id == Partner.id)
        .where(NewsDelivery.opened_at.is_not(None)).group_by(Partner.organisation_id),
        select(OrganisationNote.organisation_id, func.max(OrganisationNote.created_at))
        .group_by(OrganisationNote.organisation_id),
    )
    for query in queries:
        for organisation_id, latest in await session.execute(query):
            moment = _aware(latest)
            if organisation_id is None or moment is None:
                continue
            if organisation_id not in found or moment > found[organisation_id]:
                found[organisation_id] = moment
    return found


def _aware(moment: object) -> datetime | None:
    """A maximum time stamp, with its zone (SQLite may give it back as naive or as text)."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if not isinstance(moment, datetime):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=utcnow().tzinfo)
    return moment
