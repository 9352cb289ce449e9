"""Inviting partner professionals and letting them join."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from bot import access, audit, flows, news, organisations
from bot.i18n import DEFAULT_LANGUAGE, STAFF_LANGUAGES
from bot.people import Person, Role
from bot.tokens import INVITE_PREFIX, new_token, token_hash
from storage.models import Invite, Partner
from storage.repositories import flows as flows_repo
from storage.repositories import organisations as org_repo
from storage.repositories import people as people_repo

MIN_ORGANISATION_NAME = 2
MAX_ORGANISATION_NAME = 120
MIN_NAME, MAX_NAME = 2, 80


class InviteProblem(StrEnum):
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    USED_UP = "used_up"
    REVOKED = "revoked"
    # The person was removed as a partner after this invite was made: only a newer one helps.
    REMOVED = "removed"


@dataclass
class NewInvite:
    token: str
    organisation_name: str
    expires_at: datetime
    max_uses: int


def clean_organisation_name(raw: str) -> str | None:
    name = " ".join(raw.split())
    if not (MIN_ORGANISATION_NAME <= len(name) <= MAX_ORGANISATION_NAME):
        return None
    return name


async def create_invite(session: AsyncSession, consultant: Person, organisation_name: str,
                        valid_days: int, max_uses: int) -> NewInvite:
    access.require(consultant, "invite")
    kind = organisations.guess_kind(organisation_name)
    organisation = await org_repo.get_or_create(
        session, organisation_name, kind, organisations.hands_out_bags_by_default(kind))
    token = new_token(INVITE_PREFIX)
    expires_at = datetime.now(UTC) + timedelta(days=valid_days)
    invite = await org_repo.add_invite(
        session, token_hash=token_hash(token), organisation_id=organisation.id,
        consultant_id=consultant.record_id, expires_at=expires_at, max_uses=max_uses)
    await audit.record(session, consultant, "invite.create", invite_id=invite.id,
                       organisation_id=organisation.id)
    return NewInvite(token, organisation.name, expires_at, max_uses)


def _problem(invite: Invite | None) -> InviteProblem | None:
    if invite is None:
        return InviteProblem.UNKNOWN
    if invite.revoked_at is not None:
        return InviteProblem.REVOKED
    if invite.expires_at <= datetime.now(UTC):
        return InviteProblem.EXPIRED
    if invite.uses >= invite.max_uses:
        return InviteProblem.USED_UP
    return None


async def _removed_since(session: AsyncSession, person: Person, invite: Invite) -> bool:
    """Whether the person was removed as a partner after the invite was made: an invite
    that was around then cannot bring them back; the consultant must invite them anew."""
    earlier = await people_repo.partner_by_telegram_id(session, person.telegram_user_id)
    return (earlier is not None and earlier.revoked_at is not None
            and invite.created_at <= earlier.revoked_at)


async def _check(session: AsyncSession, person: Person, invite: Invite | None
                 ) -> InviteProblem | None:
    if invite is not None and await _removed_since(session, person, invite):
        return InviteProblem.REMOVED
    return _problem(invite)


async def open_invite(session: AsyncSession, person: Person, token: str
                      ) -> tuple[Invite | None, InviteProblem | None]:
    """Check an invite token; when it is good, start the join flow (asks for the name)."""
    invite = await org_repo.invite_by_hash(session, token_hash(token))
    problem = await _check(session, person, invite)
    if invite is not None and problem is None:
        await flows.begin(session, person, flows.JOIN, "name", {"invite_id": invite.id})
    return invite, problem


def clean_person_name(raw: str) -> str | None:
    name = " ".join(raw.split())
    if not (MIN_NAME <= len(name) <= MAX_NAME):
        return None
    if not any(ch.isalpha() for ch in name) or any(ch in "<>/\\@#" for ch in name):
        return None
    return name


async def join(session: AsyncSession, person: Person, invite_id: int, name: str
               ) -> tuple[Partner | None, InviteProblem | None]:
    """Turn the person into a partner of the invite's organisation; the invite is re-checked."""
    invite = await org_repo.invite_by_id(session, invite_id, for_update=True)
    problem = await _check(session, person, invite)
    if invite is None or problem is not None:
        await flows.end(session, person)
        return None, problem
    invite.uses += 1
    partner = await org_repo.add_partner(
        session, telegram_user_id=person.telegram_user_id, name=name,
        organisation_id=invite.organisation_id, invite_id=invite.id,
        language=person.language if person.language in STAFF_LANGUAGES else None)
    await flows.end(session, person)
    person.role, person.record_id, person.name = Role.PARTNER, partner.id, name
    person.organisation_id, person.organisation_name = invite.organisation_id, \
        invite.organisation.name
    if person.language not in STAFF_LANGUAGES:
        person.language = DEFAULT_LANGUAGE
    await audit.record(session, person, "partner.join", invite_id=invite.id,
                       organisation_id=invite.organisation_id)
    return partner, None


async def active_partners(session: AsyncSession, person: Person) -> list[Partner]:
    access.require(person, "partners.list")
    return await org_repo.active_partners(session)


async def active_partner(session: AsyncSession, person: Person, partner_id: int
                         ) -> Partner | None:
    """A partner who can still be removed (None once removed or unknown)."""
    access.require(person, "partners.revoke")
    partner = await org_repo.partner_by_id(session, partner_id)
    return partner if partner is not None and partner.revoked_at is None else None


@dataclass
class Removed:
    partner: Partner
    invites_withdrawn: int  # the still-open invites they had joined with


async def revoke_partner(session: AsyncSession, person: Person, partner_id: int
                         ) -> Removed | None:
    """Remove a partner; the invites they joined with stop working too, for anyone (a link
    passed on must not let someone else in on their behalf), and a referral they had not
    finished is dropped (its answers are no longer theirs to keep)."""
    partner = await active_partner(session, person, partner_id)
    if partner is None:
        return None
    now = datetime.now(UTC)
    partner.revoked_at = now
    joined_with = await org_repo.invite_ids_joined_by(session, partner.telegram_user_id)
    withdrawn = await org_repo.revoke_open_invites(session, joined_with, now)
    await audit.record(session, person, "partner.revoke", partner_id=partner.id,
                       invites_withdrawn=withdrawn)
    await flows_repo.end(session, partner.telegram_user_id)
    await news.withdraw_waiting(session, partner.id)  # no library news after removal
    await session.flush()
    return Removed(partner, withdrawn)


async def open_invites(session: AsyncSession, person: Person) -> list[Invite]:
    """Invite links someone could still join with."""
    access.require(person, "partners.list")
    return await org_repo.open_invites(session, datetime.now(UTC))


async def withdraw_invite(session: AsyncSession, person: Person, invite_id: int
                          ) -> Invite | None:
    """Withdraw an invite link; None when it no longer worked anyway (or is unknown)."""
    access.require(person, "invite.withdraw")
    invite = await org_repo.invite_by_id(session, invite_id, for_update=True)
    if invite is None or _problem(invite) is not None:
        return None
    invite.revoked_at = datetime.now(UTC)
    await audit.record(session, person, "invite.withdraw", invite_id=invite.id)
    await session.flush()
    return invite
