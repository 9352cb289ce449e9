"""The parent's side: the menu, answers, questions, "contact me", voice notes and photos,
/privacy and /forget. Every message ends with the menu: never a dead end.
"""

from __future__ import annotations

from functools import cache
from typing import Literal

from telegram import KeyboardButton, ReplyKeyboardMarkup, ReplyKeyboardRemove, Update

from bot import activities as activities_core
from bot import answers, cases, matcher, parents, people, presence, privacy, voice
from bot.callbacks import (
    AnswerFeedback,
    Dismiss,
    FollowupAnswer,
    ForgetConfirm,
    ListenButton,
    PassOnButton,
    PlaceButton,
)
from bot.context import BotContext
from bot.facts import LibraryFacts
from bot.i18n import LANGUAGES, N_, _, language_name, ngettext, translator
from bot.people import Role
from bot.referrals import display_phone
from handlers import activities
from handlers.common import (
    ButtonRow,
    close_question,
    edit_pressed,
    file_id_of,
    inline,
    language_picker,
    menu_keyboard,
    message_of,
    pressed,
    show_menu,
    text_of,
)

LISTEN = "🔊"
SHARE_PHONE = N_("📱 Share my phone number")
WRITE_HERE = N_("✍️ Write to me here")
BACK = N_("⬅️ Back to the menu")
MAX_TEXT = 4000  # a longer report goes as a text file (Telegram's limit is 4096)


def contact_keyboard() -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup([[KeyboardButton(_(SHARE_PHONE), request_contact=True)],
                                [_(WRITE_HERE)], [_(BACK)]],
                               resize_keyboard=True, one_time_keyboard=True)


@cache
def _actions() -> dict[str, str]:
    """Every button label in every language, so an older keyboard keeps working."""
    labels = {**answers.MENU_LABELS, "write": WRITE_HERE, "back": BACK}
    actions: dict[str, str] = {}
    for language in LANGUAGES:
        t = translator(language)
        for action, label in labels.items():
            actions[t.gettext(label).strip()] = action
    return actions


def button_action(text: str) -> str | None:
    return _actions().get(text.strip())


# ---- typed text -----------------------------------------------------------------------------
async def on_text(update: Update, context: BotContext) -> None:
    text = text_of(update)
    action = button_action(text)
    if action is not None:
        await _on_button(context, action)
        return
    if not text.strip():
        show_menu(context, _("😊 I did not see a question. Tap a button 👇"))
        return
    if len(text) > parents.MAX_QUESTION:
        show_menu(context, _("✂️ Your message is too long. Please write less, or send a "
                             "voice message 🎤."))
        return
    await _on_question(context, text.strip())


def place_rows(choices: tuple[int, ...], facts: LibraryFacts, action: Literal["show", "send"],
               question: int | None = None) -> list[ButtonRow]:
    """A button per branch of the library, one per row."""
    return [[(answers.place_label(facts.places[i]), PlaceButton(action, i, question))]
            for i in choices]


def feedback_row(question: int) -> ButtonRow:
    return [("👍", AnswerFeedback("yes", question)), ("👎", AnswerFeedback("no", question))]


async def _library(context: BotContext) -> answers.Answer:
    """The library's answer: which village, or at once the branch of the family's village."""
    facts = context.services.facts
    village = await parents.home_village(context.session, context.person, facts.villages)
    return answers.library_answer(facts, village=village)


async def _listen(context: BotContext, topic: str) -> list[ButtonRow]:
    """The 🔊 row under a topic's answer, where the answer can be heard in this language."""
    button = await voice.listen_button(context.session, topic, context.person.language)
    return [[(LISTEN, button)]] if button is not None else []


async def _ask_contact(context: BotContext) -> None:
    """How to reach the parent: the contact keyboard, then 🔊 to hear the question (an
    inline button cannot share the message that carries the keyboard)."""
    context.reply(answers.contact_question(), reply_markup=contact_keyboard())
    listen = await _listen(context, "contact")
    if listen:
        context.reply(_("🔊 Tap to hear this question."), reply_markup=inline(listen))


async def _on_button(context: BotContext, action: str) -> None:
    await people.become_parent(context.session, context.person)
    if action == "library":
        answer = await _library(context)
        rows = [*place_rows(answer.choices, context.services.facts, "show"),
                *await _listen(context, "library")]
        context.reply(answer.text, reply_markup=inline(rows) if rows else menu_keyboard())
    elif action == "activities":  # the planned ones to sign up for; else the usual answer
        await activities.parent_list(context)
    elif action in matcher.TOPICS and action != "contact":
        listen = await _listen(context, action)
        # With 🔊 the answer carries the button; the menu stays as it was.
        context.reply(answers.answer_text(action, context.services.facts),
                      reply_markup=inline(listen) if listen else menu_keyboard())
    elif action == "contact":
        await _ask_contact(context)
    elif action == "ask":
        context.reply(_("❓ Type your question, in your own language. Or send a voice "
                        "message 🎤."), reply_markup=menu_keyboard())
    elif action == "language":
        context.reply(_("Choose your language 👇"), reply_markup=language_picker(context.person))
    elif action == "write":
        await parents.request_contact(context.session, context.person, None)
        show_menu(context, _("✅ Thank you! We will write to you here.") + "\n"
                  + answers.who_answers(context.services.facts))
    else:  # back
        show_menu(context)


async def _on_question(context: BotContext, text: str) -> None:
    if await parents.in_conversation(context.session, context.person):
        # The library is writing with this parent: their answer goes onto the case.
        message = await parents.record_question(context.session, context.person, text, None)
        await parents.pass_to_library(context.session, context.person, message)
        show_menu(context, _("✅ Thank you! I sent your message to the library."))
        return
    found = matcher.match(text, context.person.language)
    if found.smalltalk:  # "thank you", "hello", 👍: a friendly word, no case, nobody notified
        if not found.unsure:
            show_menu(context, answers.smalltalk_text(found.smalltalk))
            return
        # a word the lists do not know, or a long message: one tap sends it on after all
        kept = await parents.record_question(context.session, context.person, text, None)
        context.reply(answers.smalltalk_text(found.smalltalk),
                      reply_markup=inline([[(_(answers.PASS_ON), PassOnButton(kept.id))]]))
        return
    message = await parents.record_question(context.session, context.person, text, found.topic)
    if found.topic == "contact":
        await _ask_contact(context)
    elif found.topic == "meet":  # the consultant's next presence hours, from the database
        occurrences = await presence.upcoming(context.session, context.services.now(),
                                              context.services.settings.zone)
        context.reply(presence.parent_where(context.services.facts, occurrences) + "\n\n"
                      + _("Did this help?"), reply_markup=inline([feedback_row(message.id)]))
    elif found.topic == "activities" and await activities.parent_list(context, usual=False):
        pass  # the planned ones to sign up for, as under the menu's button
    elif found.topic is not None:
        answer = (await _library(context) if found.topic == "library"
                  else answers.Answer(answers.answer_text(found.topic, context.services.facts)))
        context.reply(answer.text + "\n\n" + _("Did this help?"), reply_markup=inline([
            *place_rows(answer.choices, context.services.facts, "show", message.id),
            feedback_row(message.id), *await _listen(context, found.topic)]))
    else:
        await parents.pass_to_library(context.session, context.person, message)
        show_menu(context, answers.not_sure_text(context.services.facts, found.guard))


async def on_place(update: Update, context: BotContext) -> None:
    """A village's button under the library's answer: that branch's address and hours. It
    only shows facts: nothing is stored, and a button of a branch no longer in the facts
    file is refused."""
    query, button = pressed(update, PlaceButton)
    facts = context.services.facts
    if button.place >= len(facts.places):
        context.answer(query.id, _("This button does not work any more."))
        return
    context.answer(query.id)
    answer = answers.library_answer(facts, shown=button.place)
    if button.action == "send":  # under a message from the library: a new answer
        context.reply(answer.text, reply_markup=inline(place_rows(answer.choices, facts, "show"))
                      if answer.choices else menu_keyboard())
        return
    rows = place_rows(answer.choices, facts, "show", button.question)
    text = answer.text
    if button.question is not None:  # the answer to a typed question keeps 👍/👎
        text += "\n\n" + _("Did this help?")
        rows.append(feedback_row(button.question))
    rows += await _listen(context, "library")
    edit_pressed(context, query, text, inline(rows))


async def on_feedback(update: Update, context: BotContext) -> None:
    """👍 or 👎 under an answer; 👎 passes the question on to the library."""
    query, button = pressed(update, AnswerFeedback)
    message = await parents.feedback(context.session, context.person, button.message_id,
                                     button.answer == "yes")
    if message is None:
        context.answer(query.id, _("This button does not work any more."))
        return
    close_question(context, query, keep=ListenButton)  # the answer can still be heard
    if message.helpful:
        show_menu(context, _("😊 Good! Anything else? Tap a button 👇"))
        return
    if message.case_id is None:
        await parents.pass_to_library(context.session, context.person, message)
    show_menu(context, _("Sorry! I sent your question to the library.") + "\n"
              + answers.who_answers(context.services.facts))


async def on_pass_on(update: Update, context: BotContext) -> None:
    """📨 under the reply to what looked like small talk: it was a question after all."""
    query, button = pressed(update, PassOnButton)
    message = await parents.unanswered(context.session, context.person, button.message_id)
    if message is None:
        context.answer(query.id, _("This button does not work any more."))
        return
    close_question(context, query)
    await parents.pass_to_library(context.session, context.person, message)
    show_menu(context, _("✅ Thank you! I sent your message to the library.") + "\n"
              + answers.who_answers(context.services.facts))


async def on_listen(update: Update, context: BotContext) -> None:
    """🔊 under an answer: the answer as a voice message, in the answer's language."""
    query, button = pressed(update, ListenButton)
    found = await voice.for_answer(context.session, button.topic, button.language,
                                   context.services.facts)
    if found is None:
        context.answer(query.id, _("This button does not work any more."))
        return
    context.answer(query.id)
    context.reply_voice(found)


async def followup_button(update: Update, context: BotContext) -> None:
    """The answer to "did you get the help you needed?"."""
    query, button = pressed(update, FollowupAnswer)
    result = await cases.followup_answer(context.session, context.person, button.case_id,
                                         button.answer == "yes")
    if not result.ok or result.case is None:
        context.answer(query.id, _("This button does not work any more."))
        return
    close_question(context, query)
    if result.case.helped:
        show_menu(context, _("😊 Thank you! We are glad we could help."))
    else:
        show_menu(context, _("Thank you for telling us. The library will contact you again.")
                  + "\n" + answers.who_answers(context.services.facts))


# ---- contact, voice notes, photos, anything else --------------------------------------------
async def on_contact(update: Update, context: BotContext) -> None:
    contact = message_of(update).contact
    phone = parents.phone_from_contact(contact.phone_number or "") if contact else None
    if contact is None or contact.user_id != context.person.telegram_user_id or phone is None:
        context.reply(_("Please tap the button 📱 to share your own phone number."),
                      reply_markup=contact_keyboard())
        return
    await parents.request_contact(context.session, context.person, phone)
    show_menu(context, _("✅ Thank you! We will call you on {phone}.").format(
        phone=display_phone(phone)) + "\n" + answers.who_answers(context.services.facts))


async def on_attachment(update: Update, context: BotContext, kind: str) -> None:
    message = message_of(update)
    file_id = file_id_of(message, kind)
    if file_id is None:
        raise ValueError(f"a message without a {kind}")
    caption = (message.caption or "").strip()[:parents.MAX_QUESTION] or None
    await parents.receive_attachment(context.session, context.person, parents.Attachment(
        kind, file_id, message.chat_id, message.message_id, caption))
    show_menu(context, _("✅ Thank you! The library will look at it.") + "\n"
              + answers.who_answers(context.services.facts))


async def on_other(update: Update, context: BotContext) -> None:
    """Stickers, locations, polls and anything else: a friendly word and the menu."""
    if update.effective_message is None:
        return  # edited messages and the like need no answer
    message = update.effective_message
    if message.contact is not None:
        await on_contact(update, context)
        return
    for kind in cases.ATTACHMENT_KINDS:
        if file_id_of(message, kind) is not None:
            await on_attachment(update, context, kind)
            return
    show_menu(context, _("😊 I understand text, voice messages and photos. Tap a button 👇"))


# ---- privacy --------------------------------------------------------------------------------
async def privacy_command(update: Update, context: BotContext) -> None:
    stored = await privacy.stored_about(context.session, context.person)
    lines = [_("🔒 The library keeps only what it needs to help you:"),
             _("• your language"),
             _("• your phone number, if you shared it"),
             _("• your messages, voice messages and photos to the library"),
             _("• your sign-ups for activities"),
             _("Only the library's staff who help you can see it. We never give it to others."),
             ""]
    if stored is None:
        lines.append(_("Now we keep nothing about you."))
    else:
        lines.append(_("Now we keep:"))
        if stored.language in LANGUAGES:
            lines.append("🌍 " + language_name(stored.language))
        if stored.phone:
            lines.append("📞 " + display_phone(stored.phone))
        lines.append("💬 " + ngettext("{count} message", "{count} messages",
                                      stored.messages).format(count=stored.messages))
        lines.append("")
        lines.append(_("To see all of it, send /mydata."))
        lines.append(_("To delete all of it, send /forget."))
    show_menu(context, "\n".join(lines))


async def mydata_command(update: Update, context: BotContext) -> None:
    """The right of access: everything the bot keeps about the parent, in their language."""
    data = await privacy.my_data(context.session, context.person)
    if data is None:
        show_menu(context, _("Now we keep nothing about you."))
        return
    text = privacy.data_text(data, context.services.settings.zone)
    signups = await activities_core.my_signups(context.session, context.person,
                                               context.services.settings.zone)
    if signups:
        text += "\n\n" + signups
    if len(text) <= MAX_TEXT:
        show_menu(context, text)
        return
    context.reply_document(text.encode("utf-8"), "my-data.txt",
                           caption=_("📄 What we keep about you:"))
    show_menu(context)


async def forget_command(update: Update, context: BotContext) -> None:
    if context.person.role is not Role.PARENT:
        show_menu(context, _("Now we keep nothing about you."))
        return
    context.reply(_("🗑️ Delete everything we keep about you?\nYour phone number and your "
                    "messages will be gone for good. We cannot get them back."),
                  reply_markup=inline([[(_("🗑️ Yes, delete"), ForgetConfirm()),
                                        (_("No, keep it"), Dismiss("forget"))]]))


async def forget_button(update: Update, context: BotContext) -> None:
    query, _button = pressed(update, ForgetConfirm)
    if context.person.role is not Role.PARENT:
        context.answer(query.id, _("This button does not work any more."))
        return
    await privacy.forget(context.session, context.person, context.services.facts.villages)
    context.answer(query.id)
    edit_pressed(context, query, _("✅ Done. We deleted your data."))
    context.reply(_("👋 Goodbye. Send /start if you want to talk to us again."),
                  reply_markup=ReplyKeyboardRemove())
