"""BoekStart bags: /boekstart for partner professionals (a bag handed out, in four taps),
/bags for the consultant (stock per organisation, deliveries, who hands out bags), and the
parent's link (`/start b_...`). The rules are in `bot.bags`."""

from __future__ import annotations

from typing import Any

from telegram import CallbackQuery, InlineKeyboardMarkup, Update

from bot import answers, bags
from bot.callbacks import BagButton, BagReferButton, BagStockButton
from bot.context import BotContext
from bot.flows import FlowState
from bot.i18n import LANGUAGES, S_, _, language_name, set_language
from bot.tokens import deep_link, qr_png
from handlers.common import ButtonRow, allowed_to, edit_pressed, inline, pressed, show_menu
from handlers.referral import ask as ask_referral

ADD_BUTTON = 10  # bags the ➕ button on /bags records


# ---- the partner: a bag handed out -----------------------------------------------------------
def _button(state: FlowState, action: str, value: object = None) -> BagButton:
    return BagButton(action, state.generation, state.step,  # type: ignore[arg-type]
                     None if value is None else str(value))


def _pairs(buttons: list[tuple[str, BagButton]]) -> list[list[tuple[str, BagButton]]]:
    return [buttons[i:i + 2] for i in range(0, len(buttons), 2)]


def render(state: FlowState, villages: list[str] | tuple[str, ...]
           ) -> tuple[str, InlineKeyboardMarkup]:
    step = state.step
    if step == bags.TWICE:
        return (S_("🎒 You recorded a bag less than a minute ago. Did you hand out two?"),
                inline([[(S_("Yes, a second bag"), _button(state, "pick", "yes")),
                         (S_("No, the same bag"), _button(state, "pick", "no"))]]))
    if step == "village":
        question = S_("🏡 Where does the family live?")
        rows = _pairs([(v, _button(state, "pick", i)) for i, v in enumerate(villages)])
        rows.append([(S_("Somewhere else"), _button(state, "pick", bags.OTHER))])
    elif step == "age":
        question = S_("👶 How old is the baby?")
        rows = _pairs([(S_(label), _button(state, "pick", key))
                       for key, label in bags.AGE_BANDS.items()])
    elif step == "language":
        question = S_("🌍 Which language is spoken at home?")
        rows = _pairs([(language_name(code), _button(state, "pick", code))
                       for code in LANGUAGES])
        rows.append([(S_("Another language"), _button(state, "pick", bags.OTHER))])
    else:
        question = S_("💡 Do the parents want BoekStart tips from the library in their "
                      "language? (They get a link; no name or phone number is asked.)")
        rows = [[(S_("✅ Yes"), _button(state, "pick", "yes")),
                 (S_("No"), _button(state, "pick", "no"))]]
    nav = [(S_("✖️ Cancel"), _button(state, "cancel"))]
    if bags.step_before(step) is not None:
        nav.insert(0, (S_("⬅️ Back"), _button(state, "back")))
    header = S_("BoekStart bag – step {number} of {total}").format(
        number=bags.step_number(step), total=len(bags.STEPS))
    return f"{header}\n\n{question}", inline([*rows, nav])


@allowed_to("bag.record")
async def boekstart(update: Update, context: BotContext) -> None:
    """/boekstart: record a bag handed out (or see where an unfinished one stands)."""
    if not await bags.hands_out_bags(context.session, context.person):
        context.reply(S_("Your organisation does not hand out BoekStart bags here. The "
                         "library's consultant can change that."))
        return
    state = await bags.in_progress(context.session, context.person)
    if state is None:
        state = await bags.start(context.session, context.person)
    question, markup = render(state, context.services.facts.villages)
    context.reply(question, reply_markup=markup)


@allowed_to("bag.record")
async def on_button(update: Update, context: BotContext) -> None:
    query, button = pressed(update, BagButton)
    state = await bags.in_progress(context.session, context.person)
    if state is None or button.generation != state.generation or button.step != state.step:
        context.answer(query.id, S_("This button belongs to a finished or older step. "
                                    "Send /boekstart to record a bag."))
        return
    if button.action == "pick":
        await _pick(context, query, state, button.value)
        return
    if button.action == "cancel":
        await bags.cancel(context.session, context.person)
        context.answer(query.id)
        edit_pressed(context, query, S_("Cancelled. No bag was recorded."))
        return
    previous = bags.step_before(state.step)
    if previous is None:
        context.answer(query.id, S_("This is the first step."))
        return
    await bags.move(context.session, state, previous, dict(state.data))
    context.answer(query.id)
    edit_pressed(context, query, *render(state, context.services.facts.villages))


async def _pick(context: BotContext, query: CallbackQuery, state: FlowState,
                value: str | None) -> None:
    """An answer: the next step, "did you hand out two?", or the bag recorded."""
    villages = context.services.facts.villages
    data = bags.pick(state.step, dict(state.data), value, villages)
    if data is None:
        context.answer(query.id, S_("This button does not work any more."))
        return
    if state.step == bags.TWICE and data.get(bags.TWICE) == "no":
        await bags.cancel(context.session, context.person)
        context.answer(query.id)
        edit_pressed(context, query, S_("OK: that bag was recorded once. Nothing more was "
                                        "recorded."))
        return
    following = bags.next_step(state.step)
    if following is None and state.step != bags.TWICE and await bags.recorded_just_now(
            context.session, context.person, context.services.now()):
        following = bags.TWICE
    if following is not None:
        await bags.move(context.session, state, following, data)
        context.answer(query.id)
        edit_pressed(context, query, *render(state, villages))
        return
    if not await bags.hands_out_bags(context.session, context.person):  # switched off since
        await bags.cancel(context.session, context.person)
        context.answer(query.id)
        edit_pressed(context, query, S_("Your organisation does not hand out BoekStart bags "
                                        "here. The library's consultant can change that."))
        return
    await _record(context, query, data)


async def _record(context: BotContext, query: CallbackQuery, data: dict[str, Any]) -> None:
    settings = context.services.settings
    recorded = await bags.record(context.session, context.person, dict(data),
                                 context.services.now(), settings.bag_stock_alert_below)
    context.answer(query.id, S_("Recorded ✅"))
    edit_pressed(context, query, bags.summary(data))
    lines = [S_("✅ BoekStart bag recorded. Bags in stock at {organisation}: {stock}.").format(
        organisation=recorded.organisation, stock=recorded.stock)]
    if recorded.none_left:
        lines.append(S_("⚠️ There were no bags left on record for your organisation. Please "
                        "ask the library's consultant ({name}) for new bags. This bag was "
                        "recorded.").format(name=context.services.facts.consultant.name))
    refer = inline([[(S_("➡️ Refer this family too"),
                      BagReferButton("refer", recorded.handout.id))]])
    if recorded.token is None:
        context.reply("\n\n".join(lines), reply_markup=refer)
        return
    link = deep_link(context.services.bot_username, recorded.token)
    lines.append(S_("Give the parents this link (or let them scan the QR code). The bot "
                    "greets them in their language and sends BoekStart tips:") + "\n" + link)
    context.reply("\n\n".join(lines), reply_markup=refer)
    context.reply_photo(qr_png(link), caption=S_("QR code for the parents – BoekStart tips"))


async def on_other(update: Update, context: BotContext, state: FlowState) -> None:
    """Typed text, a sticker: the question again, with a word that buttons are needed."""
    question, markup = render(state, context.services.facts.villages)
    context.reply("⚠️ " + S_("Please use the buttons below.") + "\n\n" + question,
                  reply_markup=markup)


@allowed_to("referral.create")
async def refer(update: Update, context: BotContext) -> None:
    """"Refer this family too": the referral, the bag's village and language filled in."""
    query, button = pressed(update, BagReferButton)
    state = await bags.refer_family(context.session, context.person, button.handout_id)
    if state is None:
        context.answer(query.id, S_("This button does not work any more."))
        return
    context.answer(query.id)
    ask_referral(context, state)


# ---- the parent's link -----------------------------------------------------------------------
async def open_link(context: BotContext, token: str) -> None:
    handout, problem = await bags.open_link(context.session, context.person, token,
                                            context.services.now())
    if problem is bags.LinkProblem.NOT_FOR_STAFF:
        context.reply(S_("This link is for the parents. Please give it to them."))
        return
    if handout is None:
        context.reply(_("This link does not work. Please ask for a new link."))
        return
    set_language(context.person.language)
    facts = context.services.facts
    lines = [_("👋 Welcome to {library}! You got a BoekStart bag for your baby.").format(
                 library=facts.name), "", answer_boekstart(context)]
    if handout.parent_id is not None and handout.parent_id == context.person.record_id \
            and handout.fifteen_months_sent_at is None:
        lines += ["", _("📅 In a few weeks I will send you a tip about reading with your "
                        "baby.")]
    show_menu(context, "\n".join(lines))


def answer_boekstart(context: BotContext) -> str:
    return answers.answer_text("boekstart", context.services.facts)


# ---- the consultant: stock, deliveries, who hands out bags ---------------------------------
@allowed_to("bags.manage")
async def bags_command(update: Update, context: BotContext) -> None:
    """/bags: each organisation's stock; /bags NAME +20: bags delivered."""
    args = list(context.args or [])
    if not args:
        text, markup = await _overview(context)
        context.reply(text, reply_markup=markup)
        return
    parsed = bags.parse_delivery(args)
    if parsed is bags.StockProblem.RANGE:
        context.reply(S_("❗ The number of bags must be between 1 and {most} (a minus sign "
                         "corrects: /bags GGD -2). Nothing was recorded.").format(
                             most=bags.MAX_DELIVERY))
        return
    if not isinstance(parsed, tuple):
        context.reply(S_("❗ Please write the organisation and the number of bags, for "
                         "example: /bags GGD +20. Nothing was recorded."))
        return
    name, count = parsed
    settings = context.services.settings
    done = await bags.deliver(context.session, context.person, name, count,
                              context.services.now(), settings.bag_stock_alert_below)
    if done.problem is bags.StockProblem.AMBIGUOUS:
        context.reply(S_("❗ Several organisations match “{name}”: {names}. Please type more "
                         "of the name. Nothing was recorded.").format(
                             name=name, names=", ".join(done.matches)))
        return
    if done.organisation is None:
        known = ", ".join(done.matches) or "–"
        context.reply(S_("❗ I know no organisation called “{name}”. Known organisations: "
                         "{names}. Nothing was recorded.").format(name=name, names=known))
        return
    context.reply(_delivered_text(done, count))


def _delivered_text(done: bags.Delivered, count: int) -> str:
    assert done.organisation is not None
    text = S_("✅ {count} bags recorded for {organisation}. In stock now: {stock}.").format(
        count=f"{count:+d}", organisation=done.organisation.name, stock=done.stock)
    if done.now_hands_out:
        text += "\n" + S_("{organisation} now hands out BoekStart bags (its professionals can "
                          "use /boekstart).").format(organisation=done.organisation.name)
    return text


async def _overview(context: BotContext) -> tuple[str, InlineKeyboardMarkup | None]:
    rows = await bags.overview(context.session, context.person)
    if not rows:
        return S_("No organisations yet. Invite professionals with /invite ORGANISATION."), None
    lines = [S_("🎒 BoekStart bags in stock:")]
    buttons: list[ButtonRow] = []
    for organisation, stock in rows:
        state = (S_("hands out bags") if organisation.hands_out_bags
                 else S_("does not hand out bags"))
        lines.append(f"• {organisation.name}: {stock} · {state}")
        buttons.append([
            (S_("➕ {count} {organisation}").format(count=ADD_BUTTON,
                                                   organisation=organisation.name),
             BagStockButton("add", organisation.id, ADD_BUTTON)),
            (S_("🚫 Stop bags") if organisation.hands_out_bags else S_("✅ Hands out bags"),
             BagStockButton("toggle", organisation.id))])
    lines += ["", S_("Record another number with /bags NAME +20 (a minus sign corrects).")]
    return "\n".join(lines), inline(buttons)


@allowed_to("bags.manage")
async def stock_button(update: Update, context: BotContext) -> None:
    query, button = pressed(update, BagStockButton)
    settings = context.services.settings
    if button.action == "toggle":
        changed = await bags.toggle(context.session, context.person, button.organisation_id)
        done = None if changed is None else (
            S_("✅ {organisation} hands out BoekStart bags.") if changed.hands_out_bags
            else S_("✅ {organisation} no longer hands out BoekStart bags.")).format(
                organisation=changed.name)
    else:
        delivered = await bags.deliver_by_id(context.session, context.person,
                                             button.organisation_id, button.count or 0,
                                             context.services.now(),
                                             settings.bag_stock_alert_below)
        done = (None if delivered.organisation is None
                else _delivered_text(delivered, button.count or 0))
    if done is None:
        context.answer(query.id, S_("This button does not work any more."))
        return
    context.answer(query.id)
    text, markup = await _overview(context)
    edit_pressed(context, query, done + "\n\n" + text, markup)


__all__ = ["bags_command", "boekstart", "on_button", "on_other", "open_link", "refer",
           "stock_button"]
