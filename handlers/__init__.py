"""Every handler registered in one place, in explicit groups.

Group -1: guards (private chats only). Group 0: features, then the fallbacks for anything
no feature understood (within a group only the first matching handler runs). Buttons are
matched by their typed data (`bot.callbacks`): a handler only ever sees valid data of its kind.
The unit of work around each update lives in `bot.updates`.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from telegram import BotCommand, BotCommandScopeDefault, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot import activities as activities_core
from bot import bags as bag_rules
from bot import flows, voice
from bot.callbacks import (
    ActivityButton,
    ActivityFlowButton,
    AnswerFeedback,
    BagButton,
    BagReferButton,
    BagStockButton,
    CaseButton,
    Dismiss,
    FamilyLinkButton,
    FollowupAnswer,
    ForgetConfirm,
    HandoverButton,
    InboxButton,
    InviteButton,
    LanguageChoice,
    ListenButton,
    NewsButton,
    NewsPartnerButton,
    OrganisationButton,
    PartnerButton,
    PassOnButton,
    PlaceButton,
    PresenceButton,
    PresenceSessionButton,
    RecordingCancel,
    ReferralButton,
)
from bot.commands import commands_for
from bot.context import BotApp, BotContext
from bot.flows import FlowState
from bot.i18n import LANGUAGES, translator
from bot.news import NEWS_FLOW
from bot.partnerships import NOTE_FLOW
from bot.people import Role
from handlers import (
    activities,
    bags,
    cases,
    consultant,
    errors,
    fallback,
    onboarding,
    parent,
    partner,
    presence,
    recordings,
    referral,
    report,
)
from handlers import news as news_handlers
from handlers import (
    partnerships as partnership_handlers,
)
from handlers.common import Handler

FlowHandler = Callable[[Update, BotContext, FlowState], Coroutine[Any, Any, None]]

# Typed text, and anything else (stickers, photos), while a user is in a guided flow.
TEXT_IN_FLOW: dict[str, FlowHandler] = {
    flows.REFERRAL: referral.on_text,
    flows.JOIN: onboarding.join_name,
    flows.CASE_NOTE: cases.on_text,
    flows.CASE_REPLY: cases.on_text,
    voice.RECORDING_FLOW: recordings.on_message,
    NEWS_FLOW: news_handlers.on_text,
    NOTE_FLOW: partnership_handlers.on_note_text,
    activities_core.FLOW: activities.on_flow_text,
    activities_core.COUNT_FLOW: activities.on_count_text,
    activities_core.EDIT_FLOW: activities.on_change_text,
    bag_rules.FLOW: bags.on_other,
    flows.PRESENCE: presence.on_text,
    flows.HANDOVER: presence.handover_room,
}
OTHER_IN_FLOW: dict[str, FlowHandler] = {
    flows.REFERRAL: referral.on_other,
    flows.JOIN: onboarding.join_name,
    voice.RECORDING_FLOW: recordings.on_message,
    NEWS_FLOW: news_handlers.on_other,
    NOTE_FLOW: partnership_handlers.on_note_other,
    activities_core.FLOW: activities.on_flow_other,
    activities_core.COUNT_FLOW: activities.on_count_other,
    activities_core.EDIT_FLOW: activities.on_change_other,
    bag_rules.FLOW: bags.on_other,
    flows.PRESENCE: presence.on_other,
    flows.HANDOVER: presence.handover_other,
}


async def _in_flow(update: Update, context: BotContext,
                   routes: dict[str, FlowHandler]) -> bool:
    """Give the update to the flow the user is in, if that flow takes it."""
    state = await flows.current(context.session, context.person)
    handler = routes.get(state.flow) if state is not None else None
    if state is None or handler is None:
        return False
    await handler(update, context, state)
    return True


async def route_text(update: Update, context: BotContext) -> None:
    """Typed text goes to the flow the user is in; outside a flow it gets the fallback."""
    if await _in_flow(update, context, TEXT_IN_FLOW):
        return
    if context.person.is_staff:
        await fallback.anything_else(update, context)
    else:
        await parent.on_text(update, context)


async def route_other(update: Update, context: BotContext) -> None:
    """Stickers, photos and the like: inside a flow the question is asked again."""
    if update.effective_message is not None and await _in_flow(update, context, OTHER_IN_FLOW):
        return
    if context.person.is_staff:
        await fallback.anything_else(update, context)
    else:
        await parent.on_other(update, context)


COMMAND_HANDLERS: tuple[tuple[str | list[str], Handler], ...] = (
    ("start", onboarding.start),
    ("help", onboarding.help_command),
    (["language", "taal"], onboarding.language_command),
    (["refer", "verwijs"], presence.refer),
    ("privacy", parent.privacy_command),
    ("mydata", parent.mydata_command),
    ("forget", parent.forget_command),
    ("myreferrals", partner.my_referrals),
    ("invite", consultant.invite),
    ("partners", consultant.list_partners),
    ("cases", cases.inbox_command),
    ("case", cases.case_command),
    ("stats", cases.stats_command),
    ("export", cases.export_command),
    ("recording", recordings.recording_command),
    ("news", news_handlers.news_command),
    (["activities", "activiteiten"], activities.activities_command),
    (["newactivity", "nieuweactiviteit"], activities.new_activity),
    ("boekstart", bags.boekstart),
    ("bags", bags.bags_command),
    ("presence", presence.presence_command),
    ("consultant", presence.consultant_command),
    ("report", report.report_command),
)
BUTTON_HANDLERS: tuple[tuple[Callable[[object], bool], Handler], ...] = (
    (LanguageChoice.filter(), onboarding.language_chosen),
    (ReferralButton.filter(), referral.on_button),
    (FamilyLinkButton.filter(action="new"), partner.new_family_link),
    (ForgetConfirm.filter(), parent.forget_button),
    (AnswerFeedback.filter(), parent.on_feedback),
    (PassOnButton.filter(), parent.on_pass_on),
    (PlaceButton.filter(), parent.on_place),
    (ListenButton.filter(), parent.on_listen),
    (RecordingCancel.filter(), recordings.cancel),
    (FollowupAnswer.filter(), parent.followup_button),
    (PartnerButton.filter(action="revoke"), consultant.ask_to_remove),
    (PartnerButton.filter(action="confirm"), consultant.remove),
    (InviteButton.filter(action="withdraw"), consultant.withdraw_invite),
    (CaseButton.filter(action="open"), cases.open_case),
    (CaseButton.filter(action={"take", "contacted", "reopen", "out"}), cases.change_status),
    (CaseButton.filter(action="close"), cases.ask_outcome),
    (CaseButton.filter(action={"note", "reply"}), cases.start_typing),
    (CaseButton.filter(action="cancel"), cases.cancel_typing),
    (CaseButton.filter(action="prep"), cases.ask_prepared),
    (CaseButton.filter(action="send"), cases.send_prepared),
    (CaseButton.filter(action={"sendtr", "sendorig"}), cases.send_typed),
    (CaseButton.filter(action="files"), cases.send_attachments),
    (CaseButton.filter(action="data"), cases.parent_data),
    (CaseButton.filter(action="erase"), cases.ask_erase),
    (CaseButton.filter(action="eraseok"), cases.erase_parent),
    (InboxButton.filter(), cases.inbox_button),
    (Dismiss.filter(), fallback.dismiss),
    (NewsButton.filter(), news_handlers.on_button),
    (NewsPartnerButton.filter(), news_handlers.on_partner_button),
    (OrganisationButton.filter(), partnership_handlers.on_button),
    (ActivityButton.filter(), activities.on_button),
    (ActivityFlowButton.filter(), activities.on_flow_button),
    (BagButton.filter(), bags.on_button),
    (BagReferButton.filter(), bags.refer),
    (BagStockButton.filter(), bags.stock_button),
    (PresenceButton.filter(), presence.on_button),
    (PresenceSessionButton.filter(), presence.on_session_button),
    (HandoverButton.filter(), presence.handover_button),
)


class ButtonHandler(CallbackQueryHandler[BotContext, None]):
    """A button's handler. PTB lets a callback query without data (empty or left out: no
    real button sends one, a forged query can) through any pattern; here it matches no
    button's handler and reaches `fallback.stale_button`."""

    def check_update(self, update: object) -> bool | object | None:
        if isinstance(update, Update) and update.callback_query and not update.callback_query.data:
            return False
        return super().check_update(update)


def register(application: BotApp) -> None:
    application.add_handler(TypeHandler(object, onboarding.private_chats_only), group=-1)
    for names, command in COMMAND_HANDLERS:
        application.add_handler(CommandHandler(names, command), group=0)
    for pattern, button in BUTTON_HANDLERS:
        application.add_handler(ButtonHandler(button, pattern=pattern), group=0)
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, route_text), group=0)
    # Whatever nothing above understood: never a dead end, never a change.
    application.add_handler(MessageHandler(filters.COMMAND, fallback.unknown_command), group=0)
    application.add_handler(CallbackQueryHandler(fallback.stale_button), group=0)
    application.add_handler(MessageHandler(filters.ALL, route_other), group=0)
    application.add_error_handler(errors.on_error)


async def publish_commands(application: BotApp) -> None:
    """The command menu in every language: the family's commands for everyone."""
    for language in LANGUAGES:
        t = translator(language)
        commands = [BotCommand(c.name, t.gettext(c.description)) for c in commands_for(Role.PARENT)]
        await application.bot.set_my_commands(
            commands, scope=BotCommandScopeDefault(),
            language_code=None if language == "nl" else language)


__all__ = ["publish_commands", "register"]
