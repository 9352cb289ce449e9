"""The consultant's case work: /cases (the inbox), /case REFERENCE, the case buttons, and
/stats and /export. The rules are in `bot.cases` and `bot.inbox`; this module renders them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial

from telegram import CallbackQuery, InlineKeyboardMarkup, Message, Update

from bot import cases, charts, figures, flows, inbox, notify, privacy, referrals, translation
from bot.callbacks import CaseAction, CaseButton, Dismiss, InboxButton
from bot.cases import Case, CaseCard, Change, Problem
from bot.context import BotContext, Later
from bot.flows import FlowState
from bot.i18n import NS_, S_, Sngettext, _, current_language, use_language
from handlers.common import (
    ButtonRow,
    allowed_to,
    consultants_only,
    edit_pressed,
    inline,
    pressed,
    text_of,
)

PROBLEMS: dict[Problem, str] = {
    Problem.NOT_FOUND: NS_("This case does not exist."),
    Problem.NOT_ALLOWED: NS_("This is not possible in the case's current status."),
    Problem.NO_PARENT: NS_("The family has not opened the bot yet: there is nobody to "
                           "write to."),
    Problem.ERASED: NS_("The parent asked to erase their data: the case takes no messages."),
    Problem.EMPTY: NS_("Please type a text."),
    Problem.TOO_LONG: NS_("That is too long: at most 1000 characters."),
    Problem.STALE: NS_("This button is no longer valid."),
}
EVENT_NAMES: dict[str, str] = {
    "created": NS_("created"),
    "viewed": NS_("viewed"),
    "take": NS_("taken"),
    "taken": NS_("taken"),
    "contacted": NS_("contact made"),
    "close": NS_("closed"),
    "reopen": NS_("reopened"),
    "note": NS_("note"),
    "reply": NS_("message to the parent"),
    "parent_message": NS_("message from the parent"),
    "parent_attachment": NS_("attachment from the parent"),
    "contact_requested": NS_("parent asked for contact"),
    "family_linked": NS_("family opened the link"),
    "family_link_renewed": NS_("new family link made by the referrer"),
    "erased_on_request": NS_("parent's data erased on request"),
    "followup_asked": NS_("asked the parent: did you get help?"),
    "followup_answer": NS_("parent answered the follow-up"),
    "exported": NS_("exported"),
    "anonymised": NS_("anonymised (retention period over)"),
    "undelivered": NS_("⚠️ a message could not be delivered"),
}
# Who did something on a case, or whom a message was for (an event's actor kind).
ROLE_NAMES: dict[str, str] = {"partner": NS_("referrer"), "parent": NS_("parent"),
                              "system": NS_("bot")}
ATTACHMENT_ICONS = {"photo": "📷", "voice": "🎤", "audio": "🎤", "document": "📄"}
CHANGE_DONE: dict[Change, str] = {
    Change.TAKE: NS_("✋ You took case {reference}."),
    Change.CONTACTED: NS_("📞 Contact made on case {reference}."),
    Change.CLOSE: NS_("🏁 Case {reference} is closed."),
    Change.REOPEN: NS_("🔁 Case {reference} is open again."),
}
SENT = NS_("✅ Sent to the parent of case {reference}.")
MAX_CARD = 4000  # Telegram's limit is 4096


# ---- rendering ------------------------------------------------------------------------------
def _local(moment: datetime | None, context: BotContext, fmt: str = "%d-%m %H:%M") -> str:
    if moment is None:
        return "–"
    return moment.astimezone(context.services.settings.zone).strftime(fmt)


def _age(case: Case, now: datetime) -> str:
    days = (now - case.created_at).days
    return S_("{days} d").format(days=days) if days else S_("today")


def _details(card: CaseCard) -> list[str]:
    case = card.case
    status = S_(cases.STATUS_NAMES.get(case.status, case.status))
    data = {"language": case.family_language, "language_other": case.family_language_other,
            "contact": case.contact_method, "phone": case.phone}
    contact = (referrals.contact_label(data) if case.contact_method != "chat"
               else S_("💬 in the bot"))
    lines = [S_("📂 Case {reference} – {status}").format(reference=case.reference,
                                                        status=status)
             + (f" ({card.holder})" if card.holder else ""),
             S_("🏢 From: {source}").format(source=cases.source_name(case)),
             _("🏡 Village: {value}").format(value=case.village or "–"),
             _("🌍 Language: {value}").format(value=referrals.family_language_label(data)),
             _("👶 Children: {value}").format(value=referrals.ages_label(case.child_ages or [])),
             _("🎯 Needs: {value}").format(value=referrals.needs_label(
                 [n.need for n in case.needs], case.need_other)),
             _("☎️ Contact: {value}").format(value=contact),
             _("📝 Note: {value}").format(value=case.note or "–")]
    lines.append(_waited(case))
    if case.outcome:
        lines.append(S_("🏁 Outcome: {outcome}").format(outcome=S_(cases.OUTCOMES[case.outcome])))
    if case.helped is not None:
        lines.append(S_("🙂 Family got help: yes") if case.helped
                     else S_("🙁 Family got help: no"))
    if case.anonymised_at is not None:
        lines.append(_("🗑️ The parent asked to erase their data."))
    return lines


def _event_line(card: CaseCard, event: cases.CaseEvent, context: BotContext) -> str:
    who = (card.names.get(event.actor_id or 0) if event.actor_kind == "consultant"
           else S_(ROLE_NAMES.get(event.actor_kind, event.actor_kind)))
    what = S_(EVENT_NAMES.get(event.kind, event.kind))
    if event.kind == "note":
        what += ": " + str(event.detail.get("text", ""))[:300]
    if event.kind == "undelivered":
        to = event.detail.get("to")
        if to in ROLE_NAMES:
            what += f" ({S_(ROLE_NAMES[to])})"
        what += ": " + notify.undelivered_reason(event.detail.get("error"))
    if event.kind == "close" and event.detail.get("outcome") in cases.OUTCOMES:
        what += ": " + S_(cases.OUTCOMES[event.detail["outcome"]])
    return f"{_local(event.created_at, context)} · {who or '–'} · {what}"


def _waited(case: Case) -> str:
    """How long the family has waited for the library, or waited until the first contact."""
    if case.first_contact_at is not None:
        days = (case.first_contact_at - case.created_at).days
        return Sngettext("⏱️ First contact after {days} day", "⏱️ First contact after {days} days",
                         days).format(days=days)
    if case.status == "closed":
        return S_("⏱️ No contact made")
    days = (datetime.now(UTC) - case.created_at).days
    if days == 0:
        return S_("⏳ Waiting since today")
    return Sngettext("⏳ The family has waited {days} day", "⏳ The family has waited {days} days",
                     days).format(days=days)


def card_text(context: BotContext, card: CaseCard) -> str:
    lines = _details(card)
    if card.messages:
        lines += ["", S_("💬 Messages:")]
        for message in card.messages[-10:]:
            arrow = "⬅️" if message.direction == "in" else "➡️"
            icon = ATTACHMENT_ICONS.get(message.kind, "")
            body = (message.text or "")[:300]
            lines.append(f"{_local(message.created_at, context)} {arrow} {icon} {body}".rstrip())
            if message.id in card.translations:
                lines.append("    " + S_("🌐 Machine translation: {text}").format(
                    text=card.translations[message.id][:300]))
    lines += ["", S_("🕓 History:")]
    lines += [_event_line(card, event, context) for event in card.events[-15:]]
    return "\n".join(lines)[:MAX_CARD]


def card_buttons(card: CaseCard) -> InlineKeyboardMarkup:
    """The buttons under a case card: the allowed status changes, then note, reply, files."""
    case = card.case

    def button(action: CaseAction) -> CaseButton:
        return CaseButton(action, case.id)

    labels = {Change.TAKE: S_("✋ Take"), Change.CONTACTED: S_("📞 Contact made"),
              Change.CLOSE: S_("🏁 Close"), Change.REOPEN: S_("🔁 Reopen")}
    rows = [[(labels[c], button(c.value)) for c in cases.allowed_changes(case.status)]]
    if case.status != "closed":
        row = [(S_("📝 Note"), button("note"))]
        if case.parent_id is not None and case.anonymised_at is None:
            row += [(S_("💬 Reply"), button("reply")), (S_("📋 Prepared answer"), button("prep"))]
        rows.append(row)
    if case.parent_id is not None and case.anonymised_at is None:
        # The parent's rights, served by the consultant on their request.
        rows.append([(S_("📄 Parent's data"), button("data")),
                     (S_("🗑️ Erase parent's data"), button("erase"))])
    last = [(S_("🔄 Refresh"), button("open"))]
    if card.attachments:
        last.append((S_("📎 Attachments ({count})").format(count=len(card.attachments)),
                     button("files")))
    rows.append(last)
    return inline(rows)


def show_card(context: BotContext, card: CaseCard) -> None:
    """A new card message (for /case and the inbox's buttons)."""
    context.reply(card_text(context, card), reply_markup=card_buttons(card),
                  shown_case=(card.case.id, card.case.reference))


def _where(query: CallbackQuery) -> cases.Where | None:
    message = query.message
    return (message.chat.id, message.message_id) if message is not None else None


async def redraw(context: BotContext, query: CallbackQuery, card: CaseCard, extra: str = "",
                 markup: InlineKeyboardMarkup | None = None) -> None:
    """The pressed message becomes the case's living card, with `extra` (a question, a
    problem) below it and `markup` instead of the card's buttons."""
    where = _where(query)
    if where is None:  # too old for Telegram to say which message: a new card
        show_card(context, card)
        return
    await cases.showing(context.session, where, card.case)
    context.edit(where[1], _with_extra(context, card, extra), markup or card_buttons(card))


def _with_extra(context: BotContext, card: CaseCard, extra: str) -> str:
    text = card_text(context, card)
    if not extra:
        return text
    return text[:MAX_CARD - len(extra) - 2] + "\n\n" + extra


def _report(context: BotContext, result: cases.Result, done: str) -> None:
    """The outcome of a typed note or message in one short line: done, or why not."""
    context.reply(S_(done).format(reference=result.case.reference)
                  if result.ok and result.case is not None else _problem(result))


def _problem(result: cases.Result) -> str:
    if result.problem is Problem.NOT_ALLOWED and result.holder and result.case is not None:
        return S_("⚠️ Case {reference} was already taken by {name}.").format(
            reference=result.case.reference, name=result.holder)
    return S_(PROBLEMS[result.problem or Problem.NOT_FOUND])


# ---- commands -------------------------------------------------------------------------------
@allowed_to("case.open")
async def case_command(update: Update, context: BotContext) -> None:
    case_id = await cases.find(context.session, context.person, (context.args or [""])[0])
    card = await cases.open_card(context.session, context.person, case_id) if case_id else None
    if card is None:
        context.reply(S_("Which case? For example: /case 2026-0001 (see /cases)."))
        return
    show_card(context, card)


@allowed_to("case.list")
async def inbox_command(update: Update, context: BotContext) -> None:
    villages = context.services.facts.villages
    code = await inbox.code_for_words(context.session, context.args or [], villages)
    page = (await inbox.page(context.session, context.person, villages, code, 0)
            if code is not None else None)
    if page is None:
        context.reply(S_("Unknown filter. Try: /cases, /cases waiting, /cases mine, /cases new, "
                         "/cases closed, /cases all, /cases parent, a village, a need (reading, "
                         "dutch, digital, letters, other) or the start of an organisation's "
                         "name."))
        return
    context.reply(*render_inbox(context, page))


def render_inbox(context: BotContext, page: inbox.InboxPage) -> tuple[str, InlineKeyboardMarkup]:
    now = datetime.now(UTC)
    lines = [S_("📥 Cases ({filter}): {total} · page {page}/{pages}").format(
        filter=page.code, total=page.total, page=page.number + 1, pages=page.pages)]
    rows: list[ButtonRow] = []
    for case in page.cases:
        needs = cases.need_names([n.need for n in case.needs])
        lines.append(" · ".join([case.reference, _age(case, now), cases.source_name(case),
                                 case.village or "–", needs,
                                 S_(cases.STATUS_NAMES.get(case.status, case.status)),
                                 page.holder(case) or "–"]))
        rows.append([(S_("📂 {reference}").format(reference=case.reference),
                      CaseButton("open", case.id))])
    if not page.cases:
        lines.append(S_("No cases."))
    nav = []
    if page.number > 0:
        nav.append(("⬅️", InboxButton(page.code, page.number - 1)))
    if page.number + 1 < page.pages:
        nav.append(("➡️", InboxButton(page.code, page.number + 1)))
    if nav:
        rows.append(nav)
    rows.append([(S_("📂 Open"), InboxButton("open", 0)), (S_("🆕 New"), InboxButton("new", 0)),
                 (S_("✋ Mine"), InboxButton("mine", 0)),
                 (S_("✅ Closed"), InboxButton("closed", 0))])
    rows.append([(v, InboxButton(f"v{i}", 0))
                 for i, v in enumerate(context.services.facts.villages)])
    rows.append([(S_("⏳ Waiting"), InboxButton("waiting", 0)),
                 (S_("🙋 From parents"), InboxButton("parent", 0)),
                 (S_("🗂️ All"), InboxButton("all", 0))])
    return "\n".join(lines), inline(rows)


@allowed_to("case.list")
async def inbox_button(update: Update, context: BotContext) -> None:
    query, button = pressed(update, InboxButton)
    page = await inbox.page(context.session, context.person, context.services.facts.villages,
                            button.code, button.page)
    if page is None:
        context.answer(query.id, _("This button does not work any more."))
        return
    context.answer(query.id)
    edit_pressed(context, query, *render_inbox(context, page))


# ---- the case buttons, one handler per action (registered in handlers/__init__.py) ----------
@allowed_to("case.open")
async def open_case(update: Update, context: BotContext) -> None:
    """📂 Open (and ⬅️ Back, 🔄 Refresh): a notification or card of the case becomes its card
    in place; from the inbox a new card comes, and older ones in this chat become summaries."""
    query, button = pressed(update, CaseButton)
    context.answer(query.id)
    card = await cases.open_card(context.session, context.person, button.case_id)
    if card is None:
        context.reply(S_(PROBLEMS[Problem.NOT_FOUND]))
        return
    where = _where(query)
    if where is not None and await cases.card_shown_at(context.session, where, card.case.id):
        await redraw(context, query, card)
        return
    await cases.newest_card_only(context.session, card.case, context.person.telegram_user_id,
                                 stamp=query.id)
    show_card(context, card)


@allowed_to("case.open")
async def change_status(update: Update, context: BotContext) -> None:
    """Take, contact made, reopen, and close with an outcome (`out`): the card changes in
    place, and so does every colleague's notification and card of the case."""
    query, button = pressed(update, CaseButton)
    what = Change.CLOSE if button.action == "out" else Change(button.action)
    result = await cases.change(context.session, context.person, button.case_id, what,
                                button.argument, where=_where(query))
    if result.case is None:
        context.answer(query.id, _problem(result))
        return
    card = await cases.card(context.session, result.case)
    if not result.ok:  # e.g. a colleague took it first: said on the card itself
        context.answer(query.id, _problem(result))
        await redraw(context, query, card, _problem(result))
        return
    context.answer(query.id, S_(CHANGE_DONE[what]).format(reference=result.case.reference))
    await redraw(context, query, card)


async def _menu_on_card(update: Update, context: BotContext, question: str,
                        choices: list[tuple[str, CaseButton]]) -> None:
    """A question with one button per choice, and ⬅️ Back, shown on the case's card."""
    query, button = pressed(update, CaseButton)
    context.answer(query.id)
    card = await cases.current_card(context.session, context.person, button.case_id)
    if card is None:
        return
    rows: list[ButtonRow] = [[choice] for choice in choices]
    rows.append([(S_("⬅️ Back"), CaseButton("open", button.case_id))])
    await redraw(context, query, card, question, inline(rows))


@allowed_to("case.close")
async def ask_outcome(update: Update, context: BotContext) -> None:
    _query, button = pressed(update, CaseButton)
    await _menu_on_card(update, context, S_("🏁 How did it end?"),
                        [(S_(label), CaseButton("out", button.case_id, key))
                         for key, label in cases.OUTCOMES.items()])


@allowed_to("case.reply")
async def ask_prepared(update: Update, context: BotContext) -> None:
    _query, button = pressed(update, CaseButton)
    await _menu_on_card(update, context,
                        S_("📋 Which answer? The parent gets it in their own language."),
                        [(S_(cases.PREPARED_LABELS[key]), CaseButton("send", button.case_id, key))
                         for key in cases.PREPARED])


@allowed_to("case.reply")
async def send_prepared(update: Update, context: BotContext) -> None:
    query, button = pressed(update, CaseButton)
    result = await cases.reply_to_parent(context.session, context.person, button.case_id,
                                         prepared=button.argument, facts=context.services.facts)
    if result.case is None:
        context.answer(query.id, _problem(result))
        return
    context.answer(query.id, S_(SENT).format(reference=result.case.reference) if result.ok
                   else _problem(result))
    await redraw(context, query, await cases.card(context.session, result.case),
                 "" if result.ok else _problem(result))


def _typing_prompt(note: bool, reference: str, translating: bool) -> str:
    if note:
        prompt = S_("📝 Type the note for case {reference}.")
    elif translating:
        prompt = S_("💬 Type your message to the parent of case {reference}. If they read "
                    "another language, you see a machine translation before it goes.")
    else:
        prompt = S_("💬 Type your message to the parent of case {reference}. They get it "
                    "as you write it; for another language use a prepared answer.")
    return prompt.format(reference=reference)


@allowed_to("case.note")
async def start_typing(update: Update, context: BotContext) -> None:
    """📝 Note or 💬 Reply: the consultant's next text is the note or the message; the card
    asks for it, and shows it once it has come."""
    query, button = pressed(update, CaseButton)
    note = button.action == "note"
    where = _where(query)
    case = await cases.start_typing(context.session, context.person, button.case_id,
                                    flows.CASE_NOTE if note else flows.CASE_REPLY,
                                    card_message_id=where[1] if where else None)
    if case is None:
        context.answer(query.id, S_(PROBLEMS[Problem.NOT_FOUND]))
        return
    context.answer(query.id)
    await redraw(context, query, await cases.card(context.session, case),
                 _typing_prompt(note, case.reference, context.services.translation.configured),
                 inline([[(_("✖️ Cancel"), CaseButton("cancel", case.id))]]))


@allowed_to("case.note")
async def cancel_typing(update: Update, context: BotContext) -> None:
    query, button = pressed(update, CaseButton)
    await cases.stop_typing(context.session, context.person)
    context.answer(query.id, S_("Cancelled. Nothing was saved."))
    card = await cases.current_card(context.session, context.person, button.case_id)
    if card is not None:
        await redraw(context, query, card)


@allowed_to("case.open")
async def send_attachments(update: Update, context: BotContext) -> None:
    query, button = pressed(update, CaseButton)
    card = await cases.open_card(context.session, context.person, button.case_id)
    if card is None:
        context.answer(query.id, S_(PROBLEMS[Problem.NOT_FOUND]))
        return
    context.answer(query.id)
    for message in card.attachments[-10:]:
        if message.telegram_file_id:
            context.reply_stored_file(
                message.kind, message.telegram_file_id,
                f"{card.case.reference} · {_local(message.created_at, context)}")


# ---- the parent's rights, on their request ---------------------------------------------------
def _no_parent(found: privacy.ForParent | None) -> str:
    if found is None:
        return S_(PROBLEMS[Problem.NOT_FOUND])
    return S_(PROBLEMS[Problem.ERASED if found.case.anonymised_at else Problem.NO_PARENT])


@allowed_to("parent.data")
async def parent_data(update: Update, context: BotContext) -> None:
    """📄 Parent's data: what the bot keeps about the case's parent, in their language, as a
    file the consultant can hand over (recorded in the audit log)."""
    query, button = pressed(update, CaseButton)
    found = await privacy.parent_data_for_case(context.session, context.person, button.case_id)
    for_parent, data = found if found is not None else (None, None)
    if for_parent is None or data is None:
        context.answer(query.id, _no_parent(for_parent))
        return
    context.answer(query.id)
    with use_language(data.language or "nl"):
        text = privacy.data_text(data, context.services.settings.zone)
    reference = for_parent.case.reference
    context.reply_document(
        text.encode("utf-8"), f"parent-data-{reference}.txt",
        caption=S_("📄 What the bot keeps about the parent of case {reference}, in their "
                   "language, to give them on their request. This was recorded in the audit "
                   "log.").format(reference=reference))


@allowed_to("parent.erase")
async def ask_erase(update: Update, context: BotContext) -> None:
    query, button = pressed(update, CaseButton)
    found = await privacy.case_parent(context.session, context.person, "parent.erase",
                                      button.case_id)
    if found is None or found.parent is None:
        context.answer(query.id, _no_parent(found))
        return
    context.answer(query.id)
    context.reply(
        S_("🗑️ Erase everything the bot keeps about the parent of case {reference} (their "
           "phone number, messages and language), as they asked? The case stays, without "
           "personal data. This cannot be undone.").format(reference=found.case.reference),
        reply_markup=inline([[(S_("🗑️ Yes, erase"), CaseButton("eraseok", found.case.id)),
                              (S_("No, keep it"), Dismiss("erase"))]]))


@allowed_to("parent.erase")
async def erase_parent(update: Update, context: BotContext) -> None:
    """The same erasure as the parent's /forget, on their behalf (recorded)."""
    query, button = pressed(update, CaseButton)
    found = await privacy.erase_for_parent(context.session, context.person, button.case_id,
                                           context.services.facts.villages)
    if found is None or found.parent is None:
        context.answer(query.id, _no_parent(found))
        return
    context.answer(query.id)
    edit_pressed(context, query, S_("✅ The data of the parent of case {reference} was erased. "
                                    "Please also delete their messages from this chat.")
                 .format(reference=found.case.reference))


async def on_text(update: Update, context: BotContext, state: FlowState) -> None:
    """The typed note or message of a CASE_NOTE / CASE_REPLY flow: the card that asked for it
    shows it (or what was wrong with it), plus one short line here. A message in another
    language than the parent's first comes back with its machine translation (a preview the
    outbox relay sends once it is translated)."""
    translating = context.services.translation.configured
    result = await cases.finish_typing(context.session, context.person, state, text_of(update),
                                       translating=translating)
    if result is None:
        consultants_only(context)
        return
    note = state.flow == flows.CASE_NOTE
    card_id = state.data.get("card")
    if result.case is not None and isinstance(card_id, int):
        card = await cases.card(context.session, result.case)
        await cases.showing(context.session, (context.person.telegram_user_id, card_id),
                            card.case)
        if result.problem in (Problem.EMPTY, Problem.TOO_LONG):  # asked again on the card
            extra = _problem(result) + "\n" + _typing_prompt(note, result.case.reference,
                                                              translating)
            context.edit(card_id, _with_extra(context, card, extra),
                         inline([[(_("✖️ Cancel"), CaseButton("cancel", result.case.id))]]))
            return
        context.edit(card_id, card_text(context, card), card_buttons(card))
    if result.translating is not None:
        context.reply(S_("🌐 Translating into {language}…").format(
            language=translation.language_label(result.translating)))
        return
    _report(context, result, NS_("📝 Note saved on case {reference}.") if note else SENT)
    if result.ok and result.untranslated:
        context.reply(S_("🌐 Not translated: {reason}.").format(reason=result.untranslated))


@allowed_to("case.reply")
async def send_typed(update: Update, context: BotContext) -> None:
    """🌐 Send with translation / 📨 Send original only, under the preview of a reply."""
    query, button = pressed(update, CaseButton)
    result = await cases.send_typed(context.session, context.person, button.case_id,
                                    button.argument or "", button.action == "sendtr")
    message = query.message
    done = (S_(SENT).format(reference=result.case.reference)
            if result.ok and result.case is not None else _problem(result))
    context.answer(query.id, done)
    if result.ok and isinstance(message, Message) and message.text:
        context.edit(message.message_id, f"{message.text}\n\n{done}")  # its buttons go


# ---- figures --------------------------------------------------------------------------------
def _period(context: BotContext) -> figures.Period | None:
    try:
        return figures.parse_period(" ".join(context.args or []), context.services.settings.zone)
    except figures.PeriodError:
        context.reply(S_("Which period? For example /stats 2026, /stats 2026-11 or /stats all."))
        return None


@allowed_to("stats")
async def stats_command(update: Update, context: BotContext) -> None:
    period = _period(context)
    if period is None:
        return
    # Read after the commit, in a session of their own: no transaction waits for the read,
    # nor (on SQLite) everyone else's writes. The chart is drawn from the same figures, in a
    # thread (bot.charts).
    services, person = context.services, context.person
    zone, now = services.settings.zone, services.now()

    async def send_stats(later: Later) -> None:
        numbers, outreach = await figures.stats_apart(services.sessions, person, period, zone,
                                                      now, services.settings.working_days)
        if not numbers.cases and outreach.empty:
            later.reply(S_("📊 No cases in {period}: nothing to count or draw yet.").format(
                period=period.label))
            return
        later.reply(figures.stats_message(numbers, outreach))
        # Cases, bags, activities: the panels of those there are (without cases, only the
        # bags' and the activities').
        later.reply_rendered(partial(charts.render_png, numbers, current_language(),
                                     outreach=outreach), f"figures-{period.label}.png")

    context.after_commit(send_stats)


@allowed_to("export")
async def export_command(update: Update, context: BotContext) -> None:
    period = _period(context)
    if period is None:
        return
    services, person = context.services, context.person

    async def send_export(later: Later) -> None:  # seconds for every case: after the commit
        content, rows = await figures.export_apart(services.sessions, period,
                                                   services.settings.zone, person)
        later.reply_document(content, f"cases-{period.label}.csv",
                             caption=Sngettext("{count} case, without personal data.",
                                               "{count} cases, without personal data.",
                                               rows).format(count=rows))

    context.after_commit(send_export)
    sheet, sessions = await figures.export_activities(context.session, period,
                                                      context.services.settings.zone,
                                                      context.person)
    if sessions:
        context.reply_document(sheet, f"activities-{period.label}.csv",
                               caption=Sngettext("{count} activity session: sign-ups, waiting "
                                                 "lists and who came.",
                                                 "{count} activity sessions: sign-ups, waiting "
                                                 "lists and who came.", sessions).format(
                                                     count=sessions))
