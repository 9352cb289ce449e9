"""The referral: its steps, its validation, and submitting it as a case in one transaction."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import phonenumbers
from sqlalchemy.ext.asyncio import AsyncSession

from bot import access, activities, flows, notify
from bot.flows import FlowState
from bot.i18n import LANGUAGES, N_, _, language_name, ngettext
from bot.people import Person
from bot.tokens import FAMILY_PREFIX, new_token, token_hash
from storage.models import Case, CaseNeed
from storage.repositories import cases as cases_repo

FLOW = flows.REFERRAL
MAX_NOTE = 500
MAX_OTHER = 100
MAX_LANGUAGE = 64
# A typed phone number, before parsing: spaces, dashes and a + allowed.
MIN_PHONE_TEXT, MAX_PHONE_TEXT = 6, 32
NETHERLANDS = 31  # calling code: Dutch numbers are shown the national way

AGES: dict[str, str] = {
    "expecting": N_("expecting a baby"),
    "0-4": N_("0–4 years"),
    "4-12": N_("4–12 years"),
    "12-18": N_("12–18 years"),
}
NEEDS: dict[str, str] = {
    "reading": N_("📚 reading with the children / BoekStart"),
    "dutch": N_("🗣️ a parent wants to learn Dutch (Taalpunt)"),
    "digital": N_("💻 help with the computer (school app, DigiD, forms online)"),
    "letters": N_("✉️ help with letters and messages from school"),
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


def step_position(step: str, data: dict[str, Any]) -> tuple[int, int]:
    """Which step this is of how many, counting only the steps this nurse sees (the "other"
    and phone steps only when her answers call for them; the note belongs to the summary)."""
    seen = [s for s in STEPS if _needed(s, data)]
    here = "summary" if step == "note" else step
    return (seen.index(here) + 1 if here in seen else len(seen)), len(seen)


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
    if not (MIN_PHONE_TEXT <= len(text) <= MAX_PHONE_TEXT):
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
    if number.country_code == NETHERLANDS:
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


# ---- moving through the steps ------------------------------------------------------------
class StepProblem(StrEnum):
    """Why a button changed nothing."""

    STALE = "stale"  # not a button of this step, or a value that is not offered
    FIRST_STEP = "first_step"  # "back" on the first step
    NOTHING_CHOSEN = "nothing_chosen"  # "next" before ticking anything


Answers = dict[str, Any]
Moved = tuple[str, Answers]  # the step the flow goes to, and the answers so far


def advance(step: str, data: Answers) -> Moved:
    """On to the next step; arriving at the summary ends an edit."""
    following = step_after(step, data)
    if following == "summary":
        data = {k: v for k, v in data.items() if k != "editing"}
    return following, data


def _back(step: str, data: Answers, value: str | None, villages: Sequence[str]
          ) -> Moved | StepProblem:
    previous = step_before(step, data)
    if previous is None:
        return StepProblem.FIRST_STEP
    if previous == "summary":
        data = {k: v for k, v in data.items() if k != "editing"}
    return previous, data


def _edit(step: str, data: Answers, value: str | None, villages: Sequence[str]
          ) -> Moved | StepProblem:
    if step != "summary" or value not in ("language", "village", "ages", "needs", "contact"):
        return StepProblem.STALE
    return value, {**data, "editing": True}


def _note(step: str, data: Answers, value: str | None, villages: Sequence[str]
          ) -> Moved | StepProblem:
    return ("note", data) if step == "summary" else StepProblem.STALE


def _pick(step: str, data: Answers, value: str | None, villages: Sequence[str]
          ) -> Moved | StepProblem:
    if step == "language" and value in (*LANGUAGES, OTHER):
        data = {**data, "language": value}
    elif step == "village" and value == OTHER:
        data = {**data, "village": OTHER}
    elif step == "village" and value is not None and value.isdigit() and int(value) < len(
            villages):
        data = {**data, "village": villages[int(value)]}
    elif step == "contact" and value in CONTACTS:
        data = {**data, "contact": value}
        if value != "phone":
            data.pop("phone", None)
    else:
        return StepProblem.STALE
    return advance(step, data)


def _toggle(step: str, data: Answers, value: str | None, villages: Sequence[str]
            ) -> Moved | StepProblem:
    options = AGES if step == "ages" else NEEDS if step == "needs" else {}
    if value not in options:
        return StepProblem.STALE
    chosen = list(data.get(step, []))
    if value in chosen:
        chosen.remove(value)
    else:
        chosen.append(value)
    return step, {**data, step: chosen}


def _next(step: str, data: Answers, value: str | None, villages: Sequence[str]
          ) -> Moved | StepProblem:
    if step not in ("ages", "needs"):
        return StepProblem.STALE
    if not data.get(step):
        return StepProblem.NOTHING_CHOSEN
    return advance(step, data)


_BUTTONS: dict[str, Callable[[str, Answers, str | None, Sequence[str]], Moved | StepProblem]] = {
    "back": _back, "edit": _edit, "note": _note, "pick": _pick, "tog": _toggle, "next": _next,
}


def press(step: str, data: Answers, action: str, value: str | None, villages: Sequence[str]
          ) -> Moved | StepProblem:
    """What a button of the current step does: where the flow goes with which answers, or
    why nothing changes. (Cancel and send are not steps: see `cancel` and `submit`.)"""
    button = _BUTTONS.get(action)
    return button(step, dict(data), value, villages) if button else StepProblem.STALE


def _read_language(text: str) -> tuple[str | None, str]:
    return clean_free_text(text, MAX_LANGUAGE), ngettext(
        "Please type the language in at most {limit} character.",
        "Please type the language in at most {limit} characters.",
        MAX_LANGUAGE).format(limit=MAX_LANGUAGE)


def _read_place(text: str) -> tuple[str | None, str]:
    return clean_free_text(text, MAX_OTHER), ngettext(
        "Please type the place in at most {limit} character.",
        "Please type the place in at most {limit} characters.", MAX_OTHER).format(limit=MAX_OTHER)


def _read_need(text: str) -> tuple[str | None, str]:
    return clean_free_text(text, MAX_OTHER), ngettext(
        "Please describe it in at most {limit} character.",
        "Please describe it in at most {limit} characters.", MAX_OTHER).format(limit=MAX_OTHER)


def _read_phone(text: str) -> tuple[str | None, str]:
    return normalise_phone(text), _(
        "❗ That is not a phone number I can use. Please type it like 06 12345678, or with "
        "the country code like +32 470 12 34 56.")


def _read_note(text: str) -> tuple[str | None, str]:
    length = len(text.strip())
    return clean_note(text), (
        ngettext("❗ The note is {length} character long.",
                 "❗ The note is {length} characters long.", length).format(length=length)
        + " " + ngettext("At most {limit} character fits. Please make it shorter.",
                         "At most {limit} characters fit. Please make it shorter.",
                         MAX_NOTE).format(limit=MAX_NOTE))


_TYPED: dict[str, Callable[[str], tuple[str | None, str]]] = {
    "language_other": _read_language, "village_other": _read_place,
    "need_other": _read_need, "phone": _read_phone, "note": _read_note,
}


def type_answer(step: str, data: Answers, text: str) -> Moved | str | None:
    """A typed answer: where the flow goes next, a short problem text (the step stays), or
    None when this step expects a button."""
    read = _TYPED.get(step)
    if read is None:
        return None
    value, problem = read(text)
    if value is None:
        return problem
    return advance(step, {**data, step: value})


# ---- state changes ---------------------------------------------------------------------
async def start(session: AsyncSession, person: Person, activity_id: int | None = None
                ) -> FlowState:
    """A new referral (replacing any other flow the partner was in); `activity_id`: the
    library's activity where the partner met the family (bot.activities)."""
    access.require(person, "referral.create")
    return await flows.begin(session, person, FLOW, "language",
                             {} if activity_id is None else {"activity": activity_id})


async def in_progress(session: AsyncSession, person: Person) -> FlowState | None:
    """The partner's unfinished referral, if any."""
    state = await flows.current(session, person)
    return state if state is not None and state.flow == FLOW else None


async def move(session: AsyncSession, state: FlowState, step: str, data: Answers) -> None:
    """Keep where the referral now stands (a restart resumes here)."""
    await flows.move(session, state, step, data)


async def cancel(session: AsyncSession, person: Person) -> None:
    await flows.end(session, person)


async def own_referrals(session: AsyncSession, person: Person, limit: int = 20) -> list[Case]:
    """The partner's own referrals, newest first (never anyone else's)."""
    access.require(person, "referral.list_own")
    if person.record_id is None:
        return []
    return await cases_repo.by_partner(session, person.record_id, limit)


@dataclass(frozen=True)
class InPerson:
    """A referral made in person during the consultant's presence hours (a warm handover,
    bot.presence): where the family waits, and the consultants' alert instead of the usual
    new-case message."""

    room: str
    place: str
    alert: Callable[[Case, str], str]


@dataclass
class Submitted:
    case: Case
    family_token: str


async def submit(session: AsyncSession, person: Person, data: dict[str, Any], consent: bool,
                 now: datetime | None = None, in_person: InPerson | None = None) -> Submitted:
    """The case, its first audit event and one outbox message per consultant, together."""
    access.require(person, "referral.create")
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
        village=data.get("village") if data.get("village") not in (None, OTHER) else None,
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
        met_at_activity_id=data.get("activity"),
        created_at=now,
        updated_at=now,
        in_person=in_person is not None,
    )
    if data.get("village") == OTHER:
        case.village_other = village_label(data)  # typed: sealed, unlike a known village
    case.needs = [CaseNeed(need=n) for n in NEEDS if n in data.get("needs", [])]
    await cases_repo.add(session, case)
    detail: dict[str, Any] = {"consent": consent, "contact_method": case.contact_method}
    if in_person is not None:
        detail.update(in_person=True, place=in_person.place, room=in_person.room)
    await cases_repo.add_event(session, case.id, "created", "partner", person.record_id, detail)
    organisation = person.organisation_name or ""
    met = await activities.met_at(session, case.met_at_activity_id)
    if in_person is not None:
        alert = in_person.alert
        await notify.consultants(session, case, f"case-handover:{case.id}",
                                 lambda: alert(case, organisation) + met())
    else:
        await notify.consultants(session, case, f"case-new:{case.id}",
                                 lambda: notification_text(case, organisation) + met())
    await flows.end(session, person)
    return Submitted(case, family_token)


def notification_text(case: Case, organisation: str) -> str:
    """The staff's new-case message: what the case is about, never how to reach the family
    (no phone number, no note): those are on the case view, where every view is logged."""
    data = {"language": case.family_language, "language_other": case.family_language_other}
    return "\n".join([
        _("🆕 New referral {reference}").format(reference=case.reference),
        _("🏢 From: {organisation}").format(organisation=organisation),
        _("🏡 Village: {value}").format(value=case.village or "–"),
        _("🌍 Language: {value}").format(value=family_language_label(data)),
        _("👶 Children: {value}").format(value=ages_label(case.child_ages or [])),
        _("🎯 Needs: {value}").format(value=needs_label([n.need for n in case.needs],
                                                        case.need_other)),
        _("☎️ Contact: {value}").format(value=_(CONTACTS.get(case.contact_method or "", "–"))),
    ])


STATUS_LABELS: dict[str, str] = {
    "new": N_("new"),
    "taken": N_("taken by the library"),
    "contacted": N_("family contacted"),
    "closed": N_("closed"),
}
