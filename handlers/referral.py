"""The referral conversation for partner professionals: /refer (/verwijs), buttons, typed steps.

The steps and their rules are in `bot.referrals`; this module asks the questions and reads the
answers. State lives in the database, so a restart resumes at the same step. A button carries
the flow's generation and step (`ReferralButton`); one of an older step changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

from telegram import CallbackQuery, InlineKeyboardMarkup, Update

from bot import family, referrals
from bot.callbacks import ReferralAction, ReferralButton
from bot.context import BotContext
from bot.flows import FlowState
from bot.i18n import LANGUAGES, N_, _, language_name, ngettext
from bot.referrals import StepProblem
from bot.tokens import deep_link, qr_png
from handlers.common import allowed_to, edit_pressed, inline, pressed, text_of

QUESTION = "question_message"  # the message that shows the current question, when known

PROBLEMS: dict[StepProblem, str] = {
    StepProblem.STALE: N_("This button does not work any more."),
    StepProblem.FIRST_STEP: N_("This is the first step."),
    StepProblem.NOTHING_CHOSEN: N_("Please tap at least one."),
}
TYPED_QUESTIONS: dict[str, str] = {
    "language_other": N_("Please type the name of the language."),
    "village_other": N_("Please type the name of the place."),
    "phone": N_("📞 Please type the family's phone number, for example 06 12345678 "
                "or +48 512 345 678."),
}

Rows = list[list[tuple[str, ReferralButton]]]


def _button(state: FlowState, action: ReferralAction, value: object = None) -> ReferralButton:
    return ReferralButton(action, state.generation, state.step,
                          None if value is None else str(value))


def _pairs(buttons: list[tuple[str, ReferralButton]]) -> Rows:
    return [buttons[i:i + 2] for i in range(0, len(buttons), 2)]


def _choices(state: FlowState, villages: Sequence[str]) -> tuple[str, Rows]:
    """A step answered with buttons: its question and its buttons."""
    step, chosen = state.step, state.data.get(state.step, [])
    if step == "language":
        rows = _pairs([(language_name(code), _button(state, "pick", code))
                       for code in LANGUAGES])
        return (_("🌍 Which language does the family speak best?"),
                [*rows, [(_("Another language"), _button(state, "pick", referrals.OTHER))]])
    if step == "village":
        rows = _pairs([(v, _button(state, "pick", i)) for i, v in enumerate(villages)])
        return (_("🏡 Where does the family live?"),
                [*rows, [(_("Somewhere else"), _button(state, "pick", referrals.OTHER))]])
    if step == "contact":
        return (_("☎️ How can the library reach the family?"),
                [[(_(label), _button(state, "pick", key))]
                 for key, label in referrals.CONTACTS.items()])
    options = referrals.AGES if step == "ages" else referrals.NEEDS
    question = (_("👶 How old are the children? Tap all that apply, then Next.")
                if step == "ages" else
                _("🎯 What does the family need? Tap all that apply, then Next."))
    rows = [[(("✅ " if key in chosen else "▫️ ") + _(label), _button(state, "tog", key))]
            for key, label in options.items()]
    return question, [*rows, [(_("Next ➡️"), _button(state, "next"))]]


def _typed_question(step: str) -> str:
    if step == "need_other":
        return ngettext("What else does the family need? Please type it in a few words "
                        "(at most {limit} character).",
                        "What else does the family need? Please type it in a few words "
                        "(at most {limit} characters).",
                        referrals.MAX_OTHER).format(limit=referrals.MAX_OTHER)
    if step == "note":
        return ngettext("📝 Type a short note for the consultant (at most {limit} character).",
                        "📝 Type a short note for the consultant (at most {limit} characters).",
                        referrals.MAX_NOTE).format(limit=referrals.MAX_NOTE)
    return _(TYPED_QUESTIONS[step])


def _summary(state: FlowState) -> tuple[str, Rows]:
    return referrals.summary_text(state.data), [
        [(_("✅ Yes, they agreed – send"), _button(state, "ok", "yes"))],
        [(_("🔗 No – send without contact details"), _button(state, "ok", "no"))],
        [(_("✏️ Language"), _button(state, "edit", "language")),
         (_("✏️ Village"), _button(state, "edit", "village"))],
        [(_("✏️ Children"), _button(state, "edit", "ages")),
         (_("✏️ Needs"), _button(state, "edit", "needs"))],
        [(_("✏️ Contact"), _button(state, "edit", "contact")),
         (_("📝 Note"), _button(state, "note"))],
        [(_("✖️ Cancel"), _button(state, "cancel"))],
    ]


def render(state: FlowState, villages: Sequence[str]) -> tuple[str, InlineKeyboardMarkup]:
    """The question and buttons of the step the flow is on."""
    number, total = referrals.step_position(state.step, state.data)
    header = _("Referral – step {number} of {total}").format(number=number, total=total)
    if state.step == "summary":
        question, rows = _summary(state)
    else:
        if state.step in referrals.TEXT_STEPS:
            question, rows = _typed_question(state.step), []
        else:
            question, rows = _choices(state, villages)
        nav = [(_("✖️ Cancel"), _button(state, "cancel"))]
        if referrals.step_before(state.step, state.data) is not None:
            nav.insert(0, (_("⬅️ Back"), _button(state, "back")))
        rows = [*rows, nav]
    return f"{header}\n\n{question}", inline(rows)


def ask(context: BotContext, state: FlowState) -> None:
    question, markup = render(state, context.services.facts.villages)
    context.reply(question, reply_markup=markup)


@allowed_to("referral.create")
async def refer(update: Update, context: BotContext) -> None:
    """/refer and /verwijs: start a referral, or show where an unfinished one stands."""
    state = await referrals.in_progress(context.session, context.person)
    if state is None:
        state = await referrals.start(context.session, context.person)
    else:
        context.reply(_("You have a referral in progress. Here is where you were:"))
    ask(context, state)


@allowed_to("referral.create")
async def on_button(update: Update, context: BotContext) -> None:
    query, button = pressed(update, ReferralButton)
    state = await referrals.in_progress(context.session, context.person)
    if state is None or button.generation != state.generation or button.step != state.step:
        context.answer(query.id, _("This button belongs to a finished or older step. "
                                   "Send /refer to see your referral."))
        return
    if button.action == "cancel":
        await referrals.cancel(context.session, context.person)
        context.answer(query.id)
        edit_pressed(context, query, _("Referral cancelled. Nothing was saved."))
    elif button.action == "ok" and state.step == "summary" and button.value in ("yes", "no"):
        await _submit(context, query, state, consent=button.value == "yes")
    else:
        moved = referrals.press(state.step, state.data, button.action, button.value,
                                context.services.facts.villages)
        if isinstance(moved, StepProblem):
            context.answer(query.id, _(PROBLEMS[moved]))
            return
        step, data = moved
        if query.message is not None:  # this message now shows the question: edited, not resent
            data = {**data, QUESTION: query.message.message_id}
        await referrals.move(context.session, state, step, data)
        context.answer(query.id)
        edit_pressed(context, query, *render(state, context.services.facts.villages))


async def _submit(context: BotContext, query: CallbackQuery, state: FlowState,
                  consent: bool) -> None:
    summary = referrals.summary_text(state.data)
    submitted = await referrals.submit(context.session, context.person, dict(state.data),
                                       consent)
    # Committed with the case: should the confirmation below never arrive, this offer of a
    # new link does (it is withdrawn once the confirmation reached Telegram).
    offer = await family.offer_later(context.session, context.person, submitted.case,
                                     context.services.settings.family_link_offer_seconds)
    reference = submitted.case.reference
    context.answer(query.id, _("Sent ✅"))
    edit_pressed(context, query, summary)
    if consent:
        done = _("✅ Referral {reference} is with the library. The consultant has been "
                 "notified.").format(reference=reference)
    else:
        done = _("✅ Referral {reference} is with the library, without contact details. "
                 "The family can start the conversation themselves with the link below."
                 ).format(reference=reference)
    show_family_link(context, reference, submitted.family_token, done, withdraws=offer)


def show_family_link(context: BotContext, reference: str, token: str, intro: str,
                     withdraws: str | None = None) -> None:
    """The family link (a t.me link that starts the bot with the token) and its QR code."""
    link = deep_link(context.services.bot_username, token)
    context.reply(intro + "\n\n" + _("Give the family this link (or let them scan the QR code). "
                                     "The bot will talk to them in their own language:")
                  + "\n" + link, withdraws=withdraws)
    context.reply_photo(qr_png(link), caption=_("QR code for the family – referral {reference}"
                                                ).format(reference=reference))


async def on_other(update: Update, context: BotContext, state: FlowState) -> None:
    """Input where a button is expected: the question says so, in place."""
    _ask_again(context, state, _("Please use the buttons below."))


def _ask_again(context: BotContext, state: FlowState, problem: str) -> None:
    """The same question with what was wrong above it: the question's message is edited when
    it is known, so the chat does not fill with copies; else one message."""
    question, markup = render(state, context.services.facts.villages)
    text = f"⚠️ {problem}\n\n{question}"
    message_id = state.data.get(QUESTION)
    if isinstance(message_id, int):
        context.edit(message_id, text, markup)
    else:
        context.reply(text, reply_markup=markup)


async def on_text(update: Update, context: BotContext, state: FlowState) -> None:
    """Typed text while a referral is open: a typed step, or else the question again."""
    moved = referrals.type_answer(state.step, state.data, text_of(update))
    if moved is None:
        await on_other(update, context, state)
        return
    if isinstance(moved, str):  # what was wrong; the step stays
        _ask_again(context, state, moved)
        return
    old_question = state.data.get(QUESTION)
    if isinstance(old_question, int):  # answered: its buttons go, the text stays
        context.edit(old_question, render(state, context.services.facts.villages)[0])
    step, data = moved
    await referrals.move(context.session, state, step,
                         {k: v for k, v in data.items() if k != QUESTION})
    ask(context, state)
