"""Inviting partner professionals and letting them join."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from bot import access, flows
from bot.i18n import DEFAULT_LANGUAGE, STAFF_LANGUAGES
from bot.people import Person, Role
from bot.tokens import INVITE_PREFIX, new_token, token_hash
from storage.models import Invite, Partner
from storage.repositories import organisations as org_repo

MIN_ORGANISATION_NAME = 2
MAX_ORGANISATION_NAME = 120
MIN_NAME, MAX_NAME = 2, 80


class InviteProblem(StrEnum):
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    USED_UP = "used_up"
    REVOKED = "revoked"


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
    organisation = await org_repo.get_or_create(session, organisation_name)
    token = new_token(INVITE_PREFIX)
    expires_at = datetime.now(UTC) + timedelta(days=valid_days)
    await org_repo.add_invite(session, token_hash=token_hash(token),
                              organisation_id=organisation.id, consultant_id=consultant.record_id,
                              expires_at=expires_at, max_uses=max_uses)
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


async def open_invite(session: AsyncSession, person: Person, token: str
                      ) -> tuple[Invite | None, InviteProblem | None]:
    """Check an invite token; when it is good, start the join flow (asks for the name)."""
    invite = await org_repo.invite_by_hash(session, token_hash(token))
    problem = _problem(invite)
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
    problem = _problem(invite)
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


async def revoke_partner(session: AsyncSession, person: Person, partner_id: int
                         ) -> Partner | None:
    partner = await active_partner(session, person, partner_id)
    if partner is None:
        return None
    partner.revoked_at = datetime.now(UTC)
    await session.flush()
    return partner
