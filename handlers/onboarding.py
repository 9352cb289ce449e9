"""/start, /help and /language for everyone; the private-chat guard."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.ext import ApplicationHandlerStop

from bot import answers, family, invites, people, referrals
from bot.bags import BAG_PREFIX
from bot.callbacks import LanguageChoice
from bot.commands import commands_for
from bot.context import BotContext
from bot.flows import FlowState
from bot.i18n import (
    LANGUAGES,
    N_,
    _,
    choose_language,
    language_name,
    ngettext,
    set_language,
    use_language,
)
from bot.people import Role
from bot.tokens import FAMILY_PREFIX, INVITE_PREFIX
from handlers import bags
from handlers.common import edit_pressed, language_picker, pressed, show_menu, text_of


async def private_chats_only(update: Update, context: BotContext) -> None:
    """Groups and channels are turned away: cases are private. Added to a group (or spoken
    to in one), the bot says so once, in the language Telegram reports for whoever added it
    (else the default), and leaves; a channel it leaves without a word. Nothing about the
    chat is stored (bot.updates records no update of a group)."""
    chat = update.effective_chat
    if chat is None or chat.type == ChatType.PRIVATE:
        return
    if _joined(update) or _spoken_to(update):
        if chat.type != ChatType.CHANNEL:
            user = update.effective_user
            language = choose_language(None, user.language_code if user else None, LANGUAGES,
                                       context.services.settings.default_locale)
            with use_language(language):
                context.reply(_("I only talk in a private chat. Tap the link to write to me:")
                              + f"\nhttps://t.me/{context.services.bot_username}")
        context.leave_chat()
    raise ApplicationHandlerStop


def _joined(update: Update) -> bool:
    """The bot was added to the chat (not: it left or was removed)."""
    change = update.my_chat_member
    return change is not None and change.new_chat_member.status in (
        ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.RESTRICTED)


def _spoken_to(update: Update) -> bool:
    """Someone wrote or sent something in the chat; not a service message such as "the bot
    was added" (that comes as a my_chat_member update too, and is answered there)."""
    message = update.message or update.channel_post
    return message is not None and bool(message.text or message.caption
                                        or message.effective_attachment)


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
    payload = context.args[0] if context.args else ""
    if payload.startswith(f"{INVITE_PREFIX}_"):
        await _open_invite(context, payload)
        return
    if payload.startswith(f"{FAMILY_PREFIX}_"):
        await _open_family_link(context, payload)
        return
    if payload.startswith(f"{BAG_PREFIX}_"):
        await bags.open_link(context, payload)
        return
    if payload:
        context.reply(_("This link does not work. Please ask for a new link."))
    if person.role in (Role.CONSULTANT, Role.PARTNER):
        context.reply(welcome_text(context) + "\n\n" + help_text(person.role))
        return
    # Nothing is stored yet: someone who only looks leaves no trace. They become a parent
    # when they choose a language, press a menu button or ask something.
    context.reply(welcome_text(context), reply_markup=language_picker(person))


def help_text(role: Role) -> str:
    lines = [_("What you can do:")]
    lines += [f"/{c.name} – {_(c.description)}" for c in commands_for(role)]
    return "\n".join(lines)


async def help_command(update: Update, context: BotContext) -> None:
    if context.person.is_staff:
        context.reply(help_text(context.person.role))
    else:
        show_menu(context, _("Tap a button 👇 or type your question.") + "\n\n"
                  + help_text(context.person.role))


async def language_command(update: Update, context: BotContext) -> None:
    context.reply(_("Choose your language 👇"), reply_markup=language_picker(context.person))


async def language_chosen(update: Update, context: BotContext) -> None:
    query, button = pressed(update, LanguageChoice)
    if not await people.store_language(context.session, context.person, button.code):
        context.answer(query.id, _("This button does not work any more."))
        return
    context.answer(query.id)
    set_language(button.code)  # the confirmation is already in the new language
    edit_pressed(context, query, _("✅ Language: {language}").format(
        language=language_name(button.code)))
    if context.person.is_staff:
        context.reply(help_text(context.person.role))
    else:
        show_menu(context)


INVITE_PROBLEMS = {
    invites.InviteProblem.UNKNOWN: N_("This invite link is not valid. Please ask the library "
                                      "for a new one."),
    invites.InviteProblem.EXPIRED: N_("This invite link has expired. Please ask the library "
                                      "for a new one."),
    invites.InviteProblem.USED_UP: N_("This invite link has been used as often as allowed. "
                                      "Please ask the library for a new one."),
    invites.InviteProblem.REVOKED: N_("This invite link was withdrawn. Please ask the library "
                                      "for a new one."),
    invites.InviteProblem.REMOVED: N_("You were removed as a partner professional, so older "
                                      "invite links no longer work for you. To join again, "
                                      "please ask the library's consultant for a new invite "
                                      "link."),
}


async def _open_invite(context: BotContext, token: str) -> None:
    person = context.person
    if person.role in (Role.CONSULTANT, Role.PARTNER):
        context.reply(_("You are already registered. Send /help to see what you can do."))
        return
    invite, problem = await invites.open_invite(context.session, person, token)
    if invite is None or problem is not None:
        context.reply(_(INVITE_PROBLEMS[problem or invites.InviteProblem.UNKNOWN]))
        return
    context.reply(_("Welcome! You are invited to refer families to {library} for "
                    "{organisation}.\nWhat is your name? (Colleagues at the library will "
                    "see it.)").format(library=context.services.facts.name,
                                       organisation=invite.organisation.name))


async def join_name(update: Update, context: BotContext, state: FlowState) -> None:
    """The typed name that completes joining by invite."""
    name = invites.clean_person_name(text_of(update))
    if name is None:
        context.reply(ngettext("Please type your name ({least} to {most} letter).",
                               "Please type your name ({least} to {most} letters).",
                               invites.MAX_NAME).format(least=invites.MIN_NAME,
                                                        most=invites.MAX_NAME))
        return
    partner, problem = await invites.join(context.session, context.person,
                                          int(state.data["invite_id"]), name)
    if partner is None or problem is not None:
        context.reply(_(INVITE_PROBLEMS[problem or invites.InviteProblem.UNKNOWN]))
        return
    set_language(context.person.language)
    context.reply(_("✅ Thank you, {name}. You can now refer families: send /refer.").format(
        name=partner.name) + "\n\n" + help_text(Role.PARTNER))


async def _open_family_link(context: BotContext, token: str) -> None:
    case, problem = await family.open_family_link(context.session, context.person, token)
    if problem is family.FamilyLinkProblem.NOT_FOR_STAFF:
        context.reply(_("This link is for the family. Please give it to them."))
        return
    if problem is family.FamilyLinkProblem.REPLACED:
        # Nothing happened; said in the referral's language unless the parent chose one.
        with use_language(context.person.language):
            context.reply(_("👋 This link does not work any more, because there is a newer "
                            "link. Please ask the person who gave you this link for the new "
                            "one."))
        return
    if problem is not None or case is None:
        context.reply(_("This link does not work. Please ask for a new link."))
        return
    set_language(context.person.language)
    needs = [n.need for n in case.needs]
    lines = [_("👋 Welcome to {library}!").format(library=context.services.facts.name),
             _("Someone who helps your family asked us to contact you. We are happy to help.")]
    if needs:
        lines += ["", _("It is about:"), referrals.needs_label(needs)]
    lines += ["", answers.who_answers(context.services.facts)]
    show_menu(context, "\n".join(lines))
