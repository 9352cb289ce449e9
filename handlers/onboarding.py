"""/start, /help and /language for everyone; the private-chat guard."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop

from bot import callbacks, people
from bot.context import BotContext
from bot.i18n import _, language_name
from bot.people import Role
from handlers.common import language_keyboard


async def private_chats_only(update: Update, context: BotContext) -> None:
    """Groups and channels are turned away: cases are private."""
    chat = update.effective_chat
    if chat is not None and chat.type != ChatType.PRIVATE:
        if update.effective_message is not None and chat.type != ChatType.CHANNEL:
            context.reply(_("I only work in a private chat. Please write to me directly."))
        raise ApplicationHandlerStop


def welcome_text(context: BotContext) -> str:
    person = context.person
    library = context.services.facts.name
    if person.role is Role.CONSULTANT:
        return _("Hello {name}! You are a consultant of {library}.").format(
            name=person.name, library=library)
    if person.role is Role.PARTNER:
        return _("Hello {name}! You refer families to {library} for {organisation}.").format(
            name=person.name, library=library, organisation=person.organisation_name)
    return _("👋 Welcome to {library}!\nI help you with books, reading and learning Dutch.\n"
             "Choose your language 👇").format(library=library)


async def start(update: Update, context: BotContext) -> None:
    person = context.person
    if person.role in (Role.CONSULTANT, Role.PARTNER):
        context.reply(welcome_text(context) + "\n\n" + help_text(person.role))
        return
    await people.become_parent(context.session, person)
    context.reply(welcome_text(context),
                  reply_markup=language_keyboard(people.allowed_languages(person.role),
                                                 person.language))


def help_text(role: Role) -> str:
    from handlers import commands_for

    lines = [_("What you can do:")]
    lines += [f"/{c.name} – {_(c.description)}" for c in commands_for(role)]
    return "\n".join(lines)


async def help_command(update: Update, context: BotContext) -> None:
    context.reply(help_text(context.person.role))


async def language_command(update: Update, context: BotContext) -> None:
    person = context.person
    context.reply(_("Choose your language 👇"),
                  reply_markup=language_keyboard(people.allowed_languages(person.role),
                                                 person.language))


async def language_chosen(update: Update, context: BotContext) -> None:
    query = update.callback_query
    data = callbacks.decode(query.data)
    code = data.arg(0) if data else None
    if data is None or data.action != "set" or code is None or not await people.store_language(
            context.session, context.person, code):
        context.answer(query.id, _("This button is no longer valid."))
        return
    context.answer(query.id)
    from bot.i18n import set_language

    set_language(code)  # the confirmation is already in the new language
    context.edit(query.message.message_id,
                 _("✅ Language: {language}").format(language=language_name(code)))
    context.reply(help_text(context.person.role))
