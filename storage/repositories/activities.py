"""The library's activities, parents' sign-ups and who wants to hear of new activities."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Activity, ActivitySignup, ActivitySubscriber, Case, Parent


async def add_all(session: AsyncSession, activities: Sequence[Activity]) -> None:
    session.add_all(activities)
    await session.flush()


async def get(session: AsyncSession, activity_id: int) -> Activity | None:
    return await session.get(Activity, activity_id)


async def next_series(session: AsyncSession) -> int:
    return (await session.scalar(select(func.max(Activity.series))) or 0) + 1


async def between(session: AsyncSession, start: datetime, end: datetime,
                  limit: int = 200) -> list[Activity]:
    """Activities that start in [start, end), soonest first."""
    return list(await session.scalars(
        select(Activity).where(Activity.starts_at >= start, Activity.starts_at < end)
        .order_by(Activity.starts_at, Activity.id).limit(limit)))


async def running_or_coming(session: AsyncSession, now: datetime, limit: int = 50
                            ) -> list[Activity]:
    """Activities that have not ended yet and were not called off, soonest first."""
    return list(await session.scalars(
        select(Activity).where(Activity.ends_at > now, Activity.cancelled_at.is_(None))
        .order_by(Activity.starts_at, Activity.id).limit(limit)))


async def overlapping(session: AsyncSession, village: str | None, place: str | None,
                      start: datetime, end: datetime, leaving_out: int | None = None
                      ) -> Activity | None:
    """An activity at the same place whose time overlaps [start, end) (other than the one
    `leaving_out`: a session moved to another time)."""
    return await session.scalar(
        select(Activity).where(
            Activity.village.is_(None) if village is None else Activity.village == village,
            Activity.place.is_(None) if place is None else Activity.place == place,
            Activity.starts_at < end, Activity.ends_at > start,
            Activity.cancelled_at.is_(None), Activity.id != (leaving_out or 0))
        .order_by(Activity.starts_at).limit(1))


async def remind_again(session: AsyncSession, activity_id: int) -> None:
    """The session moved: its booked parents get the day-before reminder again."""
    await session.execute(update(ActivitySignup).where(ActivitySignup.activity_id == activity_id)
                          .values(reminded_at=None))


async def signup(session: AsyncSession, activity_id: int, parent_id: int,
                 lock: bool = False) -> ActivitySignup | None:
    query = select(ActivitySignup).where(ActivitySignup.activity_id == activity_id,
                                         ActivitySignup.parent_id == parent_id)
    return await session.scalar(query.with_for_update() if lock else query)


async def signups_of(session: AsyncSession, parent_id: int) -> list[ActivitySignup]:
    return list(await session.scalars(
        select(ActivitySignup).where(ActivitySignup.parent_id == parent_id,
                                     ActivitySignup.status != "cancelled")))


async def lock_activity(session: AsyncSession, activity_id: int) -> Activity | None:
    """The activity, locked until the transaction ends (PostgreSQL; SQLite writes one at a
    time anyway): two parents taking the last place one after the other."""
    return await session.scalar(select(Activity).where(Activity.id == activity_id)
                                .with_for_update())


async def count(session: AsyncSession, activity_id: int, status: str) -> int:
    return await session.scalar(
        select(func.count()).select_from(ActivitySignup)
        .where(ActivitySignup.activity_id == activity_id, ActivitySignup.status == status)) or 0


async def counts(session: AsyncSession, activity_ids: Sequence[int]
                 ) -> dict[tuple[int, str], tuple[int, int]]:
    """(activity id, status) → (sign-ups, children named) for these activities."""
    if not activity_ids:
        return {}
    rows = await session.execute(
        select(ActivitySignup.activity_id, ActivitySignup.status, func.count(),
               func.coalesce(func.sum(ActivitySignup.children), 0))
        .where(ActivitySignup.activity_id.in_(list(activity_ids)))
        .group_by(ActivitySignup.activity_id, ActivitySignup.status))
    return {(row[0], row[1]): (int(row[2]), int(row[3] or 0)) for row in rows.all()}


async def first_waiting(session: AsyncSession, activity_id: int) -> ActivitySignup | None:
    return await session.scalar(
        select(ActivitySignup).where(ActivitySignup.activity_id == activity_id,
                                     ActivitySignup.status == "waiting")
        .order_by(ActivitySignup.created_at, ActivitySignup.id).limit(1))


async def waiting_position(session: AsyncSession, row: ActivitySignup) -> int:
    return await session.scalar(
        select(func.count()).select_from(ActivitySignup)
        .where(ActivitySignup.activity_id == row.activity_id,
               ActivitySignup.status == "waiting", ActivitySignup.id <= row.id)) or 0


async def due_reminders(session: AsyncSession, start: datetime, end: datetime
                        ) -> list[tuple[ActivitySignup, Activity, Parent]]:
    """Booked places at activities starting in [start, end) whose parent was not reminded."""
    rows = await session.execute(
        select(ActivitySignup, Activity, Parent)
        .join(Activity, Activity.id == ActivitySignup.activity_id)
        .join(Parent, Parent.id == ActivitySignup.parent_id)
        .where(ActivitySignup.status == "booked", ActivitySignup.reminded_at.is_(None),
               Activity.starts_at >= start, Activity.starts_at < end,
               Activity.cancelled_at.is_(None), Parent.telegram_user_id.is_not(None))
        .order_by(Activity.starts_at, ActivitySignup.id))
    return [(row[0], row[1], row[2]) for row in rows.all()]


async def is_subscribed(session: AsyncSession, parent_id: int) -> bool:
    return await session.get(ActivitySubscriber, parent_id) is not None


async def subscribe(session: AsyncSession, parent_id: int, on: bool) -> None:
    found = await session.get(ActivitySubscriber, parent_id)
    if on and found is None:
        session.add(ActivitySubscriber(parent_id=parent_id))
    elif not on and found is not None:
        await session.delete(found)
    await session.flush()


async def subscribers(session: AsyncSession) -> list[Parent]:
    return list(await session.scalars(
        select(Parent).join(ActivitySubscriber, ActivitySubscriber.parent_id == Parent.id)
        .where(Parent.telegram_user_id.is_not(None)).order_by(Parent.id)))


async def unlink_before(session: AsyncSession, before: datetime) -> int:
    """Sign-ups for activities that started before `before` no longer say whose they were;
    returns how many were unlinked. Their status and children stay, for the figures."""
    started = select(Activity.id).where(Activity.starts_at < before)
    result = cast("CursorResult[Any]", await session.execute(
        update(ActivitySignup).where(ActivitySignup.parent_id.is_not(None),
                                     ActivitySignup.activity_id.in_(started))
        .values(parent_id=None)))
    return result.rowcount


async def forget_parent(session: AsyncSession, parent_id: int) -> None:
    """A parent's sign-ups and subscription go with their /forget."""
    await session.execute(delete(ActivitySignup).where(ActivitySignup.parent_id == parent_id))
    await session.execute(delete(ActivitySubscriber)
                          .where(ActivitySubscriber.parent_id == parent_id))


async def referrals(session: AsyncSession, activity_ids: Sequence[int]) -> dict[int, int]:
    """Activity id → cases referred by a partner who met the family there."""
    if not activity_ids:
        return {}
    rows = await session.execute(
        select(Case.met_at_activity_id, func.count()).where(
            Case.met_at_activity_id.in_(list(activity_ids)))
        .group_by(Case.met_at_activity_id))
    return {int(row[0] or 0): int(row[1]) for row in rows.all()}


async def series_to_come(session: AsyncSession, series: int, now: datetime) -> list[Activity]:
    """A series' sessions that have not started and were not called off, soonest first."""
    return list(await session.scalars(
        select(Activity).where(Activity.series == series, Activity.starts_at > now,
                               Activity.cancelled_at.is_(None))
        .order_by(Activity.starts_at, Activity.id).with_for_update()))


async def signed_up_parents(session: AsyncSession, activity_ids: Sequence[int]
                            ) -> list[tuple[ActivitySignup, Parent]]:
    """The booked and waiting places at these activities, with their parents."""
    if not activity_ids:
        return []
    rows = await session.execute(
        select(ActivitySignup, Parent).join(Parent, Parent.id == ActivitySignup.parent_id)
        .where(ActivitySignup.activity_id.in_(list(activity_ids)),
               ActivitySignup.status.in_(("booked", "waiting")))
        .order_by(Parent.id, ActivitySignup.activity_id))
    return [(row[0], row[1]) for row in rows.all()]
