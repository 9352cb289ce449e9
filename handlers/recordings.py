"""The consultant's recordings of the answers parents can hear: `/recording` lists them,
`/recording TOPIC LANGUAGE` asks for a voice message, and that voice message is kept as the
answer's recording (it comes before the speech synthesis, see bot.voice)."""

from __future__ import annotations

from telegram import Update

from bot import answers, voice
from bot.callbacks import RecordingCancel
from bot.context import BotContext
from bot.flows import FlowState
from bot.i18n import LANGUAGES, S_, _, language_name, use_language
from bot.matcher import TOPICS
from handlers.common import (
    allowed_to,
    consultants_only,
    edit_pressed,
    file_id_of,
    inline,
    message_of,
    pressed,
)


def _names(language: str) -> str:
    return f"{language} ({language_name(language)})"


def _usage() -> str:
    return (S_("Name a topic and a language, for example:\n/recording library ar") + "\n"
            + S_("Topics: {topics}").format(topics=", ".join(TOPICS)) + "\n"
            + S_("Languages: {languages}").format(languages=", ".join(LANGUAGES)))


def _overview_text(found: voice.Overview) -> str:
    lines = [S_("🎙️ Recorded answers (parents hear these first):")]
    for topic, languages in found.recorded.items():
        shown = [f"{language} ⚠️" if (topic, language) in found.outdated else language
                 for language in languages]
        lines.append(f"• {topic}: {', '.join(shown) if shown else '–'}")
    if found.outdated:
        lines.append(S_("⚠️ The answer's text changed after it was recorded: please record "
                        "it again."))
    lines += ["", S_("🤖 Without a recording the bot reads the answer aloud in: {languages}"
                     ).format(languages=", ".join(found.synthesised) or "–")]
    if found.silent:
        lines.append(S_("🔇 No 🔊 button until there is a recording, in: {languages}").format(
            languages=", ".join(found.silent)))
    return "\n".join([*lines, "", _usage()])


@allowed_to("voice.record")
async def recording_command(update: Update, context: BotContext) -> None:
    """`/recording` lists the recordings; `/recording TOPIC LANGUAGE` records one."""
    if not context.args:
        found = await voice.overview(context.session, context.person, context.services.facts)
        context.reply(_overview_text(found))
        return
    target = voice.parse_target(context.args)
    if target is None:
        context.reply(S_("I do not know that topic or language.") + "\n" + _usage())
        return
    state = await voice.start_recording(context.session, context.person, target)
    with use_language(target.language):
        text = answers.answer_text(target.topic, context.services.facts)
    context.reply(S_("🎙️ Send a voice message now: the answer about {topic} in {language}. "
                     "Parents who tap 🔊 under it will hear it instead of the computer "
                     "voice. The text they read:").format(topic=target.topic,
                                                          language=_names(target.language))
                  + "\n\n" + text,
                  reply_markup=inline([[(_("✖️ Cancel"),
                                         RecordingCancel("cancel", state.generation))]]))


async def on_message(update: Update, context: BotContext, state: FlowState) -> None:
    """The voice message of a recording; anything else is asked for again."""
    file_id = file_id_of(message_of(update), "voice")
    if file_id is None:
        context.reply(S_("That is not a voice message. Hold 🎤 in Telegram and speak, or tap "
                         "✖️ Cancel. Nothing was saved."))
        return
    target = await voice.save_recording(context.session, context.person, state, file_id,
                                        context.services.facts)
    if target is None:
        consultants_only(context)
        return
    context.reply(S_("✅ Saved. Parents who tap 🔊 under the answer about {topic} in "
                     "{language} now hear your recording.").format(
                         topic=target.topic, language=_names(target.language)))


async def cancel(update: Update, context: BotContext) -> None:
    query, button = pressed(update, RecordingCancel)
    if not await voice.cancel_recording(context.session, context.person, button.generation):
        context.answer(query.id, _("This button does not work any more."))
        return
    context.answer(query.id)
    edit_pressed(context, query, S_("Cancelled. Nothing was saved."))
