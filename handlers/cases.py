"""The consultant's case work: /cases (the inbox), /case REFERENCE, and the case buttons.

Button data: `case:<action>:<case id>[:<argument>]` and `inbox:<filter>:<page>`.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from telegram import InlineKeyboardMarkup, Update

from bot import access, callbacks, cases, figures, notify, referrals
from bot.context import BotContext
from bot.i18n import NS_, S_, Sngettext, _
from handlers.common import consultants_only, inline
from storage.models import Case, Consultant
from storage.repositories import cases as cases_repo
from storage.repositories import flows
from storage.repositories import organisations as org_repo

PAGE_SIZE = 5
NOTE_FLOW, REPLY_FLOW = "case_note", "case_reply"

PROBLEMS: dict[cases.Problem, str] = {
    cases.Problem.NOT_FOUND: NS_("This case does not exist."),
    cases.Problem.NOT_ALLOWED: NS_("This is not possible in the case's current status."),
    cases.Problem.NO_PARENT: NS_("The family has not opened the bot yet: there is nobody to "
                                 "write to."),
    cases.Problem.ERASED: NS_("The parent asked to erase their data: the case takes no messages."),
    cases.Problem.EMPTY: NS_("Please type a text."),
    cases.Problem.TOO_LONG: NS_("That is too long: at most 1000 characters."),
}


# ---- rendering ------------------------------------------------------------------------------
def _local(moment: datetime | None, context: BotContext, fmt: str = "%d-%m %H:%M") -> str:
    if moment is None:
        return "–"
    return moment.astimezone(context.services.settings.zone).strftime(fmt)


def _age(case: Case, now: datetime) -> str:
    days = (now - case.created_at).days
    return S_("{days} d").format(days=days) if days else S_("today")


def _source(case: Case) -> str:
    if case.organisation is not None:
        return case.organisation.name
    return S_("parent")


async def _names(context: BotContext) -> dict[int, str]:
    rows = await context.session.execute(select(Consultant.id, Consultant.name))
    return dict(rows.all())


EVENT_NAMES: dict[str, str] = {
    "created": NS_("created"),
    "viewed": NS_("viewed"),
    "take": NS_("taken"),
    "taken": NS_("taken"),
    "contacted": NS_("contact made"),
    "close": NS_("closed"),
    "reopen": NS_("reopened"),
    "note": NS_("note"),
    "reply": NS_("message to the parent"),
    "parent_message": NS_("message from the parent"),
    "parent_attachment": NS_("attachment from the parent"),
    "contact_requested": NS_("parent asked for contact"),
    "family_linked": NS_("family opened the link"),
    "erased_on_request": NS_("parent's data erased on request"),
    "followup_asked": NS_("asked the parent: did you get help?"),
    "followup_answer": NS_("parent answered the follow-up"),
    "exported": NS_("exported"),
    "undelivered": NS_("⚠️ a message could not be delivered"),
}
# Who did something on a case, or whom a message was for (an event's actor kind).
ROLE_NAMES: dict[str, str] = {"partner": NS_("referrer"), "parent": NS_("parent"),
                              "system": NS_("bot")}
ATTACHMENT_ICONS = {"photo": "📷", "voice": "🎤", "audio": "🎤", "document": "📄"}


async def case_text(context: BotContext, case: Case) -> str:
    names = await _names(context)
    status = S_(cases.STATUS_NAMES.get(case.status, case.status))
    holder = names.get(case.assigned_consultant_id or 0)
    data = {"language": case.family_language, "language_other": case.family_language_other,
            "contact": case.contact_method, "phone": case.phone}
    lines = [S_("📂 Case {reference} – {status}").format(reference=case.reference,
                                                        status=status)
             + (f" ({holder})" if holder else ""),
             S_("🏢 From: {source}").format(source=_source(case)),
             _("🏡 Village: {value}").format(value=case.village or "–"),
             _("🌍 Language: {value}").format(value=referrals.family_language_label(data)),
             _("👶 Children: {value}").format(value=referrals.ages_label(case.child_ages or [])),
             _("🎯 Needs: {value}").format(value=referrals.needs_label(
                 [n.need for n in case.needs], case.need_other)),
             _("☎️ Contact: {value}").format(value=(
                 referrals.contact_label(data) if case.contact_method != "chat"
                 else S_("💬 in the bot"))),
             _("📝 Note: {value}").format(value=case.note or "–")]
    if case.outcome:
        lines.append(S_("🏁 Outcome: {outcome}").format(outcome=S_(cases.OUTCOMES[case.outcome])))
    if case.helped is not None:
        lines.append(S_("🙂 Family got help: yes") if case.helped
                     else S_("🙁 Family got help: no"))
    if case.anonymised_at is not None:
        lines.append(_("🗑️ The parent asked to erase their data."))
    messages = await cases_repo.messages(context.session, case.id)
    if messages:
        lines += ["", S_("💬 Messages:")]
        for message in messages[-10:]:
            arrow = "⬅️" if message.direction == "in" else "➡️"
            icon = ATTACHMENT_ICONS.get(message.kind, "")
            body = (message.text or "")[:300]
            lines.append(f"{_local(message.created_at, context)} {arrow} {icon} {body}".rstrip())
    events = await cases_repo.events(context.session, case.id)
    lines += ["", S_("🕓 History:")]
    for event in events[-15:]:
        who = (names.get(event.actor_id or 0) if event.actor_kind == "consultant"
               else S_(ROLE_NAMES.get(event.actor_kind, event.actor_kind)))
        what = S_(EVENT_NAMES.get(event.kind, event.kind))
        if event.kind == "note":
            what += ": " + str(event.detail.get("text", ""))[:300]
        if event.kind == "undelivered":
            to = event.detail.get("to")
            if to in ROLE_NAMES:
                what += f" ({S_(ROLE_NAMES[to])})"
            what += ": " + notify.undelivered_reason(event.detail.get("error"))
        if event.kind == "close" and event.detail.get("outcome") in cases.OUTCOMES:
            what += ": " + S_(cases.OUTCOMES[event.detail["outcome"]])
        lines.append(f"{_local(event.created_at, context)} · {who or '–'} · {what}")
    return "\n".join(lines)[:4000]


def case_buttons(case: Case, attachments: int = 0) -> InlineKeyboardMarkup:
    def data(action: str) -> str:
        return callbacks.encode("case", action, case.id)

    labels = {cases.Change.TAKE: S_("✋ Take"), cases.Change.CONTACTED: S_("📞 Contact made"),
              cases.Change.CLOSE: S_("🏁 Close"), cases.Change.REOPEN: S_("🔁 Reopen")}
    rows = [[(labels[c], data(c.value)) for c in cases.allowed_changes(case.status)]]
    if case.status != "closed":
        row = [(S_("📝 Note"), data("note"))]
        if case.parent_id is not None and case.anonymised_at is None:
            row += [(S_("💬 Reply"), data("reply")), (S_("📋 Prepared answer"), data("prep"))]
        rows.append(row)
    last = [(S_("🔄 Refresh"), data("open"))]
    if attachments:
        last.append((S_("📎 Attachments ({count})").format(count=attachments), data("files")))
    rows.append(last)
    return inline(rows)


async def _attachments(context: BotContext, case_id: int) -> list:
    return [m for m in await cases_repo.messages(context.session, case_id)
            if m.telegram_file_id and m.kind in ATTACHMENT_ICONS]


async def show_case(context: BotContext, case_id: int) -> None:
    case = await cases.view(context.session, context.person, case_id)
    if case is None:
        context.reply(S_(PROBLEMS[cases.Problem.NOT_FOUND]))
        return
    files = await _attachments(context, case.id)
    context.reply(await case_text(context, case), reply_markup=case_buttons(case, len(files)))


# ---- commands -------------------------------------------------------------------------------
async def case_command(update: Update, context: BotContext) -> None:
    if not access.allowed(context.person, "case.open"):
        consultants_only(context)
        return
    reference = (context.args or [""])[0]
    case = await cases_repo.by_reference(context.session, reference) if reference else None
    if case is None:
        context.reply(S_("Which case? For example: /case 2026-0001 (see /cases)."))
        return
    await show_case(context, case.id)


async def _filter_from(context: BotContext, code: str) -> cases_repo.CaseFilter | None:
    """Inbox filters: open, new, taken, contacted, closed, all, mine, parent, v<village index>,
    n<need>, o<organisation id>."""
    person = context.person
    villages = context.services.facts.villages
    if code in ("open", ""):
        return cases_repo.CaseFilter()
    if code in cases.STATUS_NAMES:
        return cases_repo.CaseFilter(statuses=frozenset({code}))
    if code == "all":
        return cases_repo.CaseFilter(statuses=None)
    if code == "mine":
        return cases_repo.CaseFilter(assigned_to=person.record_id)
    if code == "parent":
        return cases_repo.CaseFilter(source="parent")
    if code[:1] == "v" and code[1:].isdigit() and int(code[1:]) < len(villages):
        return cases_repo.CaseFilter(village=villages[int(code[1:])])
    if code[:1] == "n" and code[1:] in referrals.NEEDS:
        return cases_repo.CaseFilter(need=code[1:])
    if code[:1] == "o" and code[1:].isdigit():
        return cases_repo.CaseFilter(organisation_id=int(code[1:]))
    return None


async def _filter_code_from_words(context: BotContext, words: list[str]) -> str | None:
    text = " ".join(words).strip().lower()
    if not text:
        return "open"
    codes = {"open", "all", "mine", "parent", *cases.STATUS_NAMES}
    if text in codes:
        return text
    for index, village in enumerate(context.services.facts.villages):
        if village.lower() == text:
            return f"v{index}"
    if text in referrals.NEEDS:
        return f"n{text}"
    for partner in await org_repo.active_partners(context.session):
        if partner.organisation.name.lower().startswith(text):
            return f"o{partner.organisation_id}"
    return None


async def inbox_command(update: Update, context: BotContext) -> None:
    if not access.allowed(context.person, "case.list"):
        consultants_only(context)
        return
    code = await _filter_code_from_words(context, context.args or [])
    if code is None:
        context.reply(S_("Unknown filter. Try: /cases, /cases mine, /cases new, /cases closed, "
                         "/cases all, /cases parent, a village, a need (reading, dutch, digital, "
                         "letters, other) or the start of an organisation's name."))
        return
    text, markup = await inbox_page(context, code, 0)
    context.reply(text, reply_markup=markup)


async def inbox_page(context: BotContext, code: str, page: int
                     ) -> tuple[str, InlineKeyboardMarkup]:
    wanted = await _filter_from(context, code) or cases_repo.CaseFilter()
    found, total = await cases_repo.search(context.session, wanted, PAGE_SIZE, page * PAGE_SIZE)
    names = await _names(context)
    now = datetime.now(UTC)
    pages = max(1, -(-total // PAGE_SIZE))
    lines = [S_("📥 Cases ({filter}): {total} · page {page}/{pages}").format(
        filter=code, total=total, page=page + 1, pages=pages)]
    rows: list[list[tuple[str, str]]] = []
    for case in found:
        needs = ", ".join(n.need for n in case.needs) or "–"
        holder = names.get(case.assigned_consultant_id or 0, "–")
        lines.append(" · ".join([case.reference, _age(case, now), _source(case),
                                 case.village or "–", needs,
                                 S_(cases.STATUS_NAMES.get(case.status, case.status)), holder]))
        rows.append([(S_("📂 {reference}").format(reference=case.reference),
                      callbacks.encode("case", "open", case.id))])
    if not found:
        lines.append(S_("No cases."))
    nav = []
    if page > 0:
        nav.append(("⬅️", callbacks.encode("inbox", code, page - 1)))
    if page + 1 < pages:
        nav.append(("➡️", callbacks.encode("inbox", code, page + 1)))
    if nav:
        rows.append(nav)
    rows.append([(S_("📂 Open"), "inbox:open:0"), (S_("🆕 New"), "inbox:new:0"),
                 (S_("✋ Mine"), "inbox:mine:0"), (S_("✅ Closed"), "inbox:closed:0")])
    rows.append([(v, callbacks.encode("inbox", f"v{i}", 0))
                 for i, v in enumerate(context.services.facts.villages)])
    rows.append([(S_("🙋 From parents"), "inbox:parent:0"), (S_("🗂️ All"), "inbox:all:0")])
    return "\n".join(lines), inline(rows)


async def inbox_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    if not access.allowed(context.person, "case.list"):
        consultants_only(context, query.id)
        return
    data = callbacks.decode(query.data)
    page = data.int_arg(0) if data else None
    if data is None or page is None or await _filter_from(context, data.action) is None:
        context.answer(query.id, _("This button is no longer valid."))
        return
    context.answer(query.id)
    text, markup = await inbox_page(context, data.action, page)
    context.edit(query.message.message_id, text, reply_markup=markup)


# ---- the case buttons -----------------------------------------------------------------------
CHANGE_DONE: dict[cases.Change, str] = {
    cases.Change.TAKE: NS_("✋ You took case {reference}."),
    cases.Change.CONTACTED: NS_("📞 Contact made on case {reference}."),
    cases.Change.CLOSE: NS_("🏁 Case {reference} is closed."),
    cases.Change.REOPEN: NS_("🔁 Case {reference} is open again."),
}


async def case_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    person = context.person
    if not access.allowed(person, "case.open"):
        consultants_only(context, query.id)
        return
    data = callbacks.decode(query.data)
    case_id = data.int_arg(0) if data else None
    if data is None or case_id is None:
        context.answer(query.id, _("This button is no longer valid."))
        return
    action, argument = data.action, data.arg(1)
    session = context.session
    if action == "open":
        context.answer(query.id)
        await show_case(context, case_id)
    elif action in (c.value for c in cases.Change) and action != "close":
        await _change(context, query.id, case_id, cases.Change(action))
    elif action == "close":
        context.answer(query.id)
        rows = [[(S_(label), callbacks.encode("case", "out", case_id, key))]
                for key, label in cases.OUTCOMES.items()]
        context.reply(S_("🏁 How did it end?"), reply_markup=inline(rows))
    elif action == "out" and argument in cases.OUTCOMES:
        await _change(context, query.id, case_id, cases.Change.CLOSE, argument)
    elif action in ("note", "reply"):
        case = await cases_repo.by_id(session, case_id)
        if case is None:
            context.answer(query.id, S_(PROBLEMS[cases.Problem.NOT_FOUND]))
            return
        context.answer(query.id)
        await flows.begin(session, person.telegram_user_id,
                          NOTE_FLOW if action == "note" else REPLY_FLOW, "text",
                          {"case_id": case_id})
        prompt = (S_("📝 Type the note for case {reference}.") if action == "note" else
                  S_("💬 Type your message to the parent of case {reference}. They get it "
                     "as you write it; for another language use a prepared answer."))
        context.reply(prompt.format(reference=case.reference),
                      reply_markup=inline([[(_("✖️ Cancel"),
                                             callbacks.encode("case", "cancel", case_id))]]))
    elif action == "files":
        case = await cases.view(session, person, case_id)
        if case is None:
            context.answer(query.id, S_(PROBLEMS[cases.Problem.NOT_FOUND]))
            return
        context.answer(query.id)
        for message in (await _attachments(context, case_id))[-10:]:
            context.reply_stored_file(message.kind, message.telegram_file_id,
                                      f"{case.reference} · {_local(message.created_at, context)}")
    elif action == "cancel":
        await flows.end(session, person.telegram_user_id)
        context.answer(query.id)
        context.edit(query.message.message_id, S_("Cancelled. Nothing was saved."))
    elif action == "prep":
        context.answer(query.id)
        rows = [[(S_(cases.PREPARED_LABELS[key]), callbacks.encode("case", "send", case_id, key))]
                for key in cases.PREPARED]
        context.reply(S_("📋 Which answer? The parent gets it in their own language."),
                      reply_markup=inline(rows))
    elif action == "send" and argument in cases.PREPARED:
        result = await cases.reply_to_parent(session, person, case_id, prepared=argument,
                                             facts=context.services.facts)
        _report(context, query.id, result, S_("✅ Sent to the parent of case {reference}."))
    else:
        context.answer(query.id, _("This button is no longer valid."))


def _report(context: BotContext, query_id: str | None, result: cases.Result, done: str) -> None:
    if result.ok:
        text = done.format(reference=result.case.reference)
        if query_id is not None:
            context.answer(query_id, text)
        context.reply(text)
        return
    problem = S_(PROBLEMS[result.problem])
    if result.problem is cases.Problem.NOT_ALLOWED and result.holder:
        problem = S_("Case {reference} was already taken by {name}.").format(
            reference=result.case.reference, name=result.holder)
    if query_id is not None:
        context.answer(query_id, problem)
    else:
        context.reply(problem)


async def _change(context: BotContext, query_id: str, case_id: int, what: cases.Change,
                  outcome: str | None = None) -> None:
    result = await cases.change(context.session, context.person, case_id, what, outcome)
    if result.ok:
        context.answer(query_id, S_(CHANGE_DONE[what]).format(reference=result.case.reference))
        files = await _attachments(context, result.case.id)
        context.reply(await case_text(context, result.case),
                      reply_markup=case_buttons(result.case, len(files)))
        return
    _report(context, query_id, result, "")


async def on_text(update: Update, context: BotContext, state) -> None:  # noqa: ANN001
    """The typed note or message of a NOTE_FLOW / REPLY_FLOW."""
    text = update.effective_message.text or ""
    case_id = int(state.data["case_id"])
    if not access.allowed(context.person, "case.note"):
        await flows.end(context.session, context.person.telegram_user_id)
        consultants_only(context)
        return
    if state.flow == NOTE_FLOW:
        result = await cases.add_note(context.session, context.person, case_id, text)
        done = S_("📝 Note saved on case {reference}.")
    else:
        result = await cases.reply_to_parent(context.session, context.person, case_id, text=text)
        done = S_("✅ Sent to the parent of case {reference}.")
    if result.problem in (cases.Problem.EMPTY, cases.Problem.TOO_LONG):
        _report(context, None, result, done)  # stay in the flow: type it again
        return
    await flows.end(context.session, context.person.telegram_user_id)
    _report(context, None, result, done)


# ---- figures --------------------------------------------------------------------------------
async def _period(context: BotContext) -> figures.Period | None:
    try:
        return figures.parse_period(" ".join(context.args or []), context.services.settings.zone)
    except figures.PeriodError:
        context.reply(S_("Which period? For example /stats 2026, /stats 2026-11 or /stats all."))
        return None


async def stats_command(update: Update, context: BotContext) -> None:
    if not access.allowed(context.person, "stats"):
        consultants_only(context)
        return
    period = await _period(context)
    if period is not None:
        context.reply(await figures.stats_text(context.session, context.person, period,
                                               context.services.settings.zone))


async def export_command(update: Update, context: BotContext) -> None:
    if not access.allowed(context.person, "export"):
        consultants_only(context)
        return
    period = await _period(context)
    if period is None:
        return
    content, rows = await figures.export_csv(context.session, period,
                                             context.services.settings.zone, context.person)
    context.reply_document(content, f"cases-{period.label}.csv",
                           caption=Sngettext("{count} case, without personal data.",
                                             "{count} cases, without personal data.",
                                             rows).format(count=rows))
