"""Partner professionals' own view: /myreferrals, and a new family link for a referral the
family has not opened yet."""

from __future__ import annotations

from telegram import Update

from bot import family, referrals
from bot.callbacks import FamilyLinkButton
from bot.context import BotContext
from bot.family import NewLinkProblem
from bot.i18n import NS_, S_, _
from handlers.common import allowed_to, inline, pressed
from handlers.referral import show_family_link

NEW_LINK_PROBLEMS: dict[NewLinkProblem, str] = {
    NewLinkProblem.NOT_YOURS: NS_("⛔ This is not one of your referrals."),
    NewLinkProblem.LINKED: NS_("The family has already opened their link and is in touch with "
                               "the library: no new link is needed."),
    NewLinkProblem.CLOSED: NS_("This referral is closed: it gets no new family link."),
}


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
    # A family that has not opened its link yet can be given a new one (the old one dies).
    renewable = [case for case in own if family.new_link_problem(context.person, case) is None]
    if not renewable:
        context.reply("\n".join(lines))
        return
    lines += ["", S_("🔗 The family has not opened its link yet? Tap the referral for a new "
                     "family link and QR code; the earlier link then stops working.")]
    context.reply("\n".join(lines), reply_markup=inline([
        [(S_("🔗 New family link {reference}").format(reference=case.reference),
          FamilyLinkButton("new", case.id))] for case in renewable]))


@allowed_to("referral.new_family_link")
async def new_family_link(update: Update, context: BotContext) -> None:
    """A new family link for one of the partner's own referrals (a forged id changes nothing)."""
    query, button = pressed(update, FamilyLinkButton)
    made = await family.new_link(context.session, context.person, button.case_id)
    if made.case is None or made.token is None:
        context.answer(query.id, S_(NEW_LINK_PROBLEMS[made.problem or NewLinkProblem.NOT_YOURS]))
        return
    context.answer(query.id)
    intro = S_("🔗 A new family link for referral {reference}. The earlier link no longer "
               "works.").format(reference=made.case.reference)
    show_family_link(context, made.case.reference, made.token, intro)
