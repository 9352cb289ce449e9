"""Partner professionals' own view: /myreferrals."""

from __future__ import annotations

from telegram import Update

from bot import referrals
from bot.context import BotContext
from bot.i18n import _
from handlers.common import allowed_to


@allowed_to("referral.list_own")
async def my_referrals(update: Update, context: BotContext) -> None:
    own = await referrals.own_referrals(context.session, context.person)
    if not own:
        context.reply(_("You have not referred a family yet. Send /refer to start."))
        return
    zone = context.services.settings.zone
    lines = [_("Your referrals, newest first:")]
    for case in own:
        lines.append(_("{reference} · {date} · {status}").format(
            reference=case.reference,
            date=case.created_at.astimezone(zone).strftime("%d-%m-%Y"),
            status=_(referrals.STATUS_LABELS.get(case.status, case.status))))
    context.reply("\n".join(lines))
