"""The consultant's presence hours: weekly sessions and their cancelled dates."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Case, Organisation, Partner, PresenceCancellation, PresenceSession


async def active(session: AsyncSession, consultant_id: int | None = None
                 ) -> list[PresenceSession]:
    """The sessions not removed (of one consultant, or everyone's), by weekday and time."""
    query = select(PresenceSession).where(PresenceSession.removed_at.is_(None))
    if consultant_id is not None:
        query = query.where(PresenceSession.consultant_id == consultant_id)
    query = query.order_by(PresenceSession.weekday, PresenceSession.starts, PresenceSession.id)
    return list((await session.scalars(query)).all())


async def by_id(session: AsyncSession, session_id: int) -> PresenceSession | None:
    return await session.get(PresenceSession, session_id)


async def add(session: AsyncSession, row: PresenceSession) -> PresenceSession:
    session.add(row)
    await session.flush()
    return row


async def remove(session: AsyncSession, row: PresenceSession, now: datetime) -> None:
    row.removed_at = now
    await session.flush()


async def cancelled_days(session: AsyncSession, session_ids: list[int], since: date
                         ) -> set[tuple[int, date]]:
    """(session id, day) for each cancelled date from `since` on."""
    if not session_ids:
        return set()
    rows = await session.execute(
        select(PresenceCancellation.session_id, PresenceCancellation.day)
        .where(PresenceCancellation.session_id.in_(session_ids),
               PresenceCancellation.day >= since))
    return {(row.session_id, row.day) for row in rows}


async def cancellation(session: AsyncSession, session_id: int, day: date
                       ) -> PresenceCancellation | None:
    return await session.scalar(select(PresenceCancellation).where(
        PresenceCancellation.session_id == session_id, PresenceCancellation.day == day))


async def cancel(session: AsyncSession, session_id: int, day: date, reason: str
                 ) -> PresenceCancellation:
    row = PresenceCancellation(session_id=session_id, day=day, reason=reason)
    session.add(row)
    await session.flush()
    return row


async def partners_to_tell(session: AsyncSession, kinds: tuple[str, ...], village: str
                           ) -> list[Partner]:
    """Active partners of an organisation of these kinds, and active partners who referred a
    family from this village; each once."""
    referred = select(Case.partner_id).where(Case.village_known == village,
                                             Case.partner_id.is_not(None))
    query = (select(Partner).join(Organisation, Partner.organisation_id == Organisation.id)
             .where(Partner.revoked_at.is_(None),
                    Organisation.kind.in_(kinds) | Partner.id.in_(referred))
             .order_by(Partner.id))
    return list((await session.scalars(query)).all())

