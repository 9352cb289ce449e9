"""Every handler registered in one place, in explicit groups.

Group -1: guards (private chats only). Group 0: features, then the fallbacks for anything
no feature understood (within a group only the first matching handler runs).
The unit of work around each update lives in `bot.app`.
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram import BotCommand, BotCommandScopeChat, BotCommandScopeDefault
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.i18n import LANGUAGES, N_, translator
from bot.people import Role
from handlers import cases, consultant, errors, fallback, onboarding, parent, partner, referral
from storage.repositories import flows

STAFF = (Role.CONSULTANT, Role.PARTNER)
EVERYONE = (Role.CONSULTANT, Role.PARTNER, Role.PARENT, Role.STRANGER)
FAMILY = (Role.PARENT, Role.STRANGER)


@dataclass(frozen=True)
class CommandInfo:
    name: str
    description: str  # marked with N_, translated when shown
    roles: tuple[Role, ...]


COMMANDS: tuple[CommandInfo, ...] = (
    CommandInfo("start", N_("start again"), EVERYONE),
    CommandInfo("language", N_("choose your language"), EVERYONE),
    CommandInfo("help", N_("what I can do for you"), EVERYONE),
    CommandInfo("privacy", N_("what we keep about you"), FAMILY),
    CommandInfo("forget", N_("erase what we keep about you"), FAMILY),
    CommandInfo("refer", N_("refer a family to the library"), (Role.PARTNER,)),
    CommandInfo("myreferrals", N_("your referrals and what became of them"), (Role.PARTNER,)),
    CommandInfo("invite", N_("invite professionals of an organisation (/invite NAME)"),
                (Role.CONSULTANT,)),
    CommandInfo("partners", N_("list or remove partner professionals"), (Role.CONSULTANT,)),
    CommandInfo("cases", N_("the inbox: open cases, with filters"), (Role.CONSULTANT,)),
    CommandInfo("case", N_("open one case (/case 2026-0001)"), (Role.CONSULTANT,)),
    CommandInfo("stats", N_("figures (/stats 2026 or /stats 2026-11)"), (Role.CONSULTANT,)),
    CommandInfo("export", N_("cases without personal data as a CSV file"), (Role.CONSULTANT,)),
)


async def route_text(update, context) -> None:  # noqa: ANN001 - PTB callback signature
    """Typed text goes to the flow the user is in; outside a flow it gets the fallback."""
    state = await flows.get(context.session, context.person.telegram_user_id)
    if state is not None and state.flow == "referral":
        await referral.on_text(update, context, state)
    elif state is not None and state.flow == "join":
        await onboarding.join_name(update, context, state)
    elif state is not None and state.flow in (cases.NOTE_FLOW, cases.REPLY_FLOW):
        await cases.on_text(update, context, state)
    elif context.person.is_staff:
        await fallback.anything_else(update, context)
    else:
        await parent.on_text(update, context)


async def route_other(update, context) -> None:  # noqa: ANN001 - PTB callback signature
    """Stickers, photos and the like: inside a flow the question is asked again."""
    state = None
    if update.effective_message is not None:
        state = await flows.get(context.session, context.person.telegram_user_id)
    if state is not None and state.flow == "referral":
        referral.repeat_question(context, state)
    elif state is not None and state.flow == "join":
        await onboarding.join_name(update, context, state)
    elif context.person.is_staff:
        await fallback.anything_else(update, context)
    else:
        await parent.on_other(update, context)


def commands_for(role: Role) -> list[CommandInfo]:
    return [c for c in COMMANDS if role in c.roles]


def register(application: Application) -> None:
    application.add_handler(TypeHandler(object, onboarding.private_chats_only), group=-1)

    application.add_handler(CommandHandler("start", onboarding.start), group=0)
    application.add_handler(CommandHandler("help", onboarding.help_command), group=0)
    application.add_handler(CommandHandler(["language", "taal"], onboarding.language_command),
                            group=0)
    application.add_handler(CallbackQueryHandler(onboarding.language_chosen, pattern=r"^lang:"),
                            group=0)
    application.add_handler(CommandHandler(["refer", "verwijs"], referral.refer), group=0)
    application.add_handler(CallbackQueryHandler(referral.on_button, pattern=r"^ref:"), group=0)
    application.add_handler(CommandHandler("privacy", parent.privacy_command), group=0)
    application.add_handler(CommandHandler("forget", parent.forget_command), group=0)
    application.add_handler(CallbackQueryHandler(parent.forget_button, pattern=r"^forget:"),
                            group=0)
    application.add_handler(CallbackQueryHandler(parent.on_feedback, pattern=r"^faq:"), group=0)
    application.add_handler(CommandHandler("myreferrals", partner.my_referrals), group=0)
    application.add_handler(CommandHandler("invite", consultant.invite), group=0)
    application.add_handler(CommandHandler("partners", consultant.list_partners), group=0)
    application.add_handler(CallbackQueryHandler(consultant.partner_button, pattern=r"^partner:"),
                            group=0)
    application.add_handler(CommandHandler("cases", cases.inbox_command), group=0)
    application.add_handler(CommandHandler("case", cases.case_command), group=0)
    application.add_handler(CommandHandler("stats", cases.stats_command), group=0)
    application.add_handler(CommandHandler("export", cases.export_command), group=0)
    application.add_handler(CallbackQueryHandler(cases.case_button, pattern=r"^case:"), group=0)
    application.add_handler(CallbackQueryHandler(cases.inbox_button, pattern=r"^inbox:"),
                            group=0)
    application.add_handler(CallbackQueryHandler(parent.followup_button, pattern=r"^help:"),
                            group=0)
    application.add_handler(CallbackQueryHandler(fallback.dismiss, pattern=r"^noop:"), group=0)
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, route_text), group=0)

    application.add_handler(MessageHandler(filters.COMMAND, fallback.unknown_command), group=0)
    application.add_handler(CallbackQueryHandler(fallback.stale_button), group=0)
    application.add_handler(MessageHandler(filters.ALL, route_other), group=0)
    application.add_error_handler(errors.on_error)


async def publish_commands(application: Application) -> None:
    """The command menu in every language: the family's commands for everyone."""
    for language in LANGUAGES:
        t = translator(language)
        commands = [BotCommand(c.name, t.gettext(c.description)) for c in commands_for(Role.PARENT)]
        await application.bot.set_my_commands(
            commands, scope=BotCommandScopeDefault(),
            language_code=None if language == "nl" else language)


__all__ = ["COMMANDS", "BotCommandScopeChat", "commands_for", "publish_commands", "register"]
