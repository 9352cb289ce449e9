"""Case handling: the one place that says how a case may change, and who hears of it.

Every change is a compare-and-set on the case's status (two consultants pressing at once:
one wins), an event on the case's log, and, where the referrer should know, a closed-loop
message through the outbox. Handlers only call these functions.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import CursorResult, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot import access, answers, flows, notify, outbox, translation
from bot.callbacks import CaseAction, CaseButton, PlaceButton
from bot.facts import LibraryFacts
from bot.flows import FlowState
from bot.i18n import LANGUAGES, N_, NS_, S_, _, current_language, use_language
from bot.matcher import TOPICS
from bot.people import Person
from storage import models
from storage.models import Consultant, Parent, ParentMessage, Partner
from storage.repositories import cases as cases_repo
from storage.repositories import people as people_repo
from storage.repositories import shown as shown_repo

# The records the handlers hold, named here: handlers reach storage only through the core.
Case = models.Case
CaseEvent = models.CaseEvent

MAX_NOTE = 1000
MAX_REPLY = 1000

OUTCOMES: dict[str, str] = {
    "boekstart": NS_("📚 joined BoekStart"),
    "member": NS_("🪪 joined the library"),
    "taalpunt": NS_("🗣️ enrolled at the Taalpunt"),
    "digital": NS_("💻 digital-skills help given"),
    "referred": NS_("↪️ referred on elsewhere"),
    "no_contact": NS_("📵 no contact possible"),
    "declined": NS_("🙅 declined"),
}
# Outcomes after which the parent is later asked whether they got the help they needed.
HELPED_OUTCOMES = frozenset({"boekstart", "member", "taalpunt", "digital", "referred"})

# A referral's needs in a word, for the consultant's lists and figures.
NEED_NAMES: dict[str, str] = {
    "reading": NS_("reading / BoekStart"),
    "dutch": NS_("learning Dutch"),
    "digital": NS_("digital skills"),
    "letters": NS_("letters and school"),
    "other": NS_("something else"),
}


def need_names(needs: list[str]) -> str:
    return ", ".join(S_(NEED_NAMES.get(n, n)) for n in needs) or "–"


def source_name(case: Case) -> str:
    """Who brought the case: the referrer's organisation, or the parent themselves."""
    return case.organisation.name if case.organisation is not None else S_("parent")


STATUS_NAMES: dict[str, str] = {
    "new": NS_("new"),
    "taken": NS_("taken"),
    "contacted": NS_("contact made"),
    "closed": NS_("closed"),
}


class Change(StrEnum):
    TAKE = "take"
    CONTACTED = "contacted"
    CLOSE = "close"
    REOPEN = "reopen"


# The allowed transitions: from which statuses, to which status.
TRANSITIONS: dict[Change, tuple[frozenset[str], str]] = {
    Change.TAKE: (frozenset({"new"}), "taken"),
    Change.CONTACTED: (frozenset({"new", "taken"}), "contacted"),
    Change.CLOSE: (frozenset({"new", "taken", "contacted"}), "closed"),
    Change.REOPEN: (frozenset({"closed"}), "taken"),
}


def allowed_changes(status: str) -> list[Change]:
    return [change for change, (sources, _target) in TRANSITIONS.items() if status in sources]


class Problem(StrEnum):
    NOT_FOUND = "not_found"
    NOT_ALLOWED = "not_allowed"  # the status does not allow it (or someone was first)
    NO_PARENT = "no_parent"  # nobody to write to: the family never opened the bot
    ERASED = "erased"
    EMPTY = "empty"
    TOO_LONG = "too_long"
    STALE = "stale"  # a button of a reply that was sent, cancelled or typed anew


@dataclass
class Result:
    case: Case | None
    problem: Problem | None = None
    holder: str | None = None  # who took it, when someone else was first
    event_id: int | None = None  # the event the change made
    # A typed reply waits for the consultant's look at its machine translation into this
    # language (a preview follows through the outbox).
    translating: str | None = None
    # A typed reply went as typed: why it was not translated (one staff sentence).
    untranslated: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


async def _consultant_name(session: AsyncSession, consultant_id: int | None) -> str | None:
    if consultant_id is None:
        return None
    consultant = await session.get(Consultant, consultant_id)
    return consultant.name if consultant else None


async def change(session: AsyncSession, person: Person, case_id: int, what: Change,
                 outcome: str | None = None, now: datetime | None = None,
                 where: Where | None = None) -> Result:
    """Move a case along an allowed transition; exactly one of two simultaneous changes wins.
    Every other message showing the case (colleagues' notifications and cards) is brought up
    to date; `where` is the message the consultant pressed, which the caller redraws."""
    access.require(person, f"case.{what.value}")
    now = now or datetime.now(UTC)
    case = await cases_repo.by_id(session, case_id)
    if case is None:
        return Result(None, Problem.NOT_FOUND)
    if what is Change.CLOSE and outcome not in OUTCOMES:
        return Result(case, Problem.NOT_ALLOWED)
    sources, target = TRANSITIONS[what]
    values: dict[str, object] = {"status": target, "updated_at": now}
    if what is Change.TAKE:
        values["assigned_consultant_id"] = person.record_id
    elif what is Change.CONTACTED:
        values["first_contact_at"] = case.first_contact_at or now
        if case.assigned_consultant_id is None:
            values["assigned_consultant_id"] = person.record_id
    elif what is Change.CLOSE:
        values.update(outcome=outcome, closed_at=now)
    elif what is Change.REOPEN:
        values.update(outcome=None, closed_at=None, helped=None,
                      assigned_consultant_id=person.record_id)
    # An UPDATE without RETURNING gives a CursorResult (with `rowcount`); `execute` is only
    # typed to return the general Result.
    result = cast("CursorResult[Any]", await session.execute(
        update(Case).where(Case.id == case_id, Case.status.in_(sources)).values(**values)
        .execution_options(synchronize_session=False)))
    await session.refresh(case)
    if result.rowcount != 1:
        holder = None
        if what is Change.TAKE:  # someone else was first: say who
            holder = await _consultant_name(session, case.assigned_consultant_id)
        return Result(case, Problem.NOT_ALLOWED, holder)
    detail = {"outcome": outcome} if outcome else {}
    event = await cases_repo.add_event(session, case.id, what.value, "consultant",
                                       person.record_id, detail)
    await _tell_referrer(session, case, what, event.id)
    await refresh_shown(session, case, event.id, skip=where)
    return Result(case, event_id=event.id)


async def _tell_referrer(session: AsyncSession, case: Case, what: Change, event_id: int) -> None:
    """The closed loop: the professional hears what became of their referral, never the
    consultant's notes or the parent's messages."""
    if case.partner_id is None or what is Change.REOPEN:
        return
    partner = await session.get(Partner, case.partner_id)
    if partner is None or partner.revoked_at is not None:
        return
    language = partner.language or "nl"
    with use_language(language):
        if what is Change.TAKE:
            text = S_("📬 The library has taken your referral {reference}.")
        elif what is Change.CONTACTED:
            text = S_("📞 The library has been in touch with the family of referral "
                      "{reference}.")
        else:
            text = S_("✅ Referral {reference} is closed: {outcome}.")
        text = text.format(reference=case.reference,
                           outcome=S_(OUTCOMES[case.outcome]) if case.outcome else "")
    await outbox.queue_message(session, chat_id=partner.telegram_user_id, text=text,
                               dedupe_key=f"loop:{case.id}:{event_id}", case_id=case.id,
                               language=language)


async def view(session: AsyncSession, person: Person, case_id: int) -> Case | None:
    """The case if this person may see it; every view is logged."""
    case = await cases_repo.by_id(session, case_id)
    if case is None or not access.can_view_case(person, case):
        return None
    await cases_repo.add_event(session, case.id, "viewed", person.role.value, person.record_id)
    return case


ATTACHMENT_KINDS = ("photo", "voice", "audio", "document")


@dataclass(frozen=True)
class CaseCard:
    """What the consultant's view of a case shows, read once."""

    case: Case
    messages: list[ParentMessage]
    events: list[CaseEvent]
    names: dict[int, str] = field(default_factory=dict)  # the consultants named on it
    # The parent's messages with a machine translation into the viewer's language (id -> it).
    translations: dict[int, str] = field(default_factory=dict)

    @property
    def holder(self) -> str | None:
        return self.names.get(self.case.assigned_consultant_id or 0)

    @property
    def attachments(self) -> list[ParentMessage]:
        return [m for m in self.messages
                if m.telegram_file_id and m.kind in ATTACHMENT_KINDS]


async def card(session: AsyncSession, case: Case) -> CaseCard:
    """The card of a case the caller was already allowed to see or change (in the current
    language, the viewer's: the translations kept of the parent's words into it)."""
    messages = await cases_repo.messages(session, case.id)
    events = await cases_repo.events(session, case.id)
    named = {e.actor_id for e in events if e.actor_kind == "consultant" and e.actor_id}
    if case.assigned_consultant_id is not None:
        named.add(case.assigned_consultant_id)
    return CaseCard(case, messages, events, await people_repo.consultant_names(session, named),
                    await _translations(session, case, messages, current_language()))


async def _translations(session: AsyncSession, case: Case, messages: list[ParentMessage],
                        target: str) -> dict[int, str]:
    """The machine translations kept of the parent's messages into `target` (made when the
    notification with them was delivered; looked up the same way)."""
    wanted: dict[int, tuple[str, str, str]] = {}
    for message in messages:
        if message.direction != "in" or not message.text:
            continue
        source = translation.words_language(message.text, case.family_language)
        if source is not None and source != target:
            wanted[message.id] = (message.text, source, target)
    found = await translation.stored(session, wanted.values())
    return {message_id: found[item] for message_id, item in wanted.items() if item in found}


async def open_card(session: AsyncSession, person: Person, case_id: int) -> CaseCard | None:
    """A case's card for someone who may see it (the view is logged); else None."""
    case = await view(session, person, case_id)
    return await card(session, case) if case is not None else None


async def current_card(session: AsyncSession, person: Person, case_id: int) -> CaseCard | None:
    """The card redrawn after an action or for a menu on it (no new view is logged)."""
    access.require(person, "case.open")
    case = await cases_repo.by_id(session, case_id)
    return await card(session, case) if case is not None else None


async def find(session: AsyncSession, person: Person, reference: str) -> int | None:
    """The id of the case with this reference (e.g. 2026-0001), for a consultant."""
    access.require(person, "case.open")
    case = await cases_repo.by_reference(session, reference) if reference.strip() else None
    return case.id if case is not None else None


# ---- one living card per case ----------------------------------------------------------------
Where = tuple[int, int]  # chat id, message id of a message of the bot's in a staff chat


async def showing(session: AsyncSession, where: Where, case: Case) -> None:
    """This message now shows the case (a notification turned into its card): remember it,
    to bring it up to date and to redact it later (bot.redaction)."""
    chat_id, message_id = where
    await shown_repo.ensure(session, chat_id=chat_id, message_id=message_id, case_id=case.id,
                            reference=case.reference, now=datetime.now(UTC))


async def card_shown_at(session: AsyncSession, where: Where, case_id: int) -> bool:
    """Whether this message is a notification or card of this case (then it is redrawn in
    place rather than a new card sent)."""
    return await shown_repo.find(session, *where, case_id=case_id) is not None


def summary_text(case: Case, holder: str | None) -> str:
    """A case in three lines without personal data: what a colleague's notification or an
    older card turns into when the case changes."""
    status = S_(STATUS_NAMES.get(case.status, case.status))
    if holder:
        status = S_("{status} by {name}").format(status=status, name=holder)
    needs = need_names([n.need for n in case.needs])
    return "\n".join([S_("📂 Case {reference} – {status}").format(reference=case.reference,
                                                                 status=status),
                      S_("🏢 From: {source}").format(source=source_name(case)),
                      f"🏡 {case.village or '–'} · 🎯 {needs}"])


async def refresh_shown(session: AsyncSession, case: Case, stamp: int | str,
                        skip: Where | None = None) -> int:
    """Edit every other message that shows this case into its current summary (through the
    outbox: at Telegram's pace, after the commit). A "Take" button stays only on a new case."""
    holder = await _consultant_name(session, case.assigned_consultant_id)
    queued = 0
    for row in await shown_repo.of_cases(session, [case.id]):
        if skip is not None and (row.chat_id, row.message_id) == skip:
            continue
        consultant = await people_repo.consultant_by_telegram_id(session, row.chat_id)
        with use_language(consultant.language if consultant and consultant.language else "nl"):
            text = summary_text(case, holder)
            markup = notify.notification_buttons(case)
        payload = {"chat_id": row.chat_id, "message_id": row.message_id, "text": text,
                   "reply_markup": markup}
        if await outbox.queue_call(session, "editMessageText", payload, case_id=case.id,
                                   dedupe_key=f"{notify.REFRESH_PREFIX}{row.id}:{stamp}"):
            queued += 1
    return queued


async def newest_card_only(session: AsyncSession, case: Case, chat_id: int, stamp: int | str
                           ) -> None:
    """A new card of the case in this chat: the older ones there become summaries."""
    holder = await _consultant_name(session, case.assigned_consultant_id)
    for row in await shown_repo.of_cases(session, [case.id]):
        if row.chat_id != chat_id:
            continue
        payload = {"chat_id": row.chat_id, "message_id": row.message_id,
                   "text": summary_text(case, holder),
                   "reply_markup": notify.notification_buttons(case)}
        await outbox.queue_call(session, "editMessageText", payload, case_id=case.id,
                                dedupe_key=f"{notify.REFRESH_PREFIX}{row.id}:{stamp}")


# ---- typing a note or a message to the parent -----------------------------------------------
TYPING_FLOWS = {flows.CASE_NOTE: "case.note", flows.CASE_REPLY: "case.reply"}


async def start_typing(session: AsyncSession, person: Person, case_id: int, flow: str,
                       card_message_id: int | None = None) -> Case | None:
    """The consultant's next text becomes a note (CASE_NOTE) or a reply (CASE_REPLY);
    `card_message_id` is the card that asked, redrawn when the text has come."""
    access.require(person, TYPING_FLOWS[flow])
    case = await cases_repo.by_id(session, case_id)
    if case is not None:
        await flows.begin(session, person, flow, "text",
                          {"case_id": case_id, "card": card_message_id})
    return case


async def stop_typing(session: AsyncSession, person: Person) -> None:
    await flows.end(session, person)


async def finish_typing(session: AsyncSession, person: Person, state: FlowState, text: str,
                        *, translating: bool = False) -> Result | None:
    """The typed note or reply. A text that is empty or too long keeps the flow open (type
    it again); None when the person may no longer do this (the flow ends). `translating`:
    machine translation is set up, so a reply in another language than the parent's waits
    for the consultant's look at its translation (`Result.translating`)."""
    if not access.check(person, TYPING_FLOWS.get(state.flow, "case.note")):
        await flows.end(session, person)
        return None
    case_id = int(state.data["case_id"])
    if state.flow == flows.CASE_NOTE:
        result = await add_note(session, person, case_id, text)
    else:
        result = await typed_reply(session, person, case_id, text, translating=translating)
    if result.problem not in (Problem.EMPTY, Problem.TOO_LONG) and result.translating is None:
        await flows.end(session, person)
    return result


async def add_note(session: AsyncSession, person: Person, case_id: int, text: str,
                   now: datetime | None = None) -> Result:
    access.require(person, "case.note")
    case = await cases_repo.by_id(session, case_id)
    if case is None:
        return Result(None, Problem.NOT_FOUND)
    text = text.strip()
    if not text:
        return Result(case, Problem.EMPTY)
    if len(text) > MAX_NOTE:
        return Result(case, Problem.TOO_LONG)
    case.updated_at = now or datetime.now(UTC)
    await cases_repo.add_event(session, case.id, "note", "consultant", person.record_id,
                               {"text": text})
    return Result(case)


# ---- answering parents ----------------------------------------------------------------------
# Prepared answers a consultant can send; the parent receives them in their own language.
TEMPLATES: dict[str, str] = {
    "call_this_week": N_("📞 The library will call you this week."),
    "come_to_library": N_("🏛️ Please come to the library. We will help you there."),
    "answer_here": N_("💬 Please answer here in the chat. You can also send a voice "
                      "message 🎤."),
    "received": N_("✅ We have your message. We will help you soon."),
}
# Not "meet": its answer lists the consultant's next presence hours (bot.presence), from
# the database, which a prepared answer does not read.
PREPARED: tuple[str, ...] = (*TEMPLATES, *(t for t in TOPICS if t not in ("contact", "meet")))
PREPARED_LABELS: dict[str, str] = {
    "call_this_week": NS_("📞 We will call you this week"),
    "come_to_library": NS_("🏛️ Come to the library (+ hours)"),
    "answer_here": NS_("💬 Please answer here"),
    "received": NS_("✅ We have your message"),
    "library": NS_("ℹ️ Library: address and hours"),
    "boekstart": NS_("ℹ️ BoekStart"),
    "dutch": NS_("ℹ️ Learning Dutch at the Taalpunt"),
    "digital": NS_("ℹ️ Help with computer and DigiD"),
    "activities": NS_("ℹ️ Reading aloud and the reading tent"),
}


def prepared_answer(key: str, facts: LibraryFacts, village: str | None = None
                    ) -> answers.Answer:
    """A prepared answer in the current language (set it to the parent's). The library's
    answers name the branch of the family's village (`village`, when the case knows it),
    else ask which village, with a button per branch (`choices`)."""
    if key == "come_to_library":
        return answers.library_answer(facts, village=village, lead=_(TEMPLATES[key]))
    if key == "library":
        return answers.library_answer(facts, village=village)
    if key in TEMPLATES:
        return answers.Answer(_(TEMPLATES[key]))
    return answers.Answer(answers.answer_text(key, facts))


def place_buttons(facts: LibraryFacts, choices: tuple[int, ...]) -> dict[str, Any] | None:
    """A button per branch under a message from the library (Bot API JSON, as the outbox
    stores it): a tap answers with that branch's address and hours."""
    if not choices:
        return None
    return {"inline_keyboard": [
        [{"text": answers.place_label(facts.places[i]),
          "callback_data": PlaceButton("send", i).pack()}] for i in choices]}


@dataclass(frozen=True)
class _Reachable:
    """A case's parent who can still be written to, and their chat."""
    parent: Parent
    chat_id: int


async def _parent_of(session: AsyncSession, case: Case) -> _Reachable | Problem:
    if case.anonymised_at is not None:
        return Problem.ERASED
    parent = await session.get(Parent, case.parent_id) if case.parent_id else None
    if parent is None or parent.telegram_user_id is None:
        return Problem.NO_PARENT
    return _Reachable(parent, parent.telegram_user_id)


def _parent_language(parent: Parent, case: Case) -> str:
    language = parent.language or case.family_language
    return language if language in LANGUAGES else "nl"


async def reply_to_parent(session: AsyncSession, person: Person, case_id: int, *,
                          text: str | None = None, prepared: str | None = None,
                          facts: LibraryFacts | None = None, translated: str | None = None
                          ) -> Result:
    """A consultant's message to the parent, through the outbox, kept on the case.
    `translated`: a machine translation of `text` into the parent's language, which the
    parent gets first, labelled, with the text as typed under it."""
    access.require(person, "case.reply")
    case = await cases_repo.by_id(session, case_id)
    if case is None:
        return Result(None, Problem.NOT_FOUND)
    reachable = await _parent_of(session, case)
    if isinstance(reachable, Problem):
        return Result(case, reachable)
    parent = reachable.parent
    if prepared is not None and (prepared not in PREPARED or facts is None):
        return Result(case, Problem.NOT_ALLOWED)
    body = (text or "").strip()
    if prepared is None and not body:
        return Result(case, Problem.EMPTY)
    if len(body) > MAX_REPLY:
        return Result(case, Problem.TOO_LONG)
    language = _parent_language(parent, case)
    markup = None
    with use_language(language):
        header = _("💬 A message from the library:")
        if prepared is not None and facts is not None:  # both checked above
            answer = prepared_answer(prepared, facts, case.village_known)
            body, markup = answer.text, place_buttons(facts, answer.choices)
        shown = body
        if translated is not None and prepared is None:
            shown = "\n\n".join([translated, _("🌐 Translated by a computer. What the library "
                                                 "wrote:") + "\n" + body])
    message = ParentMessage(parent_id=parent.id, case_id=case.id, direction="out", kind="text",
                            text=body, topic=prepared)
    session.add(message)
    await session.flush()
    case.updated_at = datetime.now(UTC)
    detail: dict[str, Any] = {"message_id": message.id, "prepared": prepared}
    if translated is not None and prepared is None:
        detail["translated"] = language
    await cases_repo.add_event(session, case.id, "reply", "consultant", person.record_id, detail)
    await outbox.queue_message(session, chat_id=reachable.chat_id,
                               text=f"{header}\n\n{shown}", dedupe_key=f"reply:{message.id}",
                               reply_markup=markup, case_id=case.id, language=language)
    return Result(case)


# ---- a typed reply in another language: its machine translation, looked at first ----------
REPLY_CONFIRM = "confirm"  # the CASE_REPLY flow's step while the preview is out


async def typed_reply(session: AsyncSession, person: Person, case_id: int, text: str, *,
                      translating: bool) -> Result:
    """A reply the consultant typed. In the parent's language (or without translation set
    up) it goes at once; else the consultant first gets a preview with its machine translation
    (made by the outbox relay, outside this transaction) and chooses: with the translation,
    the original only, or not at all (`send_typed`)."""
    access.require(person, "case.reply")
    case = await cases_repo.by_id(session, case_id)
    if case is None:
        return Result(None, Problem.NOT_FOUND)
    reachable = await _parent_of(session, case)
    body = text.strip()
    if isinstance(reachable, Problem) or not body or len(body) > MAX_REPLY:
        return await reply_to_parent(session, person, case_id, text=body)  # says what is wrong
    target = _parent_language(reachable.parent, case)
    source = translation.staff_language(body, person.language)
    if source == target:
        return await reply_to_parent(session, person, case_id, text=body)
    if not translating:
        result = await reply_to_parent(session, person, case_id, text=body)
        result.untranslated = translation.reason_text(translation.Reason.NOT_CONFIGURED,
                                                      source, target)
        return result
    nonce = secrets.token_hex(4)
    order = {"kind": "reply", "text": body, "source": source, "target": target,
             "case_id": case.id, "reference": case.reference, "nonce": nonce,
             "staff": person.language}
    await flows.begin(session, person, flows.CASE_REPLY, REPLY_CONFIRM,
                      {"case_id": case.id, "text": body, "source": source, "target": target,
                       "nonce": nonce})
    preview, markup = reply_preview(order, None)  # as it goes if the relay cannot translate
    await outbox.queue_message(session, chat_id=person.telegram_user_id, text=preview,
                               reply_markup=markup, case_id=case.id,
                               dedupe_key=f"preview:{nonce}:{person.telegram_user_id}",
                               language=person.language or "nl",
                               instructions={notify.TRANSLATE: order})
    return Result(case, translating=target)


def reply_preview(order: dict[str, Any], outcome: translation.Outcome | None
                  ) -> tuple[str, dict[str, Any]]:
    """The consultant's look at her reply before it goes (text and buttons, as Bot API JSON),
    in the current language (hers): with its machine translation, or why there is none."""
    case_id, nonce = int(order["case_id"]), str(order["nonce"])
    reference, body = order["reference"], order["text"]

    def button(label: str, action: CaseAction) -> dict[str, str]:
        return {"text": label, "callback_data": CaseButton(action, case_id, nonce).pack()}

    cancel = {"text": _("✖️ Cancel"), "callback_data": CaseButton("cancel", case_id).pack()}
    original = button(S_("📨 Send original only"), "sendorig")
    if outcome is not None and outcome.text is not None:
        text = "\n\n".join([
            S_("🌐 Your message to the parent of case {reference}, with a machine translation "
               "into {language}:").format(reference=reference,
                                          language=translation.language_label(order["target"])),
            outcome.text, S_("Your text:") + "\n" + body])
        rows = [[button(S_("🌐 Send with translation"), "sendtr")], [original, cancel]]
        return text, {"inline_keyboard": rows}
    lines = []
    if outcome is not None:
        reason = translation.reason_text(outcome.reason or translation.Reason.DOWN,
                                         order["source"], order["target"])
        lines.append(S_("🌐 Not translated: {reason}.").format(reason=reason))
    lines.append(S_("Your message to the parent of case {reference}:").format(
        reference=reference))
    return "\n".join(lines) + "\n\n" + body, {"inline_keyboard": [[original, cancel]]}


async def send_typed(session: AsyncSession, person: Person, case_id: int, nonce: str,
                     with_translation: bool) -> Result:
    """The consultant's choice under the preview: send with the translation, or the
    original only. A button of a reply that was sent, cancelled or typed anew is stale."""
    access.require(person, "case.reply")
    state = await flows.current(session, person)
    data = state.data if state is not None else {}
    if (state is None or state.flow != flows.CASE_REPLY or state.step != REPLY_CONFIRM
            or data.get("nonce") != nonce or data.get("case_id") != case_id):
        return Result(await cases_repo.by_id(session, case_id), Problem.STALE)
    body, source, target = str(data["text"]), str(data["source"]), str(data["target"])
    translated = None
    if with_translation:
        found = await translation.stored(session, [(body, source, target)])
        translated = found.get((body, source, target))
        if translated is None:  # the preview had none to offer
            return Result(await cases_repo.by_id(session, case_id), Problem.NOT_ALLOWED)
    await flows.end(session, person)
    return await reply_to_parent(session, person, case_id, text=body, translated=translated)


# ---- did the family get help? ---------------------------------------------------------------
async def followup_answer(session: AsyncSession, person: Person, case_id: int, helped: bool,
                          now: datetime | None = None) -> Result:
    """The parent's answer; a "no" reopens the case for the consultant."""
    now = now or datetime.now(UTC)
    case = await cases_repo.by_id(session, case_id)
    if (case is None or person.record_id is None or case.parent_id != person.record_id
            or case.status != "closed" or case.helped is not None):
        return Result(case, Problem.NOT_ALLOWED)
    case.helped = helped
    event = await cases_repo.add_event(session, case.id, "followup_answer", "parent",
                                       person.record_id, {"helped": helped})
    if not helped:
        await session.execute(
            update(Case).where(Case.id == case.id, Case.status == "closed")
            .values(status="taken", closed_at=None, updated_at=now)
            .execution_options(synchronize_session=False))
        await session.refresh(case)
        await cases_repo.add_event(session, case.id, "reopen", "parent", person.record_id)
        await notify.consultants(
            session, case, f"followup-no:{event.id}",
            lambda: S_("🔁 The family of case {reference} did not get the help they needed. "
                       "The case is open again.").format(reference=case.reference))
    return Result(case)
