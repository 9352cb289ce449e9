"""The referral conversation for partner professionals: /refer (/verwijs), buttons, typed steps.

State lives in the database (flow_states), so a restart resumes at the same step. Button data
is `ref:<action>:<generation>:<step>[:<value>]`: codes only, checked against the flow.
"""

from __future__ import annotations

from typing import Any

from telegram import CallbackQuery, InlineKeyboardMarkup, Update

from bot import access, callbacks, referrals
from bot.context import BotContext
from bot.i18n import LANGUAGES, _, language_name
from bot.tokens import deep_link, qr_png
from handlers.common import inline, not_a_partner
from storage.models import FlowState
from storage.repositories import flows

STEP_NUMBER = {"language": 1, "language_other": 1, "village": 2, "village_other": 2, "ages": 3,
               "needs": 4, "need_other": 4, "contact": 5, "phone": 5, "summary": 6, "note": 6}
TOTAL_STEPS = 6


def _data(state: FlowState, action: str, *args: object) -> str:
    return callbacks.encode("ref", action, state.generation, state.step, *args)


def _nav(state: FlowState) -> list[tuple[str, str]]:
    row = []
    if referrals.step_before(state.step, state.data) is not None:
        row.append((_("⬅️ Back"), _data(state, "back")))
    row.append((_("✖️ Cancel"), _data(state, "cancel")))
    return row


def _pairs(buttons: list[tuple[str, str]]) -> list[list[tuple[str, str]]]:
    return [buttons[i:i + 2] for i in range(0, len(buttons), 2)]


def render(state: FlowState, facts_villages: tuple[str, ...]) -> tuple[str, InlineKeyboardMarkup]:
    """The question and buttons of the step the flow is on."""
    step, data = state.step, state.data
    header = _("Referral – step {number} of {total}").format(
        number=STEP_NUMBER[step], total=TOTAL_STEPS)
    rows: list[list[tuple[str, str]]] = []
    if step == "language":
        question = _("🌍 Which language does the family speak best?")
        rows = _pairs([(language_name(code), _data(state, "pick", code)) for code in LANGUAGES])
        rows.append([(_("Another language"), _data(state, "pick", referrals.OTHER))])
    elif step == "village":
        question = _("🏡 Where does the family live?")
        rows = _pairs([(v, _data(state, "pick", i)) for i, v in enumerate(facts_villages)])
        rows.append([(_("Somewhere else"), _data(state, "pick", referrals.OTHER))])
    elif step in ("ages", "needs"):
        options = referrals.AGES if step == "ages" else referrals.NEEDS
        chosen = data.get(step, [])
        question = (_("👶 How old are the children? Tap all that apply, then Next.")
                    if step == "ages" else
                    _("🎯 What does the family need? Tap all that apply, then Next."))
        rows = [[(("✅ " if key in chosen else "▫️ ") + _(label), _data(state, "tog", key))]
                for key, label in options.items()]
        rows.append([(_("Next ➡️"), _data(state, "next"))])
    elif step == "contact":
        question = _("☎️ How can the library reach the family?")
        rows = [[(_(label), _data(state, "pick", key))]
                for key, label in referrals.CONTACTS.items()]
    elif step == "language_other":
        question = _("Please type the name of the language.")
    elif step == "village_other":
        question = _("Please type the name of the place.")
    elif step == "need_other":
        question = _("What else does the family need? Please type it in a few words "
                     "(at most {limit} characters).").format(limit=referrals.MAX_OTHER)
    elif step == "phone":
        question = _("📞 Please type the family's phone number, for example 06 12345678 "
                     "or +48 512 345 678.")
    elif step == "note":
        question = _("📝 Type a short note for the consultant (at most {limit} characters)."
                     ).format(limit=referrals.MAX_NOTE)
    else:  # summary
        question = referrals.summary_text(data)
        rows = [
            [(_("✅ Yes, they agreed – send"), _data(state, "ok", "yes"))],
            [(_("🔗 No – send without contact details"), _data(state, "ok", "no"))],
            [(_("✏️ Language"), _data(state, "edit", "language")),
             (_("✏️ Village"), _data(state, "edit", "village"))],
            [(_("✏️ Children"), _data(state, "edit", "ages")),
             (_("✏️ Needs"), _data(state, "edit", "needs"))],
            [(_("✏️ Contact"), _data(state, "edit", "contact")),
             (_("📝 Note"), _data(state, "note"))],
        ]
        return f"{header}\n\n{question}", inline(rows + [[(_("✖️ Cancel"),
                                                            _data(state, "cancel"))]])
    rows.append(_nav(state))
    return f"{header}\n\n{question}", inline(rows)


async def refer(update: Update, context: BotContext) -> None:
    """/refer and /verwijs: start a referral, or show where an unfinished one stands."""
    person = context.person
    if not access.can(person, "referral.create"):
        not_a_partner(context)
        return
    state = await flows.get(context.session, person.telegram_user_id)
    if state is None or state.flow != referrals.FLOW:
        state = await referrals.start(context.session, person)
    else:
        context.reply(_("You have a referral in progress. Here is where you were:"))
    text, markup = render(state, context.services.facts.villages)
    context.reply(text, reply_markup=markup)


async def on_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    person = context.person
    data = callbacks.decode(query.data)
    state = await flows.get(context.session, person.telegram_user_id)
    generation = data.int_arg(0) if data else None
    if (data is None or not access.can(person, "referral.create") or state is None
            or state.flow != referrals.FLOW or generation != state.generation
            or data.arg(1) != state.step):
        context.answer(query.id, _("This button belongs to a finished or older step. "
                                   "Send /refer to see your referral."))
        return
    problem = await _apply(context, query, state, data.action, data.arg(2))
    if problem == "done":
        return
    context.answer(query.id, problem)
    if problem is None:
        text, markup = render(state, context.services.facts.villages)
        context.edit(query.message.message_id, text, markup)


async def _apply(context: BotContext, query: CallbackQuery, state: FlowState, action: str,
                 value: str | None) -> str | None:
    """Change the flow for one button; returns a short problem text, None, or "done"."""
    data: dict[str, Any] = dict(state.data)
    step = state.step
    villages = context.services.facts.villages
    session = context.session
    if action == "cancel":
        await flows.end(session, context.person.telegram_user_id)
        context.answer(query.id)
        context.edit(query.message.message_id, _("Referral cancelled. Nothing was saved."))
        return "done"
    if action == "back":
        previous = referrals.step_before(step, data)
        if previous is None:
            return _("This is the first step.")
        if previous == "summary":
            data.pop("editing", None)
        await flows.save(session, state, previous, data)
        return None
    if action == "edit" and step == "summary" and value in ("language", "village", "ages",
                                                             "needs", "contact"):
        data["editing"] = True
        await flows.save(session, state, value, data)
        return None
    if action == "note" and step == "summary":
        await flows.save(session, state, "note", data)
        return None
    if action == "pick":
        if step == "language" and value in (*LANGUAGES, referrals.OTHER):
            data["language"] = value
        elif step == "village" and (value == referrals.OTHER or (
                value is not None and value.isdigit() and int(value) < len(villages))):
            data["village"] = value if value == referrals.OTHER else villages[int(value)]
        elif step == "contact" and value in referrals.CONTACTS:
            data["contact"] = value
            if value != "phone":
                data.pop("phone", None)
        else:
            return _("This button is no longer valid.")
        await _advance(session, state, data)
        return None
    if action == "tog" and step in ("ages", "needs"):
        options = referrals.AGES if step == "ages" else referrals.NEEDS
        if value not in options:
            return _("This button is no longer valid.")
        chosen = list(data.get(step, []))
        chosen.remove(value) if value in chosen else chosen.append(value)
        data[step] = chosen
        await flows.save(session, state, step, data)
        return None
    if action == "next" and step in ("ages", "needs"):
        if not data.get(step):
            return _("Please tap at least one.")
        await _advance(session, state, data)
        return None
    if action == "ok" and step == "summary" and value in ("yes", "no"):
        await _submit(context, query, state, consent=value == "yes")
        return "done"
    return _("This button is no longer valid.")


async def _advance(session: Any, state: FlowState, data: dict[str, Any]) -> None:
    following = referrals.step_after(state.step, data)
    if following == "summary":
        data.pop("editing", None)
    await flows.save(session, state, following, data)


async def _submit(context: BotContext, query: CallbackQuery, state: FlowState,
                  consent: bool) -> None:
    person = context.person
    summary = referrals.summary_text(state.data)
    submitted = await referrals.submit(context.session, person, dict(state.data), consent)
    case = submitted.case
    link = deep_link(context.services.bot_username, submitted.family_token)
    context.answer(query.id, _("Sent ✅"))
    context.edit(query.message.message_id, summary)
    if consent:
        done = _("✅ Referral {reference} is with the library. The consultant has been "
                 "notified.").format(reference=case.reference)
    else:
        done = _("✅ Referral {reference} is with the library, without contact details. "
                 "The family can start the conversation themselves with the link below."
                 ).format(reference=case.reference)
    context.reply(done + "\n\n" + _("Give the family this link (or let them scan the QR code). "
                                    "The bot will talk to them in their own language:")
                  + "\n" + link)
    context.reply_photo(qr_png(link), caption=_("QR code for the family – referral {reference}"
                                                ).format(reference=case.reference))


def repeat_question(context: BotContext, state: FlowState) -> None:
    """Input where a button is expected: say so and ask the same question again."""
    context.reply(_("Please use the buttons below."))
    question, markup = render(state, context.services.facts.villages)
    context.reply(question, reply_markup=markup)


async def on_text(update: Update, context: BotContext, state: FlowState) -> None:
    """Typed text while a referral is open: a typed step, or else repeat the question."""
    text = update.effective_message.text or ""
    step, data = state.step, dict(state.data)
    villages = context.services.facts.villages
    error: str | None = None
    if step == "language_other":
        value = referrals.clean_free_text(text, 64)
        error = None if value else _("Please type the language in at most 64 characters.")
        data["language_other"] = value
    elif step == "village_other":
        value = referrals.clean_free_text(text, referrals.MAX_OTHER)
        error = None if value else _("Please type the place in at most {limit} characters."
                                     ).format(limit=referrals.MAX_OTHER)
        data["village_other"] = value
    elif step == "need_other":
        value = referrals.clean_free_text(text, referrals.MAX_OTHER)
        error = None if value else _("Please describe it in at most {limit} characters."
                                     ).format(limit=referrals.MAX_OTHER)
        data["need_other"] = value
    elif step == "phone":
        value = referrals.normalise_phone(text)
        error = None if value else _("❗ That is not a phone number I can use. Please type "
                                     "it like 06 12345678, or with the country code like "
                                     "+32 470 12 34 56.")
        data["phone"] = value
    elif step == "note":
        value = referrals.clean_note(text)
        if value is None:
            error = _("❗ The note is {length} characters long; at most {limit} fit. "
                      "Please shorten it.").format(length=len(text.strip()),
                                                   limit=referrals.MAX_NOTE)
        data["note"] = value
    else:
        repeat_question(context, state)
        return
    if error:
        context.reply(error)
    else:
        await _advance(context.session, state, data)
    question, markup = render(state, villages)
    context.reply(question, reply_markup=markup)
