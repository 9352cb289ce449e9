"""The one place that says who may do what, and who may see which case."""

from __future__ import annotations

import logging

from bot.people import Person, Role
from storage.models import Case

log = logging.getLogger(__name__)

# Each action a handler can trigger, and the roles allowed to trigger it.
PERMISSIONS: dict[str, frozenset[Role]] = {
    "invite": frozenset({Role.CONSULTANT}),
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
    "stats": frozenset({Role.CONSULTANT}),
    "export": frozenset({Role.CONSULTANT}),
    "referral.create": frozenset({Role.PARTNER}),
    "referral.list_own": frozenset({Role.PARTNER}),
}


class AccessDenied(Exception):
    def __init__(self, action: str, person: Person) -> None:
        super().__init__(action)
        self.action = action
        self.role = person.role


def can(person: Person, action: str) -> bool:
    return person.role in PERMISSIONS.get(action, frozenset())


def require(person: Person, action: str) -> None:
    """Raise AccessDenied (and log it, without personal data) unless the person may act."""
    if not can(person, action):
        log.warning("refused %s for a %s", action, person.role.value)
        raise AccessDenied(action, person)


def allowed(person: Person, action: str) -> bool:
    """Like `require`, for handlers that answer a refusal themselves: False is logged too."""
    try:
        require(person, action)
    except AccessDenied:
        return False
    return True


def can_view_case(person: Person, case: Case) -> bool:
    """Only the library's consultants and the professional who made the referral."""
    if person.role is Role.CONSULTANT:
        return True
    if person.role is Role.PARTNER:
        return case.partner_id is not None and case.partner_id == person.record_id
    return False
