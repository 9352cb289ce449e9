"""Issue 12: erased data is gone from the database file itself, retention prunes what is
only kept for a while, strangers leave no trace, removed partners stay out, groups are left."""

from __future__ import annotations

import sqlite3
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.engine import make_url

from bot import cli
from bot.app import ALLOWED_UPDATES
from bot.jobs import run_retention
from storage.db import _sqlite_pragmas, checkpoint
from storage.models import (
    Base,
    Case,
    FlowState,
    Invite,
    OutboxMessage,
    Parent,
    ParentMessage,
    Partner,
    ProcessedUpdate,
)
from tests.test_consultant import english_consultant
from tests.test_parent import consultant_ready, label, parent_with_menu
from tests.test_referral import join_as_partner, refer_family


def _database_files(bot) -> list[Path]:
    """The SQLite database file and, if present, its write-ahead log."""
    path = Path(make_url(bot.settings.database_url).database or "")
    return [p for p in (path, path.with_name(path.name + "-wal")) if p.exists()]


def _found_in_files(bot, marker: str) -> list[str]:
    """The files whose raw bytes hold the marker (as the database stores text: UTF-8)."""
    needle = marker.encode("utf-8")
    return [p.name for p in _database_files(bot) if needle in p.read_bytes()]


async def _ask(parent, marker: str) -> None:
    """A question the library cannot answer (it becomes part of the parent's case)."""
    await parent.send(f"my neighbour {marker} needs help with a letter")


@pytest.mark.sqlite_only("reads the SQLite file's bytes")
async def test_a_question_is_sealed_in_the_database_file_and_its_log(bot):
    """A stored question is sealed (tests/test_encryption.py): the byte search finds it
    neither in the log nor, once the log was checkpointed, in the database file, though the
    bot reads it."""
    await consultant_ready(bot)
    parent = await parent_with_menu(bot, "en")
    marker = f"zorgvraag{uuid.uuid4().hex}"
    await _ask(parent, marker)
    await bot.drain_outbox()
    assert _found_in_files(bot, marker) == []
    await checkpoint(bot.services.engine)
    assert _found_in_files(bot, marker) == []
    assert any(marker in (m.text or "") for m in await bot.rows(ParentMessage))


async def _erase_with_planted_markers(bot) -> tuple[str, str]:
    """A parent asks twice (one question checkpointed into the database file, one only in
    the log), then erases their data with /forget."""
    await consultant_ready(bot)
    parent = await parent_with_menu(bot, "en")
    in_file, in_log = (f"zorgvraag{uuid.uuid4().hex}" for _ in range(2))
    await _ask(parent, in_file)
    await bot.drain_outbox()  # the consultants' notification, with the question, is sent
    await checkpoint(bot.services.engine)  # this one is in the database file now
    await _ask(parent, in_log)  # and this one only in the log
    await bot.drain_outbox()
    await parent.send("/forget")
    await parent.press("🗑️ Yes, delete")
    assert "We deleted your data" in parent.inbox[-2]["text"]
    assert await bot.count(Parent, Parent.telegram_user_id == parent.id) == 0
    return in_file, in_log


@pytest.mark.sqlite_only("reads the SQLite file's bytes")
async def test_forget_leaves_no_trace_in_the_database_file_or_its_log(bot):
    in_file, in_log = await _erase_with_planted_markers(bot)
    assert _found_in_files(bot, in_file) == []
    assert _found_in_files(bot, in_log) == []


@pytest.mark.sqlite_only("reads the SQLite file's bytes")
async def test_without_secure_delete_the_erased_question_is_still_not_in_the_file(bot):
    """What the pragma prevents (many SQLite builds default to it off; Debian's to on):
    connections that turn it off leave the deleted row in the file's free pages; sealed, and
    with its data key destroyed, the question is not readable there all the same."""
    engine = bot.services.engine

    def insecure(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA secure_delete=OFF")
        cursor.close()

    event.listen(engine.sync_engine, "connect", insecure)  # after the bot's own hook
    await engine.dispose()  # new connections from here on
    in_file, in_log = await _erase_with_planted_markers(bot)
    assert _found_in_files(bot, in_file) == [] and _found_in_files(bot, in_log) == []


def test_the_pragma_hook_turns_secure_delete_on(tmp_path):
    connection = sqlite3.connect(tmp_path / "x.sqlite3")
    connection.execute("PRAGMA secure_delete=OFF")
    _sqlite_pragmas(connection, None)
    assert connection.execute("PRAGMA secure_delete").fetchone() == (1,)
    connection.close()


async def test_secure_delete_is_on_for_the_bots_connections(bot):
    async with bot.services.sessions() as session:
        if session.get_bind().dialect.name != "sqlite":
            pytest.skip("a SQLite setting")
        value = (await session.execute(text("PRAGMA secure_delete"))).scalar()
    assert value == 1


# ---- 2. retention prunes what is kept only for a while ----------------------------------
async def test_retention_prunes_update_ids_and_sent_or_dead_outbox_messages(bot):
    consultant = await consultant_ready(bot)
    parent = await parent_with_menu(bot, "en")
    await _ask(parent, "my landlord sent a letter")  # the consultants are notified
    await bot.drain_outbox()
    case = (await bot.rows(Case))[0]
    now = datetime.now(UTC)
    async with bot.services.sessions() as session, session.begin():
        # A dead letter of a case still open, one without a case, and one not sent yet.
        session.add_all([
            OutboxMessage(chat_id=consultant.id, payload={"text": "old dead"}, status="dead",
                          dedupe_key="dead-case", case_id=case.id,
                          created_at=now - timedelta(days=10)),
            OutboxMessage(chat_id=consultant.id, payload={"text": "older dead"}, status="dead",
                          dedupe_key="dead-old", created_at=now - timedelta(days=400)),
            OutboxMessage(chat_id=consultant.id,
                          payload={"chat_id": consultant.id, "text": "waiting"},
                          dedupe_key="pending", created_at=now - timedelta(days=10),
                          next_attempt_at=now + timedelta(days=999)),  # the relay leaves it
        ])
    updates = await bot.count(ProcessedUpdate)
    sent = await bot.count(OutboxMessage, OutboxMessage.status == "sent")
    assert updates >= 3 and sent >= 1

    today = await run_retention(bot.services, now)
    assert (today.updates, today.outbox) == (0, 1)  # only the dead letter of 400 days ago
    assert await bot.count(ProcessedUpdate) == updates

    four_days = await run_retention(bot.services, now + timedelta(days=4))
    assert (four_days.updates, four_days.outbox) == (0, sent)  # sent messages go after 3 days
    assert {o.dedupe_key for o in await bot.rows(OutboxMessage)} == {"dead-case", "pending"}

    week = await run_retention(bot.services, now + timedelta(days=8))
    assert (week.updates, week.outbox) == (updates, 0)  # update ids go after 7 days
    assert await bot.count(ProcessedUpdate) == 0
    # The case's dead letter stays until the case is anonymised (or for RETENTION_DAYS).
    assert {o.dedupe_key for o in await bot.rows(OutboxMessage)} == {"dead-case", "pending"}
    later = await run_retention(bot.services,
                                now + timedelta(days=bot.settings.retention_days + 1))
    assert later.outbox == 1
    assert {o.dedupe_key for o in await bot.rows(OutboxMessage)} == {"pending"}


# ---- 3. a stranger who only looks leaves no row -----------------------------------------
async def test_start_alone_stores_nothing_choosing_a_language_makes_a_parent(bot):
    stranger = bot.user(language_code="tr")
    await stranger.send("/start")
    assert "Hoş geldiniz" in stranger.last_text
    assert stranger.buttons()[0] == "Türkçe"  # the picker, Telegram's language first
    for command in ("/help", "/privacy", "/forget", "/language"):
        await stranger.send(command)
    assert await bot.count(Parent) == 0
    await stranger.send("/privacy")
    assert stranger.last_text.endswith(label("tr", "Now we keep nothing about you."))
    await stranger.send("/forget")
    assert stranger.last_text == label("tr", "Now we keep nothing about you.")
    await stranger.press("Polski")
    assert await bot.count(Parent) == 1
    assert (await bot.rows(Parent))[0].language == "pl"


async def test_a_menu_button_or_a_question_makes_a_parent(bot):
    button = bot.user(language_code="en")
    await button.send("/start")
    await button.send("🏛️ Library")  # an older menu, still on the phone
    assert await bot.count(Parent) == 1
    asking = bot.user(language_code="en")
    await asking.send("/start")
    await asking.send("when is the library open on saturday?")
    assert await bot.count(Parent) == 2


# ---- 4. a removed partner stays out; open invites can be withdrawn ----------------------
def _token(text: str) -> str:
    return text.split("start=", 1)[1].split(maxsplit=1)[0]


async def _invite(consultant, organisation: str) -> str:
    await consultant.send(f"/invite {organisation}")
    return _token(next(t for t in reversed(consultant.texts()) if "start=i_" in t))


REMOVED = ("You were removed as a partner professional, so older invite links no longer "
           "work for you. To join again, please ask the library's consultant for a new "
           "invite link.")
WITHDRAWN = "This invite link was withdrawn. Please ask the library for a new one."


async def test_a_removed_partner_cannot_rejoin_with_an_old_link_nor_can_anyone_else(bot):
    consultant = await english_consultant(bot)
    nurse, _, ggd_link = await join_as_partner(bot, consultant=consultant)
    await refer_family(nurse)
    school_link = await _invite(consultant, "Basisschool De Vlinder")
    await bot.drain_outbox()  # the new-referral notification is not taken for the answer
    replies = await consultant.send("/partners")
    partners = next(r["text"] for r in replies if "invite links still work" in r.get("text", ""))
    assert "Anja de Vries – GGD consultatiebureau Dalfsen" in partners
    invites_text = partners.split("2 invite links still work:")[1]
    assert "GGD consultatiebureau Dalfsen: 4 more uses, until" in invites_text
    assert "Basisschool De Vlinder: 5 more uses, until" in invites_text
    await consultant.press("Remove Anja de Vries")
    await consultant.press("Yes, remove")
    assert "withdrawn" in consultant.last_text

    # The nurse: neither her own old link nor another invite made before her removal.
    for link in (ggd_link, school_link):
        replies = await nurse.send(f"/start {link}")
        assert replies[0]["text"] == label("nl", REMOVED)
        assert await bot.count(FlowState) == 0
    replies = await nurse.send("/myreferrals")
    assert "-0001" not in replies[0]["text"] and "uitnodigingslink" in replies[0]["text"]
    # Her colleague cannot use the link she joined with either.
    colleague = bot.user(first_name="Els", language_code="en")
    replies = await colleague.send(f"/start {ggd_link}")
    assert replies[0]["text"] == WITHDRAWN
    assert await bot.count(Partner, Partner.revoked_at.is_(None)) == 0
    # The school's link still works for others.
    await colleague.send(f"/start {school_link}")
    await colleague.send("Els Bakker")
    assert await bot.count(Partner, Partner.revoked_at.is_(None)) == 1

    # A new invite made after her removal lets her back in, without her earlier referrals.
    new_link = await _invite(consultant, "GGD consultatiebureau Dalfsen")
    await nurse.send(f"/start {new_link}")
    await nurse.send("Anja de Vries")
    assert "/refer" in nurse.last_text
    replies = await nurse.send("/myreferrals")
    assert "-0001" not in replies[0]["text"]
    rows = await bot.rows(Partner, Partner.telegram_user_id == nurse.id)
    assert len(rows) == 2 and sum(p.revoked_at is None for p in rows) == 1
    old = next(p for p in rows if p.revoked_at is not None)
    assert (await bot.rows(Case))[0].partner_id == old.id  # the referral stays hers, then


async def test_withdraw_an_open_invite_with_its_button(bot):
    consultant = await english_consultant(bot)
    link = await _invite(consultant, "Saam Welzijn")
    await _invite(consultant, "Kinderopvang Dalfsen")
    replies = await consultant.send("/partners")  # the organisations, then the partners
    assert "No partner professionals yet" in replies[-1]["text"]
    assert "2 invite links still work" in replies[-1]["text"]
    await consultant.press("🚫 Withdraw: Saam Welzijn", exact=False)
    assert "The invite link for Saam Welzijn was withdrawn" in consultant.last_text
    assert "1 invite link still works:\n• Kinderopvang Dalfsen" in consultant.last_text
    assert [b.split(" (")[0] for b in consultant.buttons()] == [
        "🚫 Withdraw: Kinderopvang Dalfsen"]
    stranger = bot.user(language_code="en")
    replies = await stranger.send(f"/start {link}")
    assert replies[0]["text"] == WITHDRAWN
    invite = next(i for i in await bot.rows(Invite) if i.revoked_at is not None)
    await consultant.press_data(f"invite:withdraw:{invite.id}")  # once more: nothing to do
    assert "already withdrawn" in consultant.callback_answer()
    # Only consultants: a partner, a parent and a stranger are refused, nothing changes.
    nurse, _, _ = await join_as_partner(bot, "Kinderopvang Dalfsen", consultant=consultant)
    other = next(i for i in await bot.rows(Invite) if i.revoked_at is None)
    for person in (nurse, bot.user(language_code="nl")):
        await person.press_data(f"invite:withdraw:{other.id}")
        assert "⛔" in person.callback_answer()
    assert (await bot.rows(Invite, Invite.id == other.id))[0].revoked_at is None


# ---- 5. groups and channels: said once, then left, nothing stored -----------------------
PRIVATE_ONLY = "I only talk in a private chat. Tap the link to write to me:"


async def _row_counts(bot) -> dict[str, int]:
    async with bot.services.sessions() as session:
        return {table.name: await session.scalar(select(func.count()).select_from(table))
                for table in Base.metadata.sorted_tables}


async def test_added_to_a_group_the_bot_says_once_it_works_privately_and_leaves(bot, fake_api):
    before = await _row_counts(bot)
    group = fake_api.add_group(-100_123, "Ouders groep 3")
    member = bot.user(first_name="Fatma", language_code="tr")
    replies = await member.add_bot_to(group)  # a my_chat_member update and a service message
    assert [r["text"] for r in replies] == [
        label("tr", PRIVATE_ONLY) + "\nhttps://t.me/bieb_test_bot"]
    assert [c.params["chat_id"] for c in fake_api.calls_to("leaveChat")] == [group.id]
    assert not group.bot_member
    await bot.settle(fake_api.history[-1]["update_id"])  # the bot hears it left: no answer
    # Written after it left (Telegram would not even deliver it): nothing reaches the group.
    assert await member.send_in(group, "/start") == []
    assert len(fake_api.calls_to("leaveChat")) == 1
    assert len(fake_api.bot_messages(group.id)) == 1  # said once
    assert await _row_counts(bot) == before  # nothing stored, not even the update ids


async def test_spoken_to_in_a_group_it_was_in_the_bot_answers_in_dutch_and_leaves(bot, fake_api):
    group = fake_api.add_group(-100_456, "Buurtapp Nieuwleusen", "supergroup")
    group.bot_member = True  # added before this version of the bot
    replies = await bot.user(language_code="ja").send_in(group, "/start@bieb_test_bot")
    assert [r["text"] for r in replies] == [label("nl", PRIVATE_ONLY)
                                            + "\nhttps://t.me/bieb_test_bot"]
    assert [c.params["chat_id"] for c in fake_api.calls_to("leaveChat")] == [group.id]
    assert await bot.count(Parent) == 0 and await bot.count(ProcessedUpdate) == 0


async def test_added_to_a_channel_the_bot_leaves_without_a_word(bot, fake_api):
    channel = fake_api.add_group(-100_789, "Nieuws", "channel")
    assert await bot.user(language_code="nl").add_bot_to(channel) == []
    assert [c.params["chat_id"] for c in fake_api.calls_to("leaveChat")] == [channel.id]


def test_the_bot_asks_telegram_for_my_chat_member_updates():
    assert "my_chat_member" in ALLOWED_UPDATES and cli.UPDATES is ALLOWED_UPDATES
