"""Activities in the chat: the consultant's guided flow to create them (/newactivity), the
staff's list (/activities) with "refer a family from here" and "who came" for partners at
an activity, and the parents' list under the menu's activities button, with one-tap sign-up,
the waiting list, cancelling and "tell me about new activities".

The rules are in `bot.activities`; here the questions are asked and the answers read.
"""

from __future__ import annotations

from telegram import CallbackQuery, Update

from bot import activities, answers, parents, referrals
from bot.activities import CallOff, Change, Clash, Outcome, Problem
from bot.callbacks import ActivityButton, ActivityFlowButton
from bot.context import BotContext
from bot.flows import FlowState
from bot.i18n import LANGUAGES, S_, Sngettext, _, current_language, language_name
from bot.people import Role
from handlers import referral
from handlers.common import (
    ButtonRow,
    allowed_to,
    edit_pressed,
    inline,
    pressed,
    show_menu,
    text_of,
)

KIDS = (1, 2, 3, 4)


# ---- the consultant creates activities ------------------------------------------------------
def _flow_button(state: FlowState, action: str, value: object = None) -> ActivityFlowButton:
    return ActivityFlowButton(action, state.generation, state.step,  # type: ignore[arg-type]
                              None if value is None else str(value))


def _typed_question(state: FlowState) -> str:
    """The question of a step answered by typing."""
    step, data = state.step, state.data
    if step == "place_other":
        return S_("Type the place, for example the school's name (at most 80 characters).")
    if step == "until":
        return S_("Every week until which date? Type it like 27-08-2027.")
    if step == "when":
        village, place = activities.places_of(data)[len(data.get("times", []))]
        return S_("When is it in {place}? Type the (first) date and time like "
                  "21-07-2027 14:00-16:00.").format(place=place or village or "–")
    if step == "capacity":
        return S_("How many families can sign up? Type a number.")
    return S_("Type the title as parents will see it (at most 80 characters).")


def _places(state: FlowState, villages: tuple[str, ...]) -> tuple[str, list[ButtonRow]]:
    chosen = state.data.get("villages", [])
    rows: list[ButtonRow] = [[(("✅ " if v in chosen else "▫️ ") + v,
                               _flow_button(state, "tog", i))] for i, v in enumerate(villages)]
    return (S_("Where? Tap one or more villages (at the library there), or another place "
               "such as a school. Then Next."),
            [*rows, [(S_("✍️ Another place"), _flow_button(state, "pick", "other"))],
             [(S_("Next ➡️"), _flow_button(state, "next"))]])


def _languages(state: FlowState) -> tuple[str, list[ButtonRow]]:
    chosen = state.data.get("languages", [])
    buttons = [(("✅ " if code in chosen else "▫️ ") + language_name(code),
                _flow_button(state, "tog", code)) for code in LANGUAGES]
    return (S_("Which languages are spoken there? Tap all that apply, then Next."),
            [*[buttons[i:i + 3] for i in range(0, len(buttons), 3)],
             [(S_("Next ➡️"), _flow_button(state, "next"))]])


def _repeat(state: FlowState) -> tuple[str, list[ButtonRow]]:
    return S_("Once, or every week?"), [
        [(S_("Once"), _flow_button(state, "pick", "once"))],
        [(S_("Every week (a series)"), _flow_button(state, "pick", "weekly"))]]


def _question(state: FlowState, context: BotContext) -> tuple[str, list[ButtonRow]]:
    step = state.step
    villages = context.services.facts.villages
    if step in activities.TEXT_STEPS:
        return _typed_question(state), []
    if step == "kind":
        return S_("What kind of activity?"), [
            [(S_(label), _flow_button(state, "pick", kind))]
            for kind, label in activities.STAFF_KINDS.items()]
    if step == "places":
        return _places(state, villages)
    if step == "place_village":
        return (S_("In which village is {place}?").format(place=state.data.get("place", "")),
                [[(v, _flow_button(state, "pick", i))] for i, v in enumerate(villages)])
    if step in ("repeat", "languages"):
        return _repeat(state) if step == "repeat" else _languages(state)
    return _summary(state, context), [[(S_("✅ Save"), _flow_button(state, "save"))]]


def _summary(state: FlowState, context: BotContext) -> str:
    data, zone = state.data, context.services.settings.zone
    kind = data.get("kind", "")
    title = (data.get("title") if kind == activities.OTHER
             else S_(activities.STAFF_KINDS.get(kind, "–")))
    rows = activities.planned(data, zone)
    lines = [S_("Please check:"), f"{title}",
             Sngettext("🗓️ {count} session:", "🗓️ {count} sessions:", len(rows)).format(
                 count=len(rows))]
    lines += [f"• {start.astimezone(zone):%d-%m-%Y %H:%M}–{end.astimezone(zone):%H:%M} "
              f"{place or village or '–'}" for village, place, start, end in rows[:12]]
    if len(rows) > 12:  # noqa: PLR2004
        lines.append("• …")
    lines.append(S_("👥 Families: {capacity}").format(capacity=data.get("capacity", "–")))
    lines.append("🗣️ " + ", ".join(language_name(c) for c in data.get("languages", [])))
    return "\n".join(lines)


def ask(context: BotContext, state: FlowState, problem: str | None = None) -> None:
    question, rows = _question(state, context)
    text = S_("New activity") + "\n\n" + question
    if problem:
        text = f"⚠️ {problem}\n\n{text}"
    context.reply(text, reply_markup=inline([*rows, [(S_("✖️ Cancel"),
                                                      _flow_button(state, "cancel"))]]))


@allowed_to("activity.create")
async def new_activity(update: Update, context: BotContext) -> None:
    """/newactivity: the guided flow (a new one replaces one left unfinished)."""
    ask(context, await activities.start_flow(context.session, context.person))


def _clash_text(found: Clash, context: BotContext) -> str:
    zone = context.services.settings.zone
    start = found.activity.starts_at.astimezone(zone)
    end = found.activity.ends_at.astimezone(zone)
    return (S_(activities.PROBLEMS[Problem.OVERLAP]) + "\n"
            + f"{start:%d-%m-%Y %H:%M}–{end:%H:%M} {activities.staff_name(found.activity)}, "
            + (found.activity.place or found.activity.village or "–"))


@allowed_to("activity.create")
async def on_flow_button(update: Update, context: BotContext) -> None:
    query, button = pressed(update, ActivityFlowButton)
    state = await activities.in_flow(context.session, context.person)
    if state is None or button.generation != state.generation or button.step != state.step:
        context.answer(query.id, S_("This button belongs to a finished or older step. "
                                    "Send /newactivity to start again."))
        return
    if button.action == "cancel":
        await activities.end_flow(context.session, context.person)
        context.answer(query.id)
        edit_pressed(context, query, S_("Cancelled. Nothing was saved."))
        return
    services = context.services
    if button.action == "save" and state.step == "summary":
        made = await activities.create(context.session, context.person, dict(state.data),
                                       services.facts, services.settings.zone, services.now())
        context.answer(query.id)
        if isinstance(made, Clash):
            edit_pressed(context, query, _clash_text(made, context))
        elif isinstance(made, Problem):
            edit_pressed(context, query, S_(activities.PROBLEMS[made]))
        else:
            edit_pressed(context, query, _summary(state, context))
            context.reply(Sngettext("✅ Saved: {count} session.", "✅ Saved: {count} sessions.",
                                    len(made.activities)).format(count=len(made.activities))
                          + "\n" + Sngettext(
                              "{parents} parent who asked to hear of new activities is told.",
                              "{parents} parents who asked to hear of new activities are told.",
                              made.announced).format(parents=made.announced)
                          + "\n" + S_("See them all with /activities."))
        return
    moved = activities.press(state.step, state.data, button.action, button.value,
                             services.facts.villages)
    if isinstance(moved, Problem):
        context.answer(query.id, S_(activities.PROBLEMS[moved]))
        return
    await activities.move(context.session, state, *moved)
    context.answer(query.id)
    question, rows = _question(state, context)
    edit_pressed(context, query, S_("New activity") + "\n\n" + question,
                 inline([*rows, [(S_("✖️ Cancel"), _flow_button(state, "cancel"))]]))


async def on_flow_text(update: Update, context: BotContext, state: FlowState) -> None:
    services = context.services
    moved = await activities.type_answer(context.session, state.step, state.data,
                                         text_of(update), services.settings.zone,
                                         services.now())
    if moved is None:
        ask(context, state, S_("Please use the buttons below."))
    elif isinstance(moved, Clash):
        ask(context, state, _clash_text(moved, context))
    elif isinstance(moved, Problem):
        ask(context, state, S_(activities.PROBLEMS[moved]))
    else:
        await activities.move(context.session, state, *moved)
        ask(context, state)


async def on_flow_other(update: Update, context: BotContext, state: FlowState) -> None:
    ask(context, state, S_("Please type text or use the buttons below."))


# ---- the staff's list; partners at an activity ---------------------------------------------
async def activities_command(update: Update, context: BotContext) -> None:
    """/activities: the staff's list with figures; a parent gets their own list."""
    if not context.person.is_staff:
        await parent_list(context)
        return
    await staff_list(context)


async def staff_list(context: BotContext) -> None:
    """Consultants and partners (the only staff): every activity with its figures."""
    now, zone = context.services.now(), context.services.settings.zone
    found = await activities.staff_list(context.session, context.person, now)
    lines = [S_("📅 Activities:")] if found else [S_("No activities are planned.")]
    lines += [activities.staff_line(row, zone) for row in found]
    rows: list[ButtonRow] = []
    for row in found:
        activity = row.activity
        if activity.cancelled_at is not None:
            continue
        if context.person.role is Role.CONSULTANT and activity.starts_at > now:
            rows.append([(S_("❌ Cancel: {when} {place}").format(
                when=activities.short_when(activity, zone, current_language()),
                place=activity.place or activity.village or ""),
                ActivityButton("drop", activity.id)),
                (S_("✏️ Change"), ActivityButton("edit", activity.id))])
        if not activities.around_now(activity, now):
            continue
        when = activities.short_when(activity, zone, current_language())
        where = activity.place or activity.village or ""
        buttons = [(S_("👥 Who came: {when} {place}").format(when=when, place=where),
                    ActivityButton("count", activity.id))]
        if context.person.role is Role.PARTNER:
            buttons.insert(0, (S_("📝 Refer a family: {when} {place}").format(
                when=when, place=where), ActivityButton("refer", activity.id)))
        rows += [[button] for button in buttons]
    if context.person.role is Role.CONSULTANT:
        rows.append([(S_("➕ New activity"), ActivityButton("new", 0))])
    context.reply("\n".join(lines), reply_markup=inline(rows) if rows else None)


async def _staff_button(context: BotContext, query_id: str, button: ActivityButton) -> None:
    if not context.person.is_staff:  # a forged button: a parent has none of these
        context.answer(query_id, _("This button does not work any more."))
        return
    now = context.services.now()
    if button.action == "new":
        if context.person.role is not Role.CONSULTANT:
            context.answer(query_id, S_("This button does not work any more."))
            return
        context.answer(query_id)
        ask(context, await activities.start_flow(context.session, context.person))
        return
    if button.action == "refer" and context.person.role is not Role.PARTNER:
        context.answer(query_id, S_("This button does not work any more."))
        return
    activity = await activities.activity_for_partner(context.session, context.person,
                                                     button.activity, now)
    if activity is None:
        context.answer(query_id, S_("This activity is not on today or just past."))
        return
    context.answer(query_id)
    if button.action == "refer":
        state = await referrals.start(context.session, context.person, activity.id)
        context.reply(S_("📝 A family you met at {name}:").format(
            name=activities.staff_name(activity)))
        referral.ask(context, state)
    else:
        await activities.start_count(context.session, context.person, activity)
        context.reply(S_("👥 How many parents and how many children came to {name}? "
                         "Type two numbers, like 12 20.").format(
                             name=activities.staff_name(activity)))


async def on_count_text(update: Update, context: BotContext, state: FlowState) -> None:
    counted = activities.parse_count(text_of(update))
    if counted is None:
        context.reply(S_("Please type two numbers: parents, then children, like 12 20."))
        return
    activity = await activities.record_count(context.session, context.person, state, *counted)
    if activity is None:
        context.reply(S_("This activity no longer exists. Nothing was saved."))
        return
    context.reply(S_("✅ Saved: {parents} parents and {children} children came.").format(
        parents=counted[0], children=counted[1]))


async def on_count_other(update: Update, context: BotContext, state: FlowState) -> None:
    context.reply(S_("Please type two numbers: parents, then children, like 12 20."))


# ---- parents --------------------------------------------------------------------------------
def _subscribe_row(on: bool) -> ButtonRow:
    if on:
        return [(_("🔕 Stop telling me about new activities"), ActivityButton("unsub", 0))]
    return [(_("🔔 Tell me about new activities"), ActivityButton("sub", 0))]


async def parent_list(context: BotContext, usual: bool = True) -> bool:
    """The menu's activities answer (also a typed question about activities): the coming
    activities in the parent's language, their village's first; without any planned, the
    library's usual answer (only when `usual`). True when something was sent."""
    services = context.services
    facts, zone, language = services.facts, services.settings.zone, context.person.language
    village = await parents.home_village(context.session, context.person, facts.villages)
    seen = await activities.coming_for(context.session, context.person, services.now(),
                                       village)
    on = await activities.subscribed(context.session, context.person)
    if not seen:
        if not usual:
            return False
        text = answers.answer_text("activities", facts, services.now().astimezone(zone).date())
        context.reply(text, reply_markup=inline([_subscribe_row(on)]))
        return True
    shown = [a.activity for a in seen]
    parts = [_("📅 Coming activities. Tap to sign up 👇"), "\n".join(
        activities.descriptions(shown))]
    parts += [activities.parent_entry(item, facts, zone, language) for item in seen]
    rows: list[ButtonRow] = []
    for item in seen:
        when = activities.short_when(item.activity, zone, language)
        label = f"{when} · {item.activity.village or item.activity.place or ''}"
        if item.mine is not None:
            rows.append([(_("✖️ Cancel: {when}").format(when=label),
                          ActivityButton("cancel", item.activity.id))])
        else:
            rows.append([(_("✅ Sign up: {when}").format(when=label),
                          ActivityButton("join", item.activity.id))])
    rows.append(_subscribe_row(on))
    context.reply("\n\n".join(p for p in parts if p), reply_markup=inline(rows))
    return True


def _kids_rows(activity_id: int) -> list[ButtonRow]:
    return [[(f"👧 {n}" if n < KIDS[-1] else f"👧 {n}+", ActivityButton("kids", activity_id, n))
             for n in KIDS],
            [(_("✖️ Cancel my place"), ActivityButton("cancel", activity_id))]]


async def on_button(update: Update, context: BotContext) -> None:
    query, button = pressed(update, ActivityButton)
    if button.action in ("refer", "count", "new"):
        await _staff_button(context, query.id, button)
        return
    if button.action in CALL_OFF:
        await _call_off_button(context, query, button)
        return
    if button.action in ("edit", "same"):
        await _change_button(context, query, button)
        return
    if context.person.is_staff:
        context.answer(query.id, _("This button does not work any more."))
        return
    services = context.services
    now, facts, zone = services.now(), services.facts, services.settings.zone
    if button.action == "list":
        context.answer(query.id)
        await parent_list(context)
    elif button.action in ("sub", "unsub"):
        await activities.subscribe(context.session, context.person, button.action == "sub")
        context.answer(query.id)
        show_menu(context, _("🔔 Good! We will tell you about each new activity.")
                  if button.action == "sub" else
                  _("🔕 Done. We will not tell you about new activities any more."))
    elif button.action in ("join", "wait"):
        done = await activities.sign_up(context.session, context.person, button.activity, now,
                                        waiting=button.action == "wait")
        _signed_up(context, query.id, done)
    elif button.action == "kids":
        activity = (await activities.set_children(context.session, context.person,
                                                  button.activity, button.number or 0)
                    if button.number in KIDS else None)
        if activity is None:
            context.answer(query.id, _("This button does not work any more."))
            return
        context.answer(query.id)
        edit_pressed(context, query, _("✅ Thank you! See you there."))
        show_menu(context)
    else:  # cancel
        done = await activities.cancel(context.session, context.person, button.activity, now,
                                       facts, zone)
        _cancelled(context, query.id, done)


def _signed_up(context: BotContext, query_id: str, done: activities.SignedUp) -> None:
    facts, zone = context.services.facts, context.services.settings.zone
    language = context.person.language
    if done.activity is None or done.outcome is Outcome.GONE:
        context.answer(query_id, _("This button does not work any more."))
        return
    if done.outcome is Outcome.CALLED_OFF:
        context.answer(query_id, _("Sorry, the library has cancelled this activity."))
        return
    context.answer(query_id)
    entry = activities.parent_entry(activities.Seen(done.activity, 0, None), facts, zone,
                                    language).rsplit("\n", 1)[0]  # without the places left
    if done.outcome is Outcome.BOOKED:
        context.reply(_("✅ You are signed up!") + "\n\n" + entry + "\n\n"
                      + _("How many children come with you? (You may skip this.)"),
                      reply_markup=inline(_kids_rows(done.activity.id)))
    elif done.outcome is Outcome.FULL:
        context.reply(_("😔 This activity is full.") + "\n\n" + entry + "\n\n"
                      + _("Do you want to be on the waiting list? When a place comes free, "
                          "it goes to the first on the list, and we tell you here."),
                      reply_markup=inline([[(_("⏳ Yes, put me on the waiting list"),
                                             ActivityButton("wait", done.activity.id))]]))
    elif done.outcome in (Outcome.WAITING, Outcome.ALREADY_WAITING):
        lead = (_("⏳ You are on the waiting list.") if done.outcome is Outcome.WAITING
                else _("You are already on the waiting list."))
        show_menu(context, lead + " " + _("Your number: {position}.").format(
            position=done.position) + "\n\n" + entry)
    elif done.outcome is Outcome.ALREADY:
        show_menu(context, _("You are already signed up for this activity.") + "\n\n" + entry)
    else:  # started
        show_menu(context, _("Sorry, this activity has already started. You cannot sign up "
                             "any more."))


def _cancelled(context: BotContext, query_id: str, done: activities.SignedUp) -> None:
    if done.outcome is Outcome.GONE:
        context.answer(query_id, _("This button does not work any more."))
    elif done.outcome is Outcome.NOT_SIGNED_UP:
        context.answer(query_id, _("You are not signed up for this activity."))
    elif done.outcome is Outcome.STARTED:
        context.answer(query_id, _("This activity has already started."))
    elif done.outcome is Outcome.CALLED_OFF:
        context.answer(query_id, _("Sorry, the library has cancelled this activity."))
    else:
        context.answer(query_id)
        show_menu(context, _("✅ Cancelled. Thank you for telling us!"))


# ---- the consultant calls an activity off ------------------------------------------------------
CALL_OFF = ("drop", "dropser", "dropyes", "dropseryes", "keep")


def _call_off_refused(context: BotContext, query: CallbackQuery,
                      found: activities.CallingOff) -> None:
    if found.outcome is CallOff.ALREADY:
        text = S_("This activity was already cancelled. Nothing changed.")
    elif found.outcome is CallOff.STARTED:
        text = S_("This activity has already started or is over; it cannot be cancelled. "
                  "Nothing changed.")
    else:
        text = S_("This activity no longer exists. Nothing changed.")
    context.answer(query.id, text)
    context.reply(text)


def _sessions_text(found: activities.CallingOff, context: BotContext) -> str:
    zone = context.services.settings.zone
    lines = [f"• {a.starts_at.astimezone(zone):%d-%m-%Y %H:%M} {activities.staff_name(a)}, "
             f"{a.place or a.village or '–'}" for a in found.sessions[:12]]
    if len(found.sessions) > 12:  # noqa: PLR2004
        lines.append("• …")
    return "\n".join(lines)


async def _call_off_button(context: BotContext, query: CallbackQuery,
                           button: ActivityButton) -> None:
    """❌ under /activities: a confirmation naming the families concerned, then the
    session (or the rest of its series) is cancelled and they are told."""
    if not context.person.is_staff:  # a forged button: a parent has none of these
        context.answer(query.id, _("This button does not work any more."))
        return
    if context.person.role is not Role.CONSULTANT:
        context.answer(query.id, S_("Only the library's consultant can cancel an activity. "
                                    "Nothing changed."))
        return
    services = context.services
    if button.action == "keep":
        context.answer(query.id)
        edit_pressed(context, query, S_("Nothing was cancelled."))
        return
    whole = button.action in ("dropser", "dropseryes")
    if button.action in ("dropyes", "dropseryes"):
        done = await activities.call_off(context.session, context.person, button.activity,
                                         whole, services.now(), services.facts,
                                         services.settings.zone)
        if done.outcome is not CallOff.DONE:
            _call_off_refused(context, query, done)
            return
        context.answer(query.id)
        edit_pressed(context, query, Sngettext(
            "❌ Cancelled: {count} session.", "❌ Cancelled: {count} sessions.",
            len(done.sessions)).format(count=len(done.sessions)) + "\n"
            + _sessions_text(done, context) + "\n\n" + Sngettext(
                "{parents} parent is told in their own language.",
                "{parents} parents are told in their own language.",
                done.told).format(parents=done.told))
        return
    found = await activities.call_off_preview(context.session, context.person,
                                              button.activity, whole, services.now())
    if found.outcome is not CallOff.READY:
        _call_off_refused(context, query, found)
        return
    context.answer(query.id)
    head = (Sngettext("Cancel the whole series: {count} session to come?",
                      "Cancel the whole series: {count} sessions to come?",
                      len(found.sessions)) if whole else
            Sngettext("Cancel this session?", "Cancel these {count} sessions?",
                      len(found.sessions))).format(count=len(found.sessions))
    families = S_("Families signed up: {booked}; on the waiting list: {waiting}. They will "
                  "be told in their own language.").format(booked=found.booked,
                                                           waiting=found.waiting)
    yes = ActivityButton("dropseryes" if whole else "dropyes", button.activity)
    rows: list[ButtonRow] = [[(S_("❌ Yes, cancel"), yes)]]
    if not whole and found.activity is not None and found.activity.series is not None:
        rows.append([(S_("❌ Cancel the whole series"),
                      ActivityButton("dropser", button.activity))])
    rows.append([(S_("↩️ No, keep it"), ActivityButton("keep", button.activity))])
    context.reply("\n".join([head, _sessions_text(found, context), "", families]),
                  reply_markup=inline(rows))


# ---- the consultant changes a session: places or time -----------------------------------------
def _change_refused(context: BotContext, done: activities.Changed) -> str | None:
    """The answer to a change that was not made (None: it was made or asked)."""
    zone = context.services.settings.zone
    texts = {
        Change.GONE: S_("This activity no longer exists or was cancelled. Nothing changed."),
        Change.STARTED: S_("This activity has already started or is over. Nothing changed."),
        Change.TOO_FEW: Sngettext("{booked} family has a place: type at least {booked}, or "
                                  "cancel the activity.",
                                  "{booked} families have a place: type at least {booked}, "
                                  "or cancel the activity.", done.booked).format(
                                      booked=done.booked),
        Change.FORMAT: S_("Please type the number of places (1 to {most}), or the new date "
                          "and time like 21-07-2027 14:00-16:00.").format(
                              most=activities.MAX_CAPACITY),
        Change.PAST: S_("That time has passed. Please type a date and time to come."),
        Change.END_BEFORE_START: S_("The end is before the start. Please type it like "
                                    "21-07-2027 14:00-16:00."),
    }
    if done.outcome is Change.CLASH and done.clash is not None:
        return S_("At that time {place} has {name} ({when}). Please type another time.").format(
            place=done.clash.place or done.clash.village or "–",
            name=activities.staff_name(done.clash),
            when=f"{done.clash.starts_at.astimezone(zone):%d-%m-%Y %H:%M}")
    return texts.get(done.outcome)


async def _change_button(context: BotContext, query: CallbackQuery,
                         button: ActivityButton) -> None:
    """✏️ under /activities: the consultant types the new number of places or time."""
    if context.person.role is not Role.CONSULTANT:  # a forged button
        context.answer(query.id, S_("This button does not work any more."))
        return
    if button.action == "same":
        await activities.leave_change(context.session, context.person)
        context.answer(query.id)
        edit_pressed(context, query, S_("Nothing changed."))
        return
    done = await activities.start_change(context.session, context.person, button.activity,
                                         context.services.now())
    refused = _change_refused(context, done)
    if refused is not None or done.activity is None:
        context.answer(query.id, refused)
        context.reply(refused or S_("This button does not work any more."))
        return
    context.answer(query.id)
    activity, zone = done.activity, context.services.settings.zone
    context.reply("\n".join([
        S_("✏️ {name}, {when}, {place}: {booked} of {capacity} places taken.").format(
            name=activities.staff_name(activity),
            when=f"{activity.starts_at.astimezone(zone):%d-%m-%Y %H:%M}",
            place=activity.place or activity.village or "–", booked=done.booked,
            capacity=activity.capacity),
        "",
        S_("Type the new number of places (like 12), or the new date and time (like "
           "21-07-2027 14:00-16:00). Families who signed up are told in their own "
           "language.")]), reply_markup=inline([[(S_("↩️ Keep it as it is"),
                                                  ActivityButton("same", activity.id))]]))


async def on_change_text(update: Update, context: BotContext, state: FlowState) -> None:
    services = context.services
    done = await activities.change(context.session, context.person, state, text_of(update),
                                   services.now(), services.facts, services.settings.zone)
    refused = _change_refused(context, done)
    if refused is not None:
        context.reply(refused)
    elif done.outcome is Change.PLACES and done.activity is not None:
        context.reply(S_("✅ Saved: {capacity} places.").format(
            capacity=done.activity.capacity) + ("\n" + Sngettext(
                "{count} family moved up from the waiting list and is told.",
                "{count} families moved up from the waiting list and are told.",
                done.moved_up).format(count=done.moved_up) if done.moved_up else ""))
    elif done.outcome is Change.TIME and done.activity is not None:
        zone = services.settings.zone
        context.reply(S_("✅ Saved: {name} is now on {when}.").format(
            name=activities.staff_name(done.activity),
            when=f"{done.activity.starts_at.astimezone(zone):%d-%m-%Y %H:%M}") + "\n" +
            Sngettext("{parents} parent is told in their own language.",
                      "{parents} parents are told in their own language.",
                      done.told).format(parents=done.told))


async def on_change_other(update: Update, context: BotContext, state: FlowState) -> None:
    context.reply(S_("Please type the number of places (1 to {most}), or the new date and "
                     "time like 21-07-2027 14:00-16:00.").format(most=activities.MAX_CAPACITY))


__all__ = ["activities_command", "new_activity", "on_button", "on_change_other",
           "on_change_text", "on_count_text", "on_flow_button", "on_flow_text", "parent_list"]
