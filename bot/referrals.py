"""The referral: its steps, its validation, and submitting it as a case in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import phonenumbers
from sqlalchemy.ext.asyncio import AsyncSession

from bot import notify
from bot.i18n import LANGUAGES, N_, _, language_name
from bot.people import Person
from bot.tokens import FAMILY_PREFIX, new_token, token_hash
from storage.models import Case, CaseNeed
from storage.repositories import cases as cases_repo
from storage.repositories import flows

FLOW = "referral"
MAX_NOTE = 500
MAX_OTHER = 100

AGES: dict[str, str] = {
    "expecting": N_("expecting a baby"),
    "0-4": N_("0–4 years"),
    "4-12": N_("4–12 years"),
    "12-18": N_("12–18 years"),
}
NEEDS: dict[str, str] = {
    "reading": N_("📚 reading with the children / BoekStart"),
    "dutch": N_("🗣️ a parent wants to learn Dutch (Taalpunt)"),
    "digital": N_("💻 digital skills (school app, DigiD, online forms)"),
    "letters": N_("✉️ help with letters and school communication"),
    "other": N_("➕ something else"),
}
CONTACTS: dict[str, str] = {
    "phone": N_("📞 by phone"),
    "family": N_("💬 the family starts the conversation in the bot"),
    "partner": N_("🤝 through me"),
}
OTHER = "other"

# The order of the steps; the *_other, need_other and phone steps only when needed.
STEPS = ("language", "language_other", "village", "village_other", "ages", "needs",
         "need_other", "contact", "phone", "summary")
TEXT_STEPS = frozenset({"language_other", "village_other", "need_other", "phone", "note"})


def _needed(step: str, data: dict[str, Any]) -> bool:
    if step == "language_other":
        return data.get("language") == OTHER
    if step == "village_other":
        return data.get("village") == OTHER
    if step == "need_other":
        return OTHER in data.get("needs", [])
    if step == "phone":
        return data.get("contact") == "phone"
    return True


def step_after(step: str, data: dict[str, Any]) -> str:
    """The next step; while editing from the summary, back to the summary when done."""
    if step == "note":
        return "summary"
    index = STEPS.index(step)
    for candidate in STEPS[index + 1:]:
        if not _needed(candidate, data):
            continue
        if data.get("editing") and candidate not in TEXT_STEPS:
            return "summary"
        return candidate
    return "summary"


def step_before(step: str, data: dict[str, Any]) -> str | None:
    """The previous step, or None on the first one."""
    if step == "note" or data.get("editing"):
        return "summary" if step != "summary" else None
    index = STEPS.index(step)
    for candidate in reversed(STEPS[:index]):
        if _needed(candidate, data):
            return candidate
    return None


def normalise_phone(raw: str) -> str | None:
    """A valid phone number in E.164 form; Dutch numbers by default, international accepted."""
    text = raw.strip()
    if not (6 <= len(text) <= 32):
        return None
    try:
        number = phonenumbers.parse(text, "NL")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display_phone(e164: str) -> str:
    number = phonenumbers.parse(e164, None)
    if number.country_code == 31:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def clean_free_text(raw: str, limit: int) -> str | None:
    text = " ".join(raw.split())
    if not text or len(text) > limit:
        return None
    return text


def clean_note(raw: str) -> str | None:
    text = raw.strip()
    if not text or len(text) > MAX_NOTE:
        return None
    return text


# ---- what the referral says, in words --------------------------------------------------
def family_language_label(data: dict[str, Any]) -> str:
    code = data.get("language")
    if code == OTHER:
        return data.get("language_other") or _("another language")
    return language_name(code) if code in LANGUAGES else "–"


def village_label(data: dict[str, Any]) -> str:
    if data.get("village") == OTHER:
        return data.get("village_other") or _("another place")
    return data.get("village") or "–"


def ages_label(ages: list[str]) -> str:
    return ", ".join(_(AGES[a]) for a in AGES if a in ages) or "–"


def needs_label(needs: list[str], other: str | None = None) -> str:
    labels = [_(NEEDS[n]) for n in NEEDS if n in needs and n != OTHER]
    if OTHER in needs:
        labels.append(_("something else: {text}").format(text=other) if other
                      else _(NEEDS[OTHER]))
    return "\n".join(labels) or "–"


def contact_label(data: dict[str, Any]) -> str:
    method = data.get("contact")
    if method == "phone" and data.get("phone"):
        return _("📞 by phone: {phone}").format(phone=display_phone(data["phone"]))
    return _(CONTACTS[method]) if method in CONTACTS else "–"


def summary_text(data: dict[str, Any]) -> str:
    lines = [
        _("Please check the referral:"),
        _("🌍 Language: {value}").format(value=family_language_label(data)),
        _("🏡 Village: {value}").format(value=village_label(data)),
        _("👶 Children: {value}").format(value=ages_label(data.get("ages", []))),
        _("🎯 Needs: {value}").format(value=needs_label(data.get("needs", []),
                                                        data.get("need_other"))),
        _("☎️ Contact: {value}").format(value=contact_label(data)),
        _("📝 Note: {value}").format(value=data.get("note") or "–"),
        "",
        _("Did the family agree that the library contacts them and keeps these details?"),
    ]
    return "\n".join(lines)


# ---- state changes ---------------------------------------------------------------------
async def start(session: AsyncSession, person: Person) -> Any:
    return await flows.begin(session, person.telegram_user_id, FLOW, "language", {})


@dataclass
class Submitted:
    case: Case
    family_token: str


async def submit(session: AsyncSession, person: Person, data: dict[str, Any], consent: bool,
                 now: datetime | None = None) -> Submitted:
    """The case, its first audit event and one outbox message per consultant, together."""
    now = now or datetime.now(UTC)
    reference = await cases_repo.next_reference(session, now.year)
    family_token = new_token(FAMILY_PREFIX)
    contact = data.get("contact")
    keep_phone = consent and contact == "phone"
    case = Case(
        reference=reference,
        source="partner",
        status="new",
        partner_id=person.record_id,
        organisation_id=person.organisation_id,
        family_language=data.get("language"),
        family_language_other=data.get("language_other") if data.get("language") == OTHER
        else None,
        village=village_label(data) if data.get("village") else None,
        child_ages=[a for a in AGES if a in data.get("ages", [])],
        need_other=data.get("need_other") if OTHER in data.get("needs", []) else None,
        # Without consent the library keeps no way to reach the family: the link only.
        contact_method=contact if consent else "family",
        phone=data.get("phone") if keep_phone else None,
        note=data.get("note") if consent else None,
        consent=consent,
        consent_source="partner" if consent else None,
        consent_recorded_by_partner_id=person.record_id if consent else None,
        consent_at=now if consent else None,
        family_token_hash=token_hash(family_token),
        created_at=now,
        updated_at=now,
    )
    case.needs = [CaseNeed(need=n) for n in NEEDS if n in data.get("needs", [])]
    await cases_repo.add(session, case)
    await cases_repo.add_event(session, case.id, "created", "partner", person.record_id,
                               {"consent": consent, "contact_method": case.contact_method})
    organisation = person.organisation_name or ""
    await notify.consultants(session, case, f"case-new:{case.id}",
                             lambda: notification_text(case, organisation))
    await flows.end(session, person.telegram_user_id)
    return Submitted(case, family_token)


def notification_text(case: Case, organisation: str) -> str:
    data = {"language": case.family_language, "language_other": case.family_language_other,
            "contact": case.contact_method, "phone": case.phone}
    note = (case.note or "").strip().splitlines()[0][:120] if case.note else "–"
    return "\n".join([
        _("🆕 New referral {reference}").format(reference=case.reference),
        _("🏢 From: {organisation}").format(organisation=organisation),
        _("🏡 Village: {value}").format(value=case.village or "–"),
        _("🌍 Language: {value}").format(value=family_language_label(data)),
        _("👶 Children: {value}").format(value=ages_label(case.child_ages or [])),
        _("🎯 Needs: {value}").format(value=needs_label([n.need for n in case.needs],
                                                        case.need_other)),
        _("☎️ Contact: {value}").format(value=contact_label(data)),
        _("📝 Note: {value}").format(value=note),
    ])


STATUS_LABELS: dict[str, str] = {
    "new": N_("new"),
    "taken": N_("taken by the library"),
    "contacted": N_("family contacted"),
    "closed": N_("closed"),
}
