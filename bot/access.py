"""The one place that says who may do what, and who may see which case."""

from __future__ import annotations

import logging

from bot.people import Person, Role
from storage.models import Case

log = logging.getLogger(__name__)

# Each action a handler can trigger, and the roles allowed to trigger it.
PERMISSIONS: dict[str, frozenset[Role]] = {
    "invite": frozenset({Role.CONSULTANT}),
    "invite.withdraw": frozenset({Role.CONSULTANT}),
    "partners.list": frozenset({Role.CONSULTANT}),
    "partners.revoke": frozenset({Role.CONSULTANT}),
    "case.take": frozenset({Role.CONSULTANT}),
    "case.open": frozenset({Role.CONSULTANT}),
    "case.contacted": frozenset({Role.CONSULTANT}),
    "case.close": frozenset({Role.CONSULTANT}),
    "case.reopen": frozenset({Role.CONSULTANT}),
    "case.note": frozenset({Role.CONSULTANT}),
    "case.reply": frozenset({Role.CONSULTANT}),
    "case.list": frozenset({Role.CONSULTANT}),
    "parent.data": frozenset({Role.CONSULTANT}),
    "parent.erase": frozenset({Role.CONSULTANT}),
    "stats": frozenset({Role.CONSULTANT}),
    "export": frozenset({Role.CONSULTANT}),
    "voice.record": frozenset({Role.CONSULTANT}),
    "referral.create": frozenset({Role.PARTNER}),
    "referral.list_own": frozenset({Role.PARTNER}),
    "referral.new_family_link": frozenset({Role.PARTNER}),
    "news.send": frozenset({Role.CONSULTANT}),
    "news.receive": frozenset({Role.PARTNER}),
    "organisations.edit": frozenset({Role.CONSULTANT}),
    "activity.create": frozenset({Role.CONSULTANT}),
    "activity.list": frozenset({Role.CONSULTANT, Role.PARTNER}),
    "activity.attendance": frozenset({Role.CONSULTANT, Role.PARTNER}),
    "activity.cancel": frozenset({Role.CONSULTANT}),
    "bag.record": frozenset({Role.PARTNER}),
    "bags.manage": frozenset({Role.CONSULTANT}),
    "presence.manage": frozenset({Role.CONSULTANT}),
    "presence.view": frozenset({Role.CONSULTANT, Role.PARTNER}),
    "presence.handover": frozenset({Role.PARTNER}),
}


class AccessDenied(Exception):
    def __init__(self, action: str, person: Person) -> None:
        super().__init__(action)
        self.action = action
        self.role = person.role


def check(person: Person, action: str) -> bool:
    """Whether the person may act; a refusal is logged (the role only, no personal data)."""
    if person.role in PERMISSIONS.get(action, frozenset()):
        return True
    log.warning("refused %s for a %s", action, person.role.value)
    return False


def require(person: Person, action: str) -> None:
    """For the core functions: raise AccessDenied unless the person may act."""
    if not check(person, action):
        raise AccessDenied(action, person)


def roles_for(action: str) -> frozenset[Role]:
    return PERMISSIONS.get(action, frozenset())


def is_own_referral(person: Person, case: Case) -> bool:
    """The partner professional who made the referral (no colleague, not the library)."""
    return (person.role is Role.PARTNER and case.partner_id is not None
            and case.partner_id == person.record_id)


def can_view_case(person: Person, case: Case) -> bool:
    """Only the library's consultants and the professional who made the referral."""
    if person.role is Role.CONSULTANT:
        return True
    return is_own_referral(person, case)
