"""Consultant commands for partners: /invite and /partners (case work is in handlers.cases)."""

from __future__ import annotations

from telegram import Update

from bot import invites
from bot.callbacks import Dismiss, PartnerButton
from bot.context import BotContext
from bot.i18n import _, ngettext
from bot.tokens import deep_link, qr_png
from handlers.common import allowed_to, edit_pressed, inline, pressed


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
    context.reply(_("🔗 Invite link for {organisation}. It works {uses} times, until {date}. "
                    "Share it only with professionals of this organisation:").format(
                        organisation=new.organisation_name, uses=new.max_uses,
                        date=new.expires_at.astimezone(settings.zone).strftime("%d-%m-%Y"))
                  + "\n" + link)
    context.reply_photo(qr_png(link), caption=_("QR code to join as a partner of {organisation}"
                                                ).format(organisation=new.organisation_name))


@allowed_to("partners.list")
async def list_partners(update: Update, context: BotContext) -> None:
    partners = await invites.active_partners(context.session, context.person)
    if not partners:
        context.reply(_("No partner professionals yet. Invite them with /invite ORGANISATION."))
        return
    lines = [ngettext("{count} partner professional:", "{count} partner professionals:",
                      len(partners)).format(count=len(partners))]
    buttons = []
    for partner in partners:
        lines.append(f"• {partner.name} – {partner.organisation.name}")
        buttons.append([(_("Remove {name}").format(name=partner.name),
                         PartnerButton("revoke", partner.id))])
    context.reply("\n".join(lines), reply_markup=inline(buttons))


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
    partner = await invites.revoke_partner(context.session, context.person, button.partner_id)
    if partner is None:
        context.answer(query.id, _("This partner was already removed."))
        return
    context.answer(query.id)
    edit_pressed(context, query, _("{name} was removed.").format(name=partner.name))
