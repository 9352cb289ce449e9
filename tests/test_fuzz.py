"""A stateful fuzz test of every role at once: a consultant, two partner professionals who
joined by invite, parents in several languages and a stranger who never chose a language
send random updates to the real bot (over HTTP, through the fake Bot API) in a random order.

What they send: any Unicode text (also over Telegram's 4,096 characters, empty and
whitespace), the labels of the reply keyboard they see, commands known and unknown with
random arguments, `/start` with random payloads (forged `f_…`/`i_…` tokens and the real
links seen in any chat), stickers, photos, voice notes, locations, contacts (their own number
and other people's), random callback data (also over 64 bytes), mutated copies of real button
data seen in any chat (other ids, other namespaces, extra or missing parts), and real presses
of the buttons the bot showed them.

Every family carries a unique marker: each parent asks a question holding theirs, each
partner refers a family with a marker in the note and a marked phone number, and the random
texts sometimes carry the sender's marker too. After every step:

- nothing failed: no ERROR from the bot's loggers ("handler failed", "could not be
  completed", a reply Telegram refused, a dead letter);
- the update was answered: a message or an edit in the sender's chat, or the callback
  query answered;
- no marker reached anyone but its owner and the consultant (every text, caption, button
  label, toast and document the bot sent or tried to send, and every copy it made);

and after every example the outbox is drained (nothing dead) and the database is consistent:
cases have a valid status (closed exactly when `closed_at` is set), events, needs, messages
and outbox rows point to existing cases, outbox rows are pending/sent/dead, and a flow state
belongs only to someone whose role allows it (a referral: an active partner; a note or reply:
a consultant; a recording of a voice answer: a consultant, for a known topic and
language; joining: someone not yet a partner).

How it runs: one async test per database with `@given(st.data())`. pytest-asyncio runs each
Hypothesis example in the test's own event loop (it wraps Hypothesis's inner test), the loop
the `bot` fixture's application, poller and outbox relay live in, so the steps simply await
the simulated users. The steps are drawn inside the example with `data.draw`, so a choice can
depend on what the bot showed (which buttons are on screen, which links were given): a
RuleBasedStateMachine in all but name, without running a second event loop in sync rules.
One bot and one database serve every example (a bot per example would cost seconds); each
example brings new people with new markers, so the checks stay exact. Shrinking is left out
(replaying against a database the earlier examples changed rarely shrinks well, and costs
minutes); a failing example prints every step it took (`note`).

`make test` runs the quick form (FUZZ_EXAMPLES examples of FUZZ_STEPS steps); `make soak`
the long one, marked `slow` (SOAK_FUZZ_EXAMPLES=N examples of SOAK_FUZZ_STEPS steps).
"""

from __future__ import annotations

import itertools
import logging
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, note, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot import voice
from bot.cases import STATUS_NAMES
from bot.i18n import LANGUAGES
from sandbox.fakebot import FakeUser
from storage.models import (
    Case,
    CaseEvent,
    CaseNeed,
    Consultant,
    FlowState,
    Organisation,
    OutboxMessage,
    ParentMessage,
    Partner,
)
from tests.conftest import CONSULTANT_ID
from tests.test_referral import join_as_partner

FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "5"))
FUZZ_STEPS = int(os.environ.get("FUZZ_STEPS", "40"))
SOAK_EXAMPLES = int(os.environ.get("SOAK_FUZZ_EXAMPLES", "0"))
SOAK_STEPS = int(os.environ.get("SOAK_FUZZ_STEPS", "120"))

KNOWN_COMMANDS = ("start", "help", "language", "taal", "refer", "verwijs", "privacy", "forget",
                  "myreferrals", "invite", "partners", "cases", "case", "stats", "export",
                  "recording")
NAMESPACES = ("lang", "ref", "case", "inbox", "partner", "invite", "faq", "help", "forget",
              "noop", "place", "voice", "rec", "flink")
# What counts as an answer in the sender's chat.
ANSWERS = {"sendMessage", "sendPhoto", "sendDocument", "sendVoice", "sendAudio",
           "editMessageText", "editMessageReplyMarkup", "copyMessage", "forwardMessage"}
KINDS = ("text", "marked_text", "huge_text", "blank_text", "keyboard", "command",
         "unknown_command", "start_payload", "sticker", "photo", "voice", "location",
         "own_contact", "other_contact", "press", "press", "press", "mutated_data",
         "random_data")
PRESSES = ("press", "mutated_data", "random_data")
LOGGERS = ("bot", "handlers", "storage", "telegram")
FLOW_ROLES = {"referral": "partner", "case_note": "consultant", "case_reply": "consultant",
              "join": "newcomer", "recording": "consultant"}
_numbers = itertools.count(1)
TALLY = pytest.StashKey["Tally"]()


class Errors(logging.Handler):
    """ERROR records of the bot's own loggers (and PTB's)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.split(".")[0] in LOGGERS:
            self.records.append(record)


@dataclass
class Actor:
    user: FakeUser
    role: str  # consultant | partner | parent | stranger (as set up; may change by playing)
    marker: str | None = None


@dataclass
class Tally:
    """What the fuzzer did, over every example of one test (for the summary at the end)."""

    examples: int = 0
    updates: int = 0
    kinds: Counter[str] = field(default_factory=Counter)
    cells: set[tuple[str, str]] = field(default_factory=set)

    def line(self, name: str) -> str:
        kinds = ", ".join(f"{k} {n}" for k, n in sorted(self.kinds.items()))
        roles = {r for r, _ in self.cells}
        return (f"[fuzz{name}] {self.examples} examples, {self.updates} updates ({kinds}); "
                f"(role, action) cells tried {len(self.cells)} of {len(roles) * len(set(KINDS))}"
                "; no crash, every update answered, no marker outside its chats, "
                "database consistent")


# ---- strategies ------------------------------------------------------------------------------
texts = st.text(max_size=300)
blank = st.sampled_from(["", " ", "\n", "\t \n", "\u200b", "\u3000", "\u00a0", " " * 5000])
huge = st.builds(lambda chunk, n: (chunk * n)[:n], st.text(min_size=1, max_size=20),
                 st.integers(4000, 12_000))
phones = st.from_regex(r"\A\+?[0-9 ()-]{0,20}\Z")
ints = st.one_of(st.integers(0, 20), st.integers(0, 10**19), st.just(-1))


def mutate(data: str, draw: Any) -> str:
    """A copy of real button data with other ids, another namespace, or a part more/less."""
    parts = data.split(":")
    how = draw(st.sampled_from(["ids", "namespace", "extra", "drop", "long", "swap_value"]))
    if how == "ids":
        numbers = iter(draw(st.lists(ints, min_size=6, max_size=6)))
        parts = [str(next(numbers)) if p.isdigit() else p for p in parts[:6]]
    elif how == "namespace":
        parts[0] = draw(st.sampled_from(NAMESPACES))
    elif how == "extra":
        parts.append(draw(st.one_of(st.from_regex(r"\A[A-Za-z0-9_.-]{0,12}\Z"), texts)))
    elif how == "drop":
        parts.pop(draw(st.integers(0, 10)) % len(parts))
    elif how == "long":
        parts.append("9" * draw(st.integers(40, 80)))
    else:
        parts[-1] = draw(st.sampled_from(["yes", "no", "x", "", "0", "other", "1" * 19]))
    return ":".join(parts)


def pick(draw: Any, seq: list[Any], default: Any) -> Any:
    """One of `seq` (or the default when empty), by an index drawn the same way whatever
    `seq` holds."""
    index = draw(st.integers(0, 2**16))
    return seq[index % len(seq)] if seq else default


# ---- the world -------------------------------------------------------------------------------
def flat(markup: Any) -> str:
    """Button labels of a reply markup (inline or reply keyboard)."""
    if not isinstance(markup, dict):
        return ""
    rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
    return " ".join(b if isinstance(b, str) else str(b.get("text", ""))
                    for row in rows if isinstance(row, list) for b in row)


def digits(text: str) -> str:
    """Digits with the separators between them removed (06 12-34 → 061234)."""
    return re.sub(r"(?<=\d)[\s().-]+(?=\d)", "", text)


class World:
    """The people of one example, their markers, and the checks on what the bot did."""

    def __init__(self, bot: Any, fake_api: Any, errors: Errors) -> None:
        self.bot = bot
        self.api = fake_api
        self.errors = errors
        self.actors: list[Actor] = []
        # marker -> the chats it may appear in; phone markers are matched on digits only.
        self.markers: dict[str, set[int]] = {}
        self.phone_markers: dict[str, set[int]] = {}
        self.calls_seen = len(fake_api.calls)

    @property
    def consultant(self) -> Actor:
        return self.actors[0]

    def allow(self, marker: str, owner: FakeUser, phone: bool = False) -> None:
        (self.phone_markers if phone else self.markers)[marker] = {owner.id, CONSULTANT_ID}

    async def setup(self, draw: Any) -> None:
        number = next(_numbers)
        consultant = self.bot.user(CONSULTANT_ID, "Bertine", "nl")
        self.actors.append(Actor(consultant, "consultant"))
        for index in range(2):
            partner = await self._join(consultant, f"Fuzz organisatie {number}-{index}",
                                       ["nl", "en"][index])
            marker = f"zqxnote{number}p{index}q"
            phone = f"06 {40 + index}{number % 1_000_000:06d}"
            self.allow(marker, partner.user)
            self.allow(digits(phone)[1:], partner.user, phone=True)
            partner.marker = marker
            await self._refer(partner.user, marker, phone)
            self.actors.append(partner)
        languages = draw(st.lists(st.sampled_from(LANGUAGES), min_size=3, max_size=3,
                                  unique=True), label="parent languages")
        for index, language in enumerate(languages):
            parent = self.bot.user(first_name=f"Ouder{index}", language_code=language)
            marker = f"zqxparent{number}p{index}q"
            self.allow(marker, parent)
            await parent.send("/start")
            await parent.press(parent.buttons()[0])
            await parent.send(f"My landlord sent a strange letter about {marker}, what now?")
            self.actors.append(Actor(parent, "parent", marker))
        stranger = self.bot.user(first_name="Vreemde", language_code=None)
        self.allow(f"zqxstranger{number}q", stranger)
        self.actors.append(Actor(stranger, "stranger", f"zqxstranger{number}q"))
        await self.check_step(None, None, None)

    async def _join(self, consultant: FakeUser, organisation: str, language: str) -> Actor:
        replies = await consultant.send(f"/invite {organisation}")
        link = next(r["text"] for r in replies if "start=i_" in r.get("text", ""))
        token = link.split("start=", 1)[1].split()[0]
        nurse = self.bot.user(first_name="Anja", language_code=language)
        await nurse.send(f"/start {token}")
        await nurse.send("Anja de Vries")
        return Actor(nurse, "partner")

    @staticmethod
    async def _refer(nurse: FakeUser, marker: str, phone: str) -> None:
        """A referral by button data (any staff language): phone, note with the marker."""
        await nurse.send("/refer")

        async def tap(prefix: str, value: str | None = None) -> None:
            for row in nurse.last["reply_markup"]["inline_keyboard"]:
                for button in row:
                    data = button["callback_data"]
                    if data.startswith(prefix) and (value is None or data.endswith(value)):
                        await nurse.press_data(data, nurse.last)
                        return
            raise AssertionError(f"no button {prefix} {value} in {nurse.last_text!r}")

        await tap("ref:pick:", ":ar")
        await tap("ref:pick:", ":0")
        await tap("ref:tog:")
        await tap("ref:next:")
        await tap("ref:tog:")
        await tap("ref:next:")
        await tap("ref:pick:", ":phone")
        await nurse.send(phone)
        await tap("ref:note:")
        await nurse.send(f"Moeder vraagt om {marker}.")
        await tap("ref:ok:", ":yes")
        assert "start=f_" in " ".join(nurse.texts()[-2:]), nurse.texts()[-3:]

    # ---- one random step -------------------------------------------------------------------
    def _seen(self) -> tuple[list[str], list[str]]:
        """Every button's data and every start payload the bot showed anyone."""
        datas, payloads = [], []
        for chat in self.api.messages.values():
            for message in chat:
                markup = message.get("reply_markup") or {}
                for row in markup.get("inline_keyboard", []):
                    datas += [b["callback_data"] for b in row if "callback_data" in b]
                text = message.get("text") or message.get("caption") or ""
                payloads += re.findall(r"start=([A-Za-z0-9_-]+)", text)
        return datas, payloads

    async def step(self, draw: Any, tally: Tally) -> None:
        actor = draw(st.sampled_from(self.actors), label="who")
        kind = draw(st.sampled_from(KINDS), label="what")
        queries = len(self.api.callback_queries)
        if kind in PRESSES:
            value = await self._press(actor.user, kind, draw)
        else:
            value = await self._message(actor, kind, draw)
        user = actor.user
        shown_value = value if not isinstance(value, str) or len(value) < 80 else (
            f"{value[:60]!r}… ({len(value)} chars)")
        note(f"{actor.role} {user.id} {kind}: {shown_value!r}")
        tally.updates += 1
        tally.kinds[kind] += 1
        tally.cells.add((actor.role, kind))
        query = f"{user.id}-{queries + 1}" if kind in PRESSES else None
        await self.check_step(user, kind, query)

    # Every choice that depends on what the bot showed is an index drawn the same way
    # whatever is on screen, so a replay draws the same values (Hypothesis checks that).
    async def _message(self, actor: Actor, kind: str, draw: Any) -> Any:
        user = actor.user
        value: Any = None
        if kind in ("text", "marked_text", "huge_text", "blank_text"):
            value = draw({"text": texts, "huge_text": huge, "blank_text": blank,
                          "marked_text": st.builds(
                              lambda a, b: f"{a} {actor.marker or ''} {b}", texts, texts),
                          }[kind])
        elif kind == "keyboard":
            value = pick(draw, user.keyboard(), draw(texts))
        elif kind == "command":
            name = draw(st.sampled_from(KNOWN_COMMANDS))
            args = draw(st.one_of(st.just(""), texts, st.from_regex(r"\A20\d\d-\d{4}\Z"),
                                  st.sampled_from(["Nieuwleusen", "mine", "closed", "parent",
                                                   "nonsense", "GGD", "2026-0001",
                                                   "boekstart en", "contact so", "dutch xx"])))
            value = f"/{name} {args}".rstrip()
        elif kind == "unknown_command":
            value = "/" + draw(st.from_regex(r"\A[a-zA-Z0-9_]{1,40}\Z")) + " " + draw(texts)
        elif kind == "start_payload":
            how = draw(st.sampled_from(["real", "forged", "altered", "text"]))
            real = pick(draw, self._seen()[1], "f_")
            value = "/start " + {
                "real": real, "altered": real[:-1] + ("A" if real[-1:] != "A" else "B"),
                "forged": draw(st.from_regex(r"\A[fi]_[A-Za-z0-9_-]{0,40}\Z")),
                "text": draw(texts)}[how]
        if isinstance(value, str):
            await user.send(value)
        elif kind == "sticker":
            await user.send_sticker()
        elif kind == "photo":
            value = draw(st.one_of(st.none(), texts, st.just(actor.marker or "")))
            await user.send_photo(caption=value)
        elif kind == "voice":
            value = draw(st.integers(0, 10_000))
            await user.send_voice(duration=value)
        elif kind == "location":
            value = (draw(st.floats(-90, 90)), draw(st.floats(-180, 180)))
            await user.send_location(*value)
        else:  # own_contact, other_contact
            value = draw(phones)
            await user.share_contact(value, own=kind == "own_contact")
        return value

    async def _press(self, user: FakeUser, kind: str, draw: Any) -> str:
        if kind == "press":  # a button on one of the newest messages in the chat
            shown = [(m, b["callback_data"]) for m in user.inbox[-8:]
                     for row in (m.get("reply_markup") or {}).get("inline_keyboard", [])
                     for b in row if "callback_data" in b]
            message, value = pick(draw, shown, (None, "noop:none"))
            await user.press_data(value, message)
            return str(value)
        if kind == "mutated_data":  # any chat's real button data, changed
            value = mutate(pick(draw, self._seen()[0], "case:take:1"), draw)
        else:
            value = draw(st.one_of(texts, st.text(min_size=60, max_size=120),
                                   st.from_regex(r"\A[a-z]{1,8}(:[A-Za-z0-9_.-]{0,10}){0,4}\Z")))
        await user.press_data(value)
        return value

    # ---- the checks ------------------------------------------------------------------------
    async def check_step(self, user: FakeUser | None, kind: str | None,
                         query: str | None) -> None:
        assert not self.errors.records, [
            f"{r.name}: {r.getMessage()}" for r in self.errors.records]
        calls = self.api.calls[self.calls_seen:]
        self.calls_seen += len(calls)
        if user is not None:
            if query is not None:
                assert self.api.callback_queries[query]["answered"], (
                    f"{kind}: callback query {query} not answered")
            else:
                assert any(c.method in ANSWERS and str(c.params.get("chat_id")) == str(user.id)
                           for c in calls), f"{kind}: no answer to user {user.id}"
        for call in calls:
            target = call.params.get("chat_id")
            content = " ".join(str(call.params.get(k) or "") for k in ("text", "caption"))
            content += " " + flat(call.params.get("reply_markup"))
            content += " ".join(f.decode("utf-8", "replace") for f in call.files.values())
            if call.method == "answerCallbackQuery":
                target = str(call.params.get("callback_query_id", "")).split("-")[0]
            if target is not None and str(target).lstrip("-").isdigit():
                self.check_leaks(int(target), content, call.method)

    def check_leaks(self, chat_id: int, content: str, where: str) -> None:
        for marker, allowed in self.markers.items():
            assert chat_id in allowed or marker not in content, (
                f"{marker} reached chat {chat_id} ({where})")
        numbers = digits(content)
        for marker, allowed in self.phone_markers.items():
            assert chat_id in allowed or marker not in numbers, (
                f"phone {marker} reached chat {chat_id} ({where})")

    async def check_end(self) -> None:
        await self.bot.drain_outbox()
        await self.check_step(None, None, None)
        for chat_id, messages in self.api.messages.items():  # copies and forwards too
            for message in messages:
                if message.get("from", {}).get("is_bot"):
                    self.check_leaks(chat_id, " ".join(
                        str(message.get(k) or "") for k in ("text", "caption")) + " "
                        + flat(message.get("reply_markup")), "stored message")
        await check_database(self.bot)


async def check_database(bot: Any) -> None:
    async with bot.services.sessions() as session:
        cases = {c.id: c for c in await session.scalars(select(Case))}
        for case in cases.values():
            assert case.status in STATUS_NAMES, (case.reference, case.status)
            assert (case.status == "closed") == (case.closed_at is not None), case.reference
            assert case.status != "closed" or case.outcome is not None, case.reference
            assert case.source in ("partner", "parent"), case.reference
        for model in (CaseEvent, CaseNeed, ParentMessage, OutboxMessage):
            for row in await session.scalars(select(model)):
                assert row.case_id is None or row.case_id in cases, (model.__name__, row.case_id)
        statuses = set(await session.scalars(select(OutboxMessage.status)))
        assert statuses <= {"pending", "sent", "dead"}, statuses
        active = set(await session.scalars(
            select(Partner.telegram_user_id).where(Partner.revoked_at.is_(None))))
        consultants = set(await session.scalars(
            select(Consultant.telegram_user_id).where(Consultant.active.is_(True))))
        for state in await session.scalars(select(FlowState)):
            role = FLOW_ROLES.get(state.flow)
            who = state.telegram_user_id
            assert role is not None, state.flow
            if role == "partner":
                assert who in active, f"a referral flow for {who}, who is no active partner"
            elif role == "consultant":
                assert who in consultants, f"a {state.flow} flow for {who}, no consultant"
                if state.flow == "recording":
                    assert voice.valid(state.data["topic"], state.data["language"]), state.data
                else:
                    assert state.data.get("case_id") in cases, (state.flow, state.data)
            else:
                assert who not in active | consultants, f"a join flow for staff member {who}"


# ---- the tests -------------------------------------------------------------------------------
async def run_example(bot, fake_api, data, tally: Tally, steps: int) -> None:
    errors = Errors()
    root = logging.getLogger()
    root.addHandler(errors)
    try:
        world = World(bot, fake_api, errors)
        await world.setup(data.draw)
        for _ in range(steps):
            await world.step(data.draw, tally)
        await world.check_end()
        tally.examples += 1
    finally:
        root.removeHandler(errors)


def publish(request: pytest.FixtureRequest, figures, line: str) -> None:
    """Keep one summary line per test, the newest (the last example's)."""
    request.node.user_properties[:] = [
        p for p in request.node.user_properties if p[0] != "figures"]
    figures(line)


FUZZ_SETTINGS = dict(deadline=None, phases=(Phase.explicit, Phase.reuse, Phase.generate),
                     suppress_health_check=[HealthCheck.function_scoped_fixture,
                                            HealthCheck.too_slow, HealthCheck.data_too_large])


@settings(max_examples=FUZZ_EXAMPLES, **FUZZ_SETTINGS)
@given(data=st.data())
async def test_fuzz_every_role_at_once(bot, fake_api, figures, request, data):
    tally = request.node.stash.setdefault(TALLY, Tally())
    await run_example(bot, fake_api, data, tally, FUZZ_STEPS)
    publish(request, figures, tally.line(""))


@pytest.mark.slow
@pytest.mark.skipif(not SOAK_EXAMPLES, reason="the long form runs in `make soak` "
                                              "(SOAK_FUZZ_EXAMPLES=N)")
@settings(max_examples=max(SOAK_EXAMPLES, 1), **FUZZ_SETTINGS)
@given(data=st.data())
async def test_fuzz_every_role_at_length(bot, fake_api, figures, request, data):
    tally = request.node.stash.setdefault(TALLY, Tally())
    await run_example(bot, fake_api, data, tally, SOAK_STEPS)
    publish(request, figures, tally.line(" at length"))



# ---- what the fuzzer found -------------------------------------------------------------------
async def test_a_button_press_without_data_is_answered_as_stale(bot, fake_api):
    """PTB passes a callback query without data through every pattern: it reached the
    language handler, failed there and the sender got the apology."""
    errors = Errors()
    logging.getLogger().addHandler(errors)
    try:
        for person in (bot.user(CONSULTANT_ID, "Bertine", "en"), bot.user(language_code="en")):
            await person.send("/start")
            await person.press_data("")
            assert person.callback_answer() == "This button does not work any more."
        assert not errors.records
    finally:
        logging.getLogger().removeHandler(errors)


async def test_a_second_tap_on_no_logs_no_error(bot, fake_api):
    """Telegram's "message is not modified" (the buttons were already gone) is no failure;
    PTB capitalises its text, so the check in bot.replies never matched and logged an
    ERROR for every double tap."""
    errors = Errors()
    logging.getLogger().addHandler(errors)
    try:
        parent = bot.user(language_code="en")
        await parent.send("/start")
        await parent.press(parent.buttons()[0])
        await parent.send("/forget")
        message, button = parent.find_button("No, keep it")
        shown = {**message, "reply_markup": dict(message["reply_markup"])}
        before = len(fake_api.calls)
        await parent.press_data(button["callback_data"], shown)
        await parent.press_data(button["callback_data"], shown)  # the same tap again
        edits = [c for c in fake_api.calls[before:] if c.method == "editMessageText"]
        assert [c.status for c in edits] == [200, 400]
        assert not errors.records, [r.getMessage() for r in errors.records]
    finally:
        logging.getLogger().removeHandler(errors)


async def test_text_with_a_nul_character_is_kept_without_it(bot):
    """PostgreSQL cannot store U+0000 in a text column: a parent's question holding one
    failed there (the apology; nothing kept), and a consultant's /invite too."""
    errors = Errors()
    logging.getLogger().addHandler(errors)
    try:
        consultant = bot.user(CONSULTANT_ID, "Bertine", "en")
        replies = await consultant.send("/invite Basisschool\x00 De Vlinder")
        assert any("start=i_" in r.get("text", "") for r in replies)
        parent = bot.user(language_code="en")
        await parent.send("/start")
        await parent.press(parent.buttons()[0])
        await parent.send("my landlord\x00 sent a strange letter")
        assert not errors.records, [r.getMessage() for r in errors.records]
        assert [m.text for m in await bot.rows(ParentMessage)] == [
            "my landlord sent a strange letter"]
        assert [o.name for o in await bot.rows(Organisation)] == ["Basisschool De Vlinder"]
    finally:
        logging.getLogger().removeHandler(errors)


async def test_a_removed_partner_loses_an_unfinished_referral(bot):
    """The fuzz test's flow-state check, probed on purpose: a partner removed in the middle
    of a referral kept its flow state (with the family's answers so far), and their typed
    text still got the referral's questions."""
    nurse, consultant, _ = await join_as_partner(bot)
    await nurse.send("/refer")
    await nurse.press("Polski")
    await nurse.press("Dalfsen")
    await consultant.send("/partners")
    await consultant.press("Anja de Vries", exact=False)
    await consultant.press("Ja, verwijderen")
    assert await bot.count(FlowState) == 0
    replies = await nurse.send("06 12345678")
    assert not any("Verwijzing" in r.get("text", "") for r in replies)
    await check_database(bot)
