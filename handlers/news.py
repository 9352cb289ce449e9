"""News for partner professionals (bot.news): the consultant's `/news` (compose, pick the
audience, preview, send; the latest items with how many received them), and the partner's
`/news off`, `/news on` and the buttons under each copy."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update

from bot import news
from bot.callbacks import NewsButton, NewsPartnerButton
from bot.context import BotContext
from bot.flows import FlowState
from bot.i18n import S_, Sngettext, _
from bot.people import Role
from handlers.common import (
    allowed_to,
    consultants_only,
    edit_pressed,
    file_id_of,
    inline,
    message_of,
    pressed,
    text_of,
)

OFF_WORDS = {"off", "uit", "stop"}
ON_WORDS = {"on", "aan", "start"}
EXCERPT = 40


def _excerpt(item_text: str | None, kind: str) -> str:
    icon = {"photo": "🖼️ ", "document": "📄 "}.get(kind, "")
    words = " ".join((item_text or "").split())
    if len(words) > EXCERPT:
        words = words[:EXCERPT - 1] + "…"
    return icon + (f"“{words}”" if words else "")


def _recent_text(context: BotContext, summaries: list[news.Summary], stopped: int) -> str:
    if not summaries:
        return S_("📰 No news sent yet.")
    zone = context.services.settings.zone
    lines = [S_("📰 Latest news:")]
    for summary in summaries:
        lines.append("• " + S_("{date} to {audience}: {excerpt}").format(
            date=summary.item.created_at.astimezone(zone).strftime("%d-%m-%Y"),
            audience=S_(news.AUDIENCE_NAMES.get(summary.item.audience, summary.item.audience)),
            excerpt=_excerpt(summary.item.text, summary.item.kind)))
        lines.append("  " + Sngettext("received by {received} of {queued} partner, 👍 {useful}",
                                      "received by {received} of {queued} partners, 👍 {useful}",
                                      summary.queued).format(
            received=summary.received, queued=summary.queued, useful=summary.useful))
    if stopped:
        lines.append(Sngettext("🔕 {count} partner stopped the news.",
                               "🔕 {count} partners stopped the news.", stopped).format(
                                   count=stopped))
    return "\n".join(lines)


def _ask_content(generation: int) -> tuple[str, InlineKeyboardMarkup]:
    return (S_("✍️ Write the news item or tip now: type the text, or send a photo with a "
               "caption, or a PDF."),
            inline([[(_("✖️ Cancel"), NewsButton("cancel", generation))]]))


async def news_command(update: Update, context: BotContext) -> None:
    """The consultant composes; a partner switches the news off or on."""
    if context.person.role is Role.PARTNER:
        await _partner_command(context)
        return
    if context.person.role is not Role.CONSULTANT:
        consultants_only(context)
        return
    summaries, stopped = await news.recent(context.session, context.person)
    state = await news.start(context.session, context.person)
    text, markup = _ask_content(state.generation)
    context.reply(_recent_text(context, summaries, stopped) + "\n\n" + text,
                  reply_markup=markup)


async def _partner_command(context: BotContext) -> None:
    word = (context.args or [""])[0].lower() if context.args else ""
    if word in OFF_WORDS:
        await news.stop(context.session, context.person)
        context.reply(_stopped_text())
    elif word in ON_WORDS:
        await news.resume(context.session, context.person)
        context.reply(S_("🔔 You get the library's news and tips again."))
    elif await news.is_stopped(context.session, context.person):
        context.reply(S_("🔕 You do not get the library's news now. To get it again: "
                         "/news on"))
    else:
        context.reply(S_("🔔 You get the library's news and tips. To stop them: /news off"))


def _stopped_text() -> str:
    return S_("🔕 You will get no more news from the library. To get it again: /news on")


# ---- composing ---------------------------------------------------------------------------------
def _problem_text(problem: news.Problem) -> str:
    if problem.reason == "long":
        return S_("That is too long: a text can have {text} characters, a caption under a "
                  "photo or PDF {caption}. Nothing was sent.").format(
                      text=news.MAX_TEXT, caption=news.MAX_CAPTION)
    if problem.reason == "file":
        return S_("Please send a text, a photo or a PDF. Nothing was sent.")
    return S_("That text is empty. Type the news item or tip. Nothing was sent.")


async def on_text(update: Update, context: BotContext, state: FlowState) -> None:
    await _take(context, state, "text", text_of(update), None, None)


async def on_other(update: Update, context: BotContext, state: FlowState) -> None:
    message = message_of(update)
    if message.photo:
        await _take(context, state, "photo", message.caption, file_id_of(message, "photo"),
                    None)
    elif message.document is not None:
        await _take(context, state, "document", message.caption,
                    file_id_of(message, "document"), message.document.mime_type)
    else:
        context.reply(_problem_text(news.Problem("file")))


async def _take(context: BotContext, state: FlowState, kind: str, text: str | None,
                file_id: str | None, mime_type: str | None) -> None:
    if context.person.role is not Role.CONSULTANT:
        consultants_only(context)
        return
    try:
        draft = news.check_content(kind, text, file_id, mime_type)
    except news.Problem as problem:
        context.reply(_problem_text(problem))
        return
    await news.take_content(context.session, context.person, state, draft)
    await _ask_audience(context, state.generation)


async def _ask_audience(context: BotContext, generation: int, prefix: str = "") -> None:
    sizes = await news.audience_sizes(context.session, context.person)
    rows = [[(f"{S_(news.AUDIENCE_NAMES[audience])} ({sizes[audience]})",
              NewsButton("aud", generation, audience))] for audience in news.AUDIENCES]
    rows.append([(_("✖️ Cancel"), NewsButton("cancel", generation))])
    context.reply(prefix + S_("👥 Who should get it? (the number of partners who get news)"),
                  reply_markup=inline(rows))


@allowed_to("news.send")
async def on_button(update: Update, context: BotContext) -> None:
    query, button = pressed(update, NewsButton)
    if button.action == "cancel":
        if await news.cancel(context.session, context.person, button.generation):
            context.answer(query.id)
            edit_pressed(context, query, S_("Cancelled. Nothing was sent."))
        else:
            context.answer(query.id, _("This button does not work any more."))
        return
    if button.action == "aud":
        await _audience_chosen(context, query.id, button)
        return
    sent = await news.send(context.session, context.person, button.generation)
    if sent is None:
        context.answer(query.id, _("This button does not work any more."))
        return
    context.answer(query.id)
    edit_pressed(context, query, Sngettext(
        "✅ Sent to {count} partner ({audience}). It goes out at Telegram's pace; /news "
        "shows how many received it.",
        "✅ Sent to {count} partners ({audience}). It goes out at Telegram's pace; /news "
        "shows how many received it.", sent.queued).format(
            count=sent.queued, audience=S_(news.AUDIENCE_NAMES[sent.audience])))


async def _audience_chosen(context: BotContext, query_id: str, button: NewsButton) -> None:
    chosen = await news.choose_audience(context.session, context.person, button.generation,
                                        button.value or "")
    if chosen is None:
        context.answer(query_id, _("This button does not work any more."))
        return
    draft, reach = chosen
    if not reach:
        context.answer(query_id, S_("Nobody there gets news yet. Choose another group."))
        return
    context.answer(query_id)
    context.reply(S_("👀 Preview: this is what the partners get."))
    if draft.kind == "text":
        context.reply(news.rendered(draft.text))
    elif draft.file_id is not None:
        context.reply_stored_file(draft.kind, draft.file_id, caption=news.rendered(draft.text))
    audience = S_(news.AUDIENCE_NAMES[draft.audience or news.ALL])
    context.reply(Sngettext("Send it to {count} partner ({audience})?",
                            "Send it to {count} partners ({audience})?", reach).format(
                                count=reach, audience=audience),
                  reply_markup=inline([[(S_("📤 Send"), NewsButton("send", button.generation)),
                                        (_("✖️ Cancel"),
                                         NewsButton("cancel", button.generation))]]))


# ---- the partner's buttons -------------------------------------------------------------------
@allowed_to("news.receive")
async def on_partner_button(update: Update, context: BotContext) -> None:
    query, button = pressed(update, NewsPartnerButton)
    if button.action == "stop":
        await news.stop(context.session, context.person)
        context.answer(query.id, S_("🔕 No more news."))
        context.reply(_stopped_text())
        return
    if await news.found_useful(context.session, context.person, button.news_id):
        context.answer(query.id, S_("👍 Thank you! The library is glad to hear it."))
    else:
        context.answer(query.id, S_("👍 Thank you!"))
