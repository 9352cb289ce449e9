"""Consultants, partner professionals and parents."""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from sqlalchemy import exists, literal, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload

from storage.models import Case, Consultant, FlowState, Parent, Partner
from storage.repositories import flows as flows_repo


async def consultant_by_telegram_id(session: AsyncSession, telegram_user_id: int
                                    ) -> Consultant | None:
    return await session.scalar(
        select(Consultant).where(Consultant.telegram_user_id == telegram_user_id))


async def partner_by_telegram_id(session: AsyncSession, telegram_user_id: int) -> Partner | None:
    """The user's newest partner row: the active one if there is one (one at most), else the
    one removed last."""
    return await session.scalar(
        select(Partner).options(selectinload(Partner.organisation))
        .where(Partner.telegram_user_id == telegram_user_id)
        .order_by(Partner.id.desc()).limit(1))


async def roles_of(session: AsyncSession, telegram_user_id: int
                   ) -> tuple[Consultant | None, Partner | None, Parent | None]:
    """Everything this Telegram user is to the bot, in one query: their consultant row, their
    newest partner row (with its organisation) and their parent row, each None if none."""
    who = await who_is(session, telegram_user_id)
    return who.consultant, who.partner, who.parent


class Who(NamedTuple):
    """What one query tells about a Telegram user at the start of an update."""

    consultant: Consultant | None
    partner: Partner | None  # the newest partner row, with its organisation
    parent: Parent | None  # with its data key
    flow: FlowState | None  # the guided flow they are in
    parent_has_cases: bool  # whether any case names their parent row


async def who_is(session: AsyncSession, telegram_user_id: int) -> Who:
    """`roles_of`, with the flow state (kept in the session for bot.flows) and whether the
    parent has cases, in the same query: most parents have no case, and need not be asked."""
    user = select(literal(telegram_user_id).label("id")).subquery()
    newest_partner = (select(Partner.id).where(Partner.telegram_user_id == telegram_user_id)
                      .order_by(Partner.id.desc()).limit(1).scalar_subquery())
    has_cases = exists().where(Case.parent_id == Parent.id).label("has_cases")
    row = (await session.execute(
        select(Consultant, Partner, Parent, FlowState, has_cases).select_from(user)
        .outerjoin(Consultant, Consultant.telegram_user_id == user.c.id)
        .outerjoin(Partner, Partner.id == newest_partner)
        .outerjoin(Parent, Parent.telegram_user_id == user.c.id)
        .outerjoin(FlowState, FlowState.telegram_user_id == user.c.id)
        .options(joinedload(Partner.organisation)))).one()
    who = Who(row[0], row[1], row[2], row[3], bool(row[4]) and row[2] is not None)
    if who.flow is None:
        flows_repo.known_none(session, telegram_user_id)
    return who


async def parent_by_telegram_id(session: AsyncSession, telegram_user_id: int) -> Parent | None:
    return await session.scalar(select(Parent).where(Parent.telegram_user_id == telegram_user_id))


async def active_consultants(session: AsyncSession) -> list[Consultant]:
    rows = await session.scalars(
        select(Consultant).where(Consultant.active.is_(True)).order_by(Consultant.id))
    return list(rows)


def placeholder_name(telegram_user_id: int) -> str:
    """A consultant added by id alone (CONSULTANT_IDS) until Telegram tells their name."""
    return f"Consultant {telegram_user_id}"


async def upsert_consultant(session: AsyncSession, telegram_user_id: int, name: str | None
                            ) -> tuple[Consultant, bool]:
    """Add or re-activate a consultant; returns (consultant, created)."""
    consultant = await consultant_by_telegram_id(session, telegram_user_id)
    if consultant is None:
        consultant = Consultant(telegram_user_id=telegram_user_id,
                                name=name or placeholder_name(telegram_user_id), active=True)
        session.add(consultant)
        await session.flush()
        return consultant, True
    consultant.active = True
    if name:
        consultant.name = name
    await session.flush()
    return consultant, False


async def deactivate_consultant(session: AsyncSession, telegram_user_id: int) -> bool:
    consultant = await consultant_by_telegram_id(session, telegram_user_id)
    if consultant is None or not consultant.active:
        return False
    consultant.active = False
    await session.flush()
    return True


async def get_or_create_parent(session: AsyncSession, telegram_user_id: int) -> Parent:
    parent = await parent_by_telegram_id(session, telegram_user_id)
    if parent is None:
        parent = Parent(telegram_user_id=telegram_user_id)
        session.add(parent)
        await session.flush()
    return parent


async def set_language(session: AsyncSession, role: str, record_id: int, language: str) -> None:
    models: dict[str, type[Consultant | Partner | Parent]] = {
        "consultant": Consultant, "partner": Partner, "parent": Parent}
    # The annotation keeps mypy from widening the row to `Base`, which has no `language`.
    row: Consultant | Partner | Parent | None = await session.get(models[role], record_id)
    if row is not None:
        row.language = language
        await session.flush()


async def consultant_names(session: AsyncSession, consultant_ids: Iterable[int]
                           ) -> dict[int, str]:
    """The names of just these consultants (a case card names only the ones on it)."""
    wanted = set(consultant_ids)
    if not wanted:
        return {}
    rows = await session.execute(
        select(Consultant.id, Consultant.name).where(Consultant.id.in_(wanted)))
    return {consultant_id: name for consultant_id, name in rows.all()}
