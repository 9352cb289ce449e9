"""Consultant commands for partners: /invite and /partners (case work is in handlers.cases)."""

from __future__ import annotations

from telegram import Update

from bot import access, callbacks, invites
from bot.context import BotContext
from bot.i18n import _, ngettext
from bot.tokens import deep_link, qr_png
from handlers.common import consultants_only, inline
from storage.repositories import organisations as org_repo


async def invite(update: Update, context: BotContext) -> None:
    person = context.person
    if not access.allowed(person, "invite"):
        consultants_only(context)
        return
    name = invites.clean_organisation_name(" ".join(context.args or []))
    if name is None:
        context.reply(_("Please add the organisation, for example:\n"
                        "/invite GGD consultatiebureau Dalfsen"))
        return
    settings = context.services.settings
    new = await invites.create_invite(context.session, person, name, settings.invite_valid_days,
                                      settings.invite_max_uses)
    link = deep_link(context.services.bot_username, new.token)
    context.reply(_("🔗 Invite link for {organisation}. It works {uses} times, until {date}. "
                    "Share it only with professionals of this organisation:").format(
                        organisation=new.organisation_name, uses=new.max_uses,
                        date=new.expires_at.astimezone(settings.zone).strftime("%d-%m-%Y"))
                  + "\n" + link)
    context.reply_photo(qr_png(link), caption=_("QR code to join as a partner of {organisation}"
                                                ).format(organisation=new.organisation_name))


async def list_partners(update: Update, context: BotContext) -> None:
    person = context.person
    if not access.allowed(person, "partners.list"):
        consultants_only(context)
        return
    partners = await org_repo.active_partners(context.session)
    if not partners:
        context.reply(_("No partner professionals yet. Invite them with /invite ORGANISATION."))
        return
    lines = [ngettext("{count} partner professional:", "{count} partner professionals:",
                      len(partners)).format(count=len(partners))]
    buttons = []
    for partner in partners:
        lines.append(f"• {partner.name} – {partner.organisation.name}")
        buttons.append([(_("Remove {name}").format(name=partner.name),
                         callbacks.encode("partner", "revoke", partner.id))])
    context.reply("\n".join(lines), reply_markup=inline(buttons))


async def partner_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    person = context.person
    data = callbacks.decode(query.data)
    if not access.allowed(person, "partners.revoke"):
        consultants_only(context, query.id)
        return
    partner_id = data.int_arg(0) if data else None
    if data is None or partner_id is None or data.action not in ("revoke", "confirm"):
        context.answer(query.id, _("This button is no longer valid."))
        return
    partner = await org_repo.partner_by_id(context.session, partner_id)
    if partner is None or partner.revoked_at is not None:
        context.answer(query.id, _("This partner was already removed."))
        return
    context.answer(query.id)
    if data.action == "revoke":
        context.reply(_("Remove {name} ({organisation})? They can no longer refer families or "
                        "see their referrals.").format(name=partner.name,
                                                        organisation=partner.organisation.name),
                      reply_markup=inline([[(_("Yes, remove"),
                                             callbacks.encode("partner", "confirm", partner.id)),
                                            (_("No"), "noop:none")]]))
        return
    await invites.revoke_partner(context.session, partner.id)
    context.edit(query.message.message_id,
                 _("{name} was removed.").format(name=partner.name))
