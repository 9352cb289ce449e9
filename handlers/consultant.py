"""Consultant commands for partners: /invite and /partners (case work is in handlers.cases)."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update

from bot import invites
from bot.callbacks import Dismiss, InviteButton, PartnerButton
from bot.context import BotContext
from bot.i18n import S_, Sngettext, _, ngettext
from bot.tokens import deep_link, qr_png
from handlers import partnerships
from handlers.common import ButtonRow, allowed_to, edit_pressed, inline, pressed


@allowed_to("invite")
async def invite(update: Update, context: BotContext) -> None:
    name = invites.clean_organisation_name(" ".join(context.args or []))
    if name is None:
        context.reply(_("Please add the organisation, for example:\n"
                        "/invite GGD consultatiebureau Dalfsen"))
        return
    settings = context.services.settings
    new = await invites.create_invite(context.session, context.person, name,
                                      settings.invite_valid_days, settings.invite_max_uses)
    link = deep_link(context.services.bot_username, new.token)
    context.reply(ngettext(
        "🔗 Invite link for {organisation}. It works {uses} time, until {date}. "
        "Share it only with professionals of this organisation:",
        "🔗 Invite link for {organisation}. It works {uses} times, until {date}. "
        "Share it only with professionals of this organisation:", new.max_uses).format(
            organisation=new.organisation_name, uses=new.max_uses,
            date=new.expires_at.astimezone(settings.zone).strftime("%d-%m-%Y")) + "\n" + link)
    context.reply_photo(qr_png(link), caption=_("QR code to join as a partner of {organisation}"
                                                ).format(organisation=new.organisation_name))


@allowed_to("partners.list")
async def list_partners(update: Update, context: BotContext) -> None:
    # First the organisations (staying in touch), then the professionals and invite links.
    organisations = await partnerships.overview(context)
    if organisations is not None:
        context.reply(organisations[0], reply_markup=organisations[1])
    text, markup = await _overview(context)
    context.reply(text, reply_markup=markup)


async def _overview(context: BotContext) -> tuple[str, InlineKeyboardMarkup | None]:
    """The active partners, each with a button to remove them, and the invite links that
    still work, each with a button to withdraw it."""
    partners = await invites.active_partners(context.session, context.person)
    open_invites = await invites.open_invites(context.session, context.person)
    buttons: list[ButtonRow] = []
    if not partners:
        lines = [_("No partner professionals yet. Invite them with /invite ORGANISATION.")]
    else:
        lines = [ngettext("{count} partner professional:", "{count} partner professionals:",
                          len(partners)).format(count=len(partners))]
    for partner in partners:
        lines.append(f"• {partner.name} – {partner.organisation.name}")
        buttons.append([(_("Remove {name}").format(name=partner.name),
                         PartnerButton("revoke", partner.id))])
    if open_invites:
        lines += ["", Sngettext("{count} invite link still works:",
                                "{count} invite links still work:",
                                len(open_invites)).format(count=len(open_invites))]
    zone = context.services.settings.zone
    for invite in open_invites:
        date = invite.expires_at.astimezone(zone).strftime("%d-%m-%Y")
        left = invite.max_uses - invite.uses
        lines.append("• " + Sngettext(
            "{organisation}: {left} more use, until {date}",
            "{organisation}: {left} more uses, until {date}", left).format(
                organisation=invite.organisation.name, left=left, date=date))
        buttons.append([(S_("🚫 Withdraw: {organisation} ({date})").format(
            organisation=invite.organisation.name, date=date),
            InviteButton("withdraw", invite.id))])
    return "\n".join(lines), inline(buttons) if buttons else None


@allowed_to("invite.withdraw")
async def withdraw_invite(update: Update, context: BotContext) -> None:
    query, button = pressed(update, InviteButton)
    invite = await invites.withdraw_invite(context.session, context.person, button.invite_id)
    if invite is None:
        context.answer(query.id, S_("This invite link was already withdrawn or no longer works."))
        return
    done = S_("✅ The invite link for {organisation} was withdrawn: nobody can join with it "
              "any more.").format(organisation=invite.organisation.name)
    context.answer(query.id)
    text, markup = await _overview(context)
    edit_pressed(context, query, done + "\n\n" + text, markup)


@allowed_to("partners.revoke")
async def ask_to_remove(update: Update, context: BotContext) -> None:
    query, button = pressed(update, PartnerButton)
    partner = await invites.active_partner(context.session, context.person, button.partner_id)
    if partner is None:
        context.answer(query.id, _("This partner was already removed."))
        return
    context.answer(query.id)
    context.reply(_("Remove {name} ({organisation})? They can no longer refer families or "
                    "see their referrals.").format(name=partner.name,
                                                    organisation=partner.organisation.name),
                  reply_markup=inline([[(_("Yes, remove"), PartnerButton("confirm", partner.id)),
                                        (_("No"), Dismiss())]]))


@allowed_to("partners.revoke")
async def remove(update: Update, context: BotContext) -> None:
    query, button = pressed(update, PartnerButton)
    removed = await invites.revoke_partner(context.session, context.person, button.partner_id)
    if removed is None:
        context.answer(query.id, _("This partner was already removed."))
        return
    context.answer(query.id)
    text = _("{name} was removed.").format(name=removed.partner.name)
    if removed.invites_withdrawn:
        text += " " + S_("The invite link they joined with was withdrawn too: nobody can "
                         "join with it any more.")
    edit_pressed(context, query, text)
