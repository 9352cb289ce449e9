"""Presence hours: the consultant's /presence (list, add, cancel a date, remove), the nurses'
/consultant and the presence line on /refer, and the warm handover. Rules in `bot.presence`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from telegram import InlineKeyboardMarkup, Update

from bot import flows, presence
from bot.callbacks import HandoverButton, PresenceButton, PresenceSessionButton
from bot.context import BotContext
from bot.facts import WEEKDAYS, day_name
from bot.flows import FlowState
from bot.i18n import NS_, S_, Sngettext, current_language
from bot.people import Role
from bot.presence import Problem, Refused
from handlers import referral
from handlers.common import ButtonRow, allowed_to, edit_pressed, inline, pressed, text_of

PROBLEMS: dict[Problem, str] = {
    Problem.BAD_TIMES: NS_("❗ Please type the times like 09:00-11:30."),
    Problem.END_BEFORE_START: NS_("❗ The end is before the start. Please type the times like "
                                  "09:00-11:30."),
    Problem.UNKNOWN_PLACE: NS_("❗ I do not know that place. Please tap one of the places."),
    Problem.UNKNOWN_DAY: NS_("❗ Please tap a weekday."),
    Problem.BAD_DATE: NS_("❗ That is not a date. Please type it like 25-12-2026, or tap one."),
    Problem.PAST_DATE: NS_("❗ That date is in the past."),
    Problem.WRONG_WEEKDAY: NS_("❗ These hours are not held on that date."),
    Problem.ALREADY_CANCELLED: NS_("❗ That date is already cancelled."),
    Problem.GONE: NS_("These presence hours were removed."),
    Problem.NOT_NOW: NS_("The consultant is not here now, so a warm handover is not possible. "
                         "Please refer the family with /refer."),
    Problem.BAD_ROOM: NS_("❗ Please type the room in a few words (at most 40 characters)."),
}
NOTHING_STORED = NS_("Nothing was saved.")


def _problem(refused: Refused) -> str:
    if refused.problem is Problem.CLASH and refused.clash is not None:
        return S_("❗ These hours overlap with your hours on {session}. Nothing was saved; "
                  "please type other times.").format(
            session=presence.session_label(refused.clash))
    return S_(PROBLEMS[refused.problem])


# ---- the consultant: /presence --------------------------------------------------------------
def _list(context: BotContext, rows: list[Any]) -> tuple[str, InlineKeyboardMarkup]:
    if rows:
        lines = [S_("🗓️ Your presence hours (every week):")]
        lines += [f"{i}. {presence.session_label(row)}" for i, row in enumerate(rows, 1)]
    else:
        lines = [S_("🗓️ You have no presence hours yet.")]
    buttons: list[ButtonRow] = [
        [(S_("❌ {number}: cancel a date").format(number=i), PresenceSessionButton("off", row.id)),
         (S_("🗑️ {number}: remove").format(number=i), PresenceSessionButton("remove", row.id))]
        for i, row in enumerate(rows, 1)]
    buttons.append([(S_("➕ Add presence hours"), PresenceButton("add", 0))])
    return "\n".join(lines), inline(buttons)


@allowed_to("presence.manage")
async def presence_command(update: Update, context: BotContext) -> None:
    rows = await presence.own_sessions(context.session, context.person)
    context.reply(*_list(context, rows))


def _step(context: BotContext, state: FlowState) -> tuple[str, InlineKeyboardMarkup]:
    """The question of the step the /presence flow is on, with its buttons."""
    gen = state.generation
    cancel = [(S_("✖️ Cancel"), PresenceButton("cancel", gen))]
    language = current_language()
    if state.step == "weekday":
        days = [(day_name(day, language), PresenceButton("day", gen, day)) for day in WEEKDAYS]
        rows: list[ButtonRow] = [days[i:i + 3] for i in range(0, len(days), 3)]
        return S_("➕ New presence hours. Which weekday?"), inline([*rows, cancel])
    if state.step == "times":
        day = day_name(state.data["weekday"], language)
        return (S_("{day}: type the times, like 09:00-11:30.").format(day=day),
                inline([cancel]))
    if state.step == "place":
        spots = context.services.facts.presence_spots
        rows = [[(spot.name, PresenceButton("place", gen, str(i)))] for i, spot in
                enumerate(spots)]
        return S_("Where? Tap the place."), inline([*rows, cancel])
    if state.step == "date":
        return (S_("Which date is cancelled? Tap it, or type it like 25-12-2026."),
                inline([*_date_rows(state), cancel]))
    # "why"
    rows = [[(S_(label), PresenceButton("why", gen, key))]
            for key, label in presence.REASONS.items()]
    return S_("Why is it cancelled? The partners of the place are told."), inline([*rows,
                                                                                  cancel])


def _date_rows(state: FlowState) -> list[ButtonRow]:
    return [[(presence.date_label(dt.date.fromisoformat(day)),
              PresenceButton("date", state.generation, day))]
            for day in state.data.get("choices", [])]


@allowed_to("presence.manage")
async def on_session_button(update: Update, context: BotContext) -> None:
    """Under the list: cancel one date of a session, or remove it."""
    query, button = pressed(update, PresenceSessionButton)
    now = context.services.now()
    if button.action == "remove":
        removed = await presence.remove_session(context.session, context.person,
                                                button.session_id, now)
        context.answer(query.id, S_("🗑️ Removed.") if removed else S_(PROBLEMS[Problem.GONE]))
        rows = await presence.own_sessions(context.session, context.person)
        edit_pressed(context, query, *_list(context, rows))
        return
    row = await presence.live_session(context.session, button.session_id)
    if row is None:
        context.answer(query.id, S_(PROBLEMS[Problem.GONE]))
        return
    today = now.astimezone(context.services.settings.zone).date()
    choices = await presence.cancel_choices(context.session, row, today)
    state = await flows.begin(context.session, context.person, flows.PRESENCE, "date", {
        "session": row.id, "choices": [day.isoformat() for day in choices]})
    context.answer(query.id)
    context.reply(presence.session_label(row) + "\n\n"
                  + _step(context, state)[0], reply_markup=_step(context, state)[1])


@allowed_to("presence.manage")
async def on_button(update: Update, context: BotContext) -> None:
    query, button = pressed(update, PresenceButton)
    if button.action == "add":
        started = await flows.begin(context.session, context.person, flows.PRESENCE, "weekday")
        context.answer(query.id)
        context.reply(*_step(context, started))
        return
    state = await flows.current(context.session, context.person)
    if (state is None or state.flow != flows.PRESENCE
            or button.generation != state.generation):
        context.answer(query.id, S_("This button belongs to a finished step. Send /presence."))
        return
    if button.action == "cancel":
        await flows.end(context.session, context.person)
        context.answer(query.id)
        edit_pressed(context, query, S_("Cancelled.") + " " + S_(NOTHING_STORED))
        return
    handler = {"day": _pick_day, "place": _pick_place, "date": _pick_date,
               "why": _pick_reason}.get(button.action)
    expected = {"day": "weekday", "place": "place", "date": "date", "why": "why"}
    if handler is None or expected.get(button.action) != state.step:
        context.answer(query.id, S_("This button belongs to a finished step. Send /presence."))
        return
    context.answer(query.id)
    await handler(context, state, button.value or "", query.message.message_id
                  if query.message is not None else None)


def _show(context: BotContext, message_id: int | None, text: str,
          markup: InlineKeyboardMarkup | None = None) -> None:
    if message_id is not None:
        context.edit(message_id, text, markup)
    else:
        context.reply(text, reply_markup=markup)


async def _pick_day(context: BotContext, state: FlowState, value: str,
                    message_id: int | None) -> None:
    if value not in WEEKDAYS:
        _show(context, message_id, S_(PROBLEMS[Problem.UNKNOWN_DAY]), _step(context, state)[1])
        return
    await flows.move(context.session, state, "times", {"weekday": value})
    _show(context, message_id, *_step(context, state))


async def _save(context: BotContext, state: FlowState, place: object,
                message_id: int | None) -> None:
    saved = await presence.add_session(context.session, context.person, context.services.facts,
                                       state.data.get("weekday"), state.data.get("times"), place)
    if isinstance(saved, Refused):
        if saved.problem is Problem.CLASH:  # back to the times: she types others
            await flows.move(context.session, state, "times",
                             {"weekday": state.data.get("weekday")})
            _show(context, message_id, _problem(saved) + "\n\n" + _step(context, state)[0],
                  _step(context, state)[1])
            return
        _show(context, message_id, _problem(saved) + "\n\n" + _step(context, state)[0],
              _step(context, state)[1])
        return
    await flows.end(context.session, context.person)
    _show(context, message_id, S_("✅ Saved: every {session}.").format(
        session=presence.session_label(saved)))
    rows = await presence.own_sessions(context.session, context.person)
    context.reply(*_list(context, rows))


async def _pick_place(context: BotContext, state: FlowState, value: str,
                      message_id: int | None) -> None:
    await _save(context, state, value, message_id)


async def _pick_date(context: BotContext, state: FlowState, value: str,
                     message_id: int | None) -> None:
    await _date_chosen(context, state, presence.parse_date(value), message_id)


async def _date_chosen(context: BotContext, state: FlowState, day: Any,
                       message_id: int | None) -> None:
    row = await presence.live_session(context.session, state.data.get("session", 0))
    if row is None:
        await flows.end(context.session, context.person)
        _show(context, message_id, S_(PROBLEMS[Problem.GONE]))
        return
    today = context.services.now().astimezone(context.services.settings.zone).date()
    problem = await presence.check_date(context.session, row, day, today)
    if problem is not None:
        _show(context, message_id, S_(PROBLEMS[problem]) + " " + S_(NOTHING_STORED) + "\n\n"
              + _step(context, state)[0], _step(context, state)[1])
        return
    await flows.move(context.session, state, "why", {**state.data, "day": day.isoformat()})
    _show(context, message_id, presence.date_label(day) + "\n\n" + _step(context, state)[0],
          _step(context, state)[1])


async def _pick_reason(context: BotContext, state: FlowState, value: str,
                       message_id: int | None) -> None:
    now = context.services.now()
    today = now.astimezone(context.services.settings.zone).date()
    done = await presence.cancel_date(
        context.session, context.person, context.services.facts, state.data.get("session", 0),
        presence.parse_date(state.data.get("day", "")), value, today)
    await flows.end(context.session, context.person)
    if isinstance(done, Refused):
        _show(context, message_id, S_(PROBLEMS[done.problem]) + " " + S_(NOTHING_STORED))
        return
    told = Sngettext("{count} partner was told.", "{count} partners were told.",
                     done.told).format(count=done.told)
    _show(context, message_id, S_("✅ Cancelled: {date}, {session}.").format(
        date=presence.date_label(done.cancellation.day),
        session=presence.session_label(done.session)) + " " + told)


async def on_text(update: Update, context: BotContext, state: FlowState) -> None:
    """Typed while in /presence: the times, a place's name, or a date to cancel."""
    text = text_of(update)
    if state.step == "times":
        checked = await presence.check_times(context.session, context.person,
                                             state.data.get("weekday", "mon"), text)
        if isinstance(checked, Refused):
            context.reply(_problem(checked) + "\n\n" + _step(context, state)[0],
                          reply_markup=_step(context, state)[1])
            return
        await flows.move(context.session, state, "place",
                         {**state.data, "times": f"{checked[0]}-{checked[1]}"})
        context.reply(*_step(context, state))
    elif state.step == "place":
        index = presence.find_place(context.services.facts, text)
        if index is None:
            context.reply(S_(PROBLEMS[Problem.UNKNOWN_PLACE]) + " " + S_(NOTHING_STORED),
                          reply_markup=_step(context, state)[1])
            return
        await _save(context, state, index, None)
    elif state.step == "date":
        await _date_chosen(context, state, presence.parse_date(text), None)
    else:
        await on_other(update, context, state)


async def on_other(update: Update, context: BotContext, state: FlowState) -> None:
    context.reply(S_("Please use the buttons below.") + "\n\n" + _step(context, state)[0],
                  reply_markup=_step(context, state)[1])


# ---- nurses: /consultant, /refer, the warm handover -----------------------------------------
async def _where(context: BotContext) -> tuple[str, InlineKeyboardMarkup | None, bool]:
    """Where she is next (and whether any hours are planned), with the 🤝 button for a
    nurse while she is here now."""
    now = context.services.now()
    occurrences = await presence.upcoming(context.session, now, context.services.settings.zone)
    text = presence.staff_where(context.services.facts, occurrences, now)
    here = presence.here_now(occurrences, now) is not None
    markup = (inline([[(S_("🤝 Warm handover: the family is with me now"), HandoverButton())]])
              if here and context.person.role is Role.PARTNER else None)
    return text, markup, bool(occurrences)


@allowed_to("presence.view")
async def consultant_command(update: Update, context: BotContext) -> None:
    """/consultant: when and where she is next, "here now" during a session."""
    text, markup, _planned = await _where(context)
    context.reply(text, reply_markup=markup)


@allowed_to("referral.create")
async def refer(update: Update, context: BotContext) -> None:
    """/refer with her next presence hours (if any) above the referral's first question."""
    text, markup, planned = await _where(context)
    if planned:
        context.reply(text, reply_markup=markup)
    await referral.refer(update, context)


@allowed_to("presence.handover")
async def handover_button(update: Update, context: BotContext) -> None:
    query, _button = pressed(update, HandoverButton)
    now = context.services.now()
    occurrences = await presence.upcoming(context.session, now, context.services.settings.zone)
    if presence.here_now(occurrences, now) is None:
        context.answer(query.id, S_(PROBLEMS[Problem.NOT_NOW]))
        return
    await flows.begin(context.session, context.person, flows.HANDOVER, "room")
    context.answer(query.id)
    context.reply(S_("🤝 Warm handover. In which room is the family with you? Type it, "
                     "e.g. room 3. The consultant is alerted at once."))


async def handover_room(update: Update, context: BotContext, state: FlowState) -> None:
    """The typed room: the case is made and the consultant alerted."""
    done = await presence.warm_handover(context.session, context.person, context.services.facts,
                                        text_of(update), context.services.now(),
                                        context.services.settings.zone)
    if isinstance(done, Refused):
        if done.problem is Problem.NOT_NOW:
            await flows.end(context.session, context.person)
        context.reply(S_(PROBLEMS[done.problem]))
        return
    submitted = done.submitted
    intro = S_("✅ Warm handover {reference}: {name} has been alerted and comes to the family "
               "now.").format(reference=submitted.case.reference,
                             name=context.services.facts.consultant.name)
    referral.show_family_link(context, submitted.case.reference, submitted.family_token, intro)


async def handover_other(update: Update, context: BotContext, state: FlowState) -> None:
    context.reply(S_(PROBLEMS[Problem.BAD_ROOM]))
