"""Staying in touch with partner organisations (bot.partnerships): the organisations part of
/partners, correcting an organisation's kind, and the consultant's contact notes."""

from __future__ import annotations

from datetime import datetime

from telegram import InlineKeyboardMarkup, Update

from bot import organisations, partnerships
from bot.callbacks import OrganisationButton
from bot.context import BotContext
from bot.flows import FlowState
from bot.i18n import S_, Sngettext, _
from handlers.common import (
    ButtonRow,
    allowed_to,
    consultants_only,
    edit_pressed,
    inline,
    pressed,
    text_of,
)

LABEL = 28  # an organisation's name on a button, at most


def _short(name: str) -> str:
    return name if len(name) <= LABEL else name[:LABEL - 1] + "…"


def _date(context: BotContext, moment: datetime) -> str:
    return moment.astimezone(context.services.settings.zone).strftime("%d-%m-%Y")


async def overview(context: BotContext) -> tuple[str, InlineKeyboardMarkup | None] | None:
    """Per organisation: its kind, who joined, referrals this year, bags (when counted) and
    the last contact; buttons to correct the kind and to add a note. None: no organisations."""
    now = context.services.now()
    settings = context.services.settings
    found = await partnerships.overview(context.session, context.person, now, settings.zone)
    if not found:
        return None
    year = now.astimezone(settings.zone).year
    quiet_before = now.timestamp() - settings.partner_quiet_weeks * 7 * 86400
    lines = [S_("🏢 Partner organisations:")]
    rows: list[ButtonRow] = []
    for summary in found:
        kind = S_(organisations.KIND_NAMES.get(summary.kind, summary.kind))
        lines.append("")
        lines.append(f"• {summary.name} ({kind})")
        lines.append("  " + (S_("joined: {names}").format(names=", ".join(summary.partners))
                             if summary.partners else S_("nobody joined yet")))
        facts = [S_("referrals {year}: {count}").format(year=year,
                                                        count=summary.referrals_this_year)]
        if summary.bags_this_year is not None:  # it hands out BoekStart bags
            facts.append(S_("BoekStart bags {year}: {count}").format(
                year=year, count=summary.bags_this_year))
        if summary.last_contact is None:
            facts.append(S_("no contact yet"))
        else:
            quiet = "🤫 " if summary.last_contact.timestamp() < quiet_before else ""
            facts.append(quiet + S_("last contact {date}").format(
                date=_date(context, summary.last_contact)))
        lines.append("  " + " · ".join(facts))
        rows.append([(S_("🏷️ Kind: {organisation}").format(organisation=_short(summary.name)),
                      OrganisationButton("kind", summary.id)),
                     (S_("📝 Note: {organisation}").format(organisation=_short(summary.name)),
                      OrganisationButton("note", summary.id))])
    lines += ["", Sngettext("🤫: no contact for {weeks}+ week (named in the Monday digest).",
                            "🤫: no contact for {weeks}+ weeks (named in the Monday digest).",
                            settings.partner_quiet_weeks).format(
                                weeks=settings.partner_quiet_weeks)]
    return "\n".join(lines), inline(rows)


@allowed_to("organisations.edit")
async def on_button(update: Update, context: BotContext) -> None:
    query, button = pressed(update, OrganisationButton)
    if button.action == "cancel":
        if await partnerships.cancel_note(context.session, context.person):
            context.answer(query.id)
            edit_pressed(context, query, S_("Cancelled. Nothing was saved."))
        else:
            context.answer(query.id, _("This button does not work any more."))
        return
    if button.action == "note":
        await _ask_note(context, query.id, button.organisation_id)
        return
    prefix = ""
    if button.action == "setkind":
        changed = await partnerships.set_kind(context.session, context.person,
                                              button.organisation_id, button.kind or "")
        if changed is None:
            context.answer(query.id, _("This button does not work any more."))
            return
        prefix = S_("✅ {organisation} is now: {kind}").format(
            organisation=changed.name, kind=S_(organisations.KIND_NAMES[changed.kind])) + "\n\n"
    elif button.action == "kind":
        await _ask_kind(context, query.id, button.organisation_id)
        return
    context.answer(query.id)
    shown = await overview(context)
    if shown is not None:
        edit_pressed(context, query, prefix + shown[0], shown[1])


async def _ask_kind(context: BotContext, query_id: str, organisation_id: int) -> None:
    found = await partnerships.organisation(context.session, context.person, organisation_id)
    if found is None:
        context.answer(query_id, _("This button does not work any more."))
        return
    context.answer(query_id)
    rows: list[ButtonRow] = [[(("✅ " if kind == found.kind else "")
                               + S_(organisations.KIND_NAMES[kind]),
                               OrganisationButton("setkind", found.id, kind))]
                             for kind in organisations.KINDS]
    rows.append([(S_("⬅️ Back"), OrganisationButton("back", found.id))])
    context.reply(S_("🏷️ What kind of organisation is {organisation}? News goes out by "
                     "kind.").format(organisation=found.name), reply_markup=inline(rows))


async def _ask_note(context: BotContext, query_id: str, organisation_id: int) -> None:
    found = await partnerships.start_note(context.session, context.person, organisation_id)
    if found is None:
        context.answer(query_id, _("This button does not work any more."))
        return
    context.answer(query_id)
    context.reply(S_("📝 Type a short note about your contact with {organisation} (a visit, "
                     "a call, a meeting). It counts as contact today.").format(
                         organisation=found.name),
                  reply_markup=inline([[(_("✖️ Cancel"),
                                         OrganisationButton("cancel", found.id))]]))


async def on_note_text(update: Update, context: BotContext, state: FlowState) -> None:
    note = partnerships.clean_note(text_of(update))
    if note is None:
        context.reply(S_("A note has {low} to {high} characters. Type it again, or tap ✖️ "
                         "Cancel.").format(low=partnerships.MIN_NOTE,
                                           high=partnerships.MAX_NOTE))
        return
    saved = await partnerships.save_note(context.session, context.person, state, note,
                                         context.services.now())
    if saved is None:
        consultants_only(context)
        return
    context.reply(S_("✅ Note saved for {organisation}: last contact {date}.").format(
        organisation=saved.name, date=_date(context, context.services.now())))


async def on_note_other(update: Update, context: BotContext, state: FlowState) -> None:
    context.reply(S_("Please type the note as text, or tap ✖️ Cancel."))
