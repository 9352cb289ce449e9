"""Issue 12, items 4, 5 and 8: the append-only audit log, anonymous (not pseudonymous)
cases after erasure or retention, and the parent's rights of access and erasure."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from bot.figures import EXPORT_COLUMNS
from bot.jobs import run_retention
from storage.models import AuditEntry, Case, CaseEvent, Parent
from tests.test_consultant import answer, english_consultant, newest_case, parent_asking
from tests.test_parent import _all_database_text, label, shown
from tests.test_referral import join_as_partner, refer_family


async def _audit(bot, *actions: str) -> list[AuditEntry]:
    rows = await bot.rows(AuditEntry)
    return [r for r in rows if not actions or r.action in actions]


async def _raw(bot, sql: str) -> None:
    async with bot.services.sessions() as session, session.begin():
        await session.execute(text(sql))


# ---- 4. every read and every change is recorded, and the record cannot be rewritten ------
async def test_reads_and_changes_are_in_the_audit_log_without_personal_data(bot):
    consultant = await english_consultant(bot)
    nurse, _, _ = await join_as_partner(bot, consultant=consultant)
    await refer_family(nurse, phone="06 12345678")
    case = await newest_case(bot)
    await consultant.send("/cases")
    await consultant.send(f"/case {case.reference}")
    await consultant.press("✋ Take")
    await consultant.press("📝 Note")
    await consultant.send("Mother works at the bakery on Kerkstraat.")
    await consultant.send("/stats")
    await consultant.send("/export")

    consultant_id = (await bot.rows(CaseEvent, CaseEvent.kind == "take"))[0].actor_id
    page = (await _audit(bot, "inbox.page"))[-1]
    assert (page.actor_role, page.actor_id) == ("consultant", consultant_id)
    assert page.detail["references"] == [case.reference] and page.detail["filter"] == "open"
    for action in ("case.viewed", "case.take", "case.note"):
        row = (await _audit(bot, action))[-1]
        assert (row.actor_role, row.actor_id, row.case_id) == ("consultant", consultant_id,
                                                               case.id), action
    created = (await _audit(bot, "case.created"))[0]
    assert created.actor_role == "partner" and created.case_id == case.id
    assert (await _audit(bot, "figures"))[-1].detail["cases"] == 1
    export = (await _audit(bot, "export"))[-1]
    assert export.detail["references"] == [case.reference]
    assert {"invite.create", "partner.join"} <= {r.action for r in await _audit(bot)}
    logged = " ".join(f"{r.action} {r.detail}" for r in await _audit(bot))
    for personal in ("12345678", "Kerkstraat", "Anja", "Bertine", str(nurse.id)):
        assert personal not in logged, personal


async def test_the_database_refuses_to_change_or_delete_audit_rows(bot):
    consultant = await english_consultant(bot)
    await consultant.send("/cases")
    assert await bot.count(AuditEntry) >= 1
    for sql in ("UPDATE audit_log SET action = 'nothing'",
                "UPDATE audit_log SET detail = '{}'",
                "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError, match="append-only"):
            await _raw(bot, sql)
    if bot.settings.database_url.startswith("postgresql"):
        with pytest.raises(DBAPIError, match="append-only"):
            await _raw(bot, "TRUNCATE audit_log")
    assert {r.action for r in await _audit(bot)} >= {"inbox.page"}


async def test_the_case_history_is_append_only_but_for_erasure(bot):
    consultant = await english_consultant(bot)
    await parent_asking(bot, "my landlord sent me a strange letter")
    case = await newest_case(bot)
    await consultant.press_data(f"case:note:{case.id}")
    await consultant.send("Lives next to the church.")
    note = (await bot.rows(CaseEvent, CaseEvent.kind == "note"))[0]
    for sql in (f"UPDATE case_events SET kind = 'viewed' WHERE id = {note.id}",
                f"UPDATE case_events SET actor_id = 999 WHERE id = {note.id}",
                f"UPDATE case_events SET detail = '{{\"text\": \"rewritten\"}}' "
                f"WHERE id = {note.id}",
                f"UPDATE case_events SET created_at = created_at - INTERVAL '1 day' "
                f"WHERE id = {note.id}"
                if bot.settings.database_url.startswith("postgresql") else
                f"UPDATE case_events SET created_at = '2000-01-01' WHERE id = {note.id}",
                "DELETE FROM case_events"):
        with pytest.raises(DBAPIError, match="append-only"):
            await _raw(bot, sql)
    # What erasure does is let through: a note's detail cleared, a parent's id removed.
    await _raw(bot, f"UPDATE case_events SET detail = '{{\"erased\": true}}' "
                    f"WHERE id = {note.id}")
    await _raw(bot, "UPDATE case_events SET actor_id = NULL WHERE actor_kind = 'parent'")
    assert (await bot.rows(CaseEvent, CaseEvent.id == note.id))[0].detail == {"erased": True}


# ---- 5. an erased or expired case is anonymous, and the figures still count it ----------
async def _referred_case_with_note(bot):
    consultant = await english_consultant(bot)
    nurse, _, _ = await join_as_partner(bot, consultant=consultant)
    await refer_family(nurse, phone="06 12345678")
    token = next(t for t in nurse.texts() if "start=f_" in t).split("start=", 1)[1].split()[0]
    parent = bot.user(first_name="Amal", language_code="ar")
    await parent.send(f"/start {token}")
    await parent.send("زوجي يحتاج مساعدة مع رسالة من البلدية")
    case = await newest_case(bot)
    await consultant.press_data(f"case:note:{case.id}")
    await consultant.send("Mother works at the bakery.")
    return consultant, nurse, parent, case


def _assert_anonymous(case: Case) -> None:
    assert case.anonymised_at is not None
    assert (case.partner_id, case.consent_recorded_by_partner_id, case.parent_id) == (
        None, None, None)
    assert case.child_ages == [] and case.family_language is None
    assert (case.phone, case.note, case.need_other, case.family_token_hash) == (
        None, None, None, None)
    assert case.organisation_id is not None and [n.need for n in case.needs] == ["reading"]


async def _figures_and_export(bot, consultant) -> list[dict[str, str]]:
    stats = answer(await consultant.send("/stats all"), "📊")
    assert "1 case\n" in stats and "GGD consultatiebureau Dalfsen: 1" in stats
    assert "reading / BoekStart: 1" in stats
    replies = await consultant.send("/export all")
    document = next(r["document"] for r in replies if "document" in r)
    content = bot.server.files[document["file_id"]].content.decode("utf-8-sig")
    header, *body = list(csv.reader(io.StringIO(content), delimiter=";"))
    assert header[0] == "Case" and len(header) == len(EXPORT_COLUMNS)  # in her language
    return [dict(zip(EXPORT_COLUMNS, row, strict=True)) for row in body]


async def test_an_erased_case_keeps_only_what_the_figures_need(bot):
    consultant, nurse, parent, case = await _referred_case_with_note(bot)
    await parent.send("/forget")
    await parent.press(label("ar", "🗑️ Yes, delete"))
    kept = await newest_case(bot)
    _assert_anonymous(kept)
    assert kept.village == "Nieuwleusen"  # one of the library's villages
    events = await bot.rows(CaseEvent, CaseEvent.case_id == case.id)
    assert all(e.actor_id is None for e in events if e.actor_kind == "parent")
    assert [e.detail for e in events if e.kind == "note"] == [{"erased": True}]
    after = await _all_database_text(bot)
    assert "bakery" not in after and "12345678" not in after
    # The partner no longer sees it among their referrals.
    replies = await nurse.send("/myreferrals")
    assert case.reference not in replies[0]["text"]
    row = (await _figures_and_export(bot, consultant))[0]
    assert (row["village"], row["child_ages"], row["family_language"], row["needs"],
            row["anonymised"]) == ("Nieuwleusen", "", "", "reading", "yes")
    assert row["organisation"] == "GGD consultatiebureau Dalfsen"


async def test_retention_makes_a_case_anonymous_with_a_coarse_area(bot):
    consultant, _nurse, parent, case = await _referred_case_with_note(bot)
    async with bot.services.sessions() as session, session.begin():
        stored = await session.get(Case, case.id)
        stored.village = "Hoofdstraat 12, Lemelerveld"  # typed: could be an address
    await consultant.press_data(f"case:close:{case.id}")
    await consultant.press("📚 joined BoekStart")
    later = datetime.now(UTC) + timedelta(days=bot.settings.retention_days + 1)
    assert (await run_retention(bot.services, later)).cases == 1
    kept = await newest_case(bot)
    _assert_anonymous(kept)
    assert kept.village == "other" and kept.outcome == "boekstart"
    retention = (await _audit(bot, "retention"))[-1]
    assert retention.actor_role == "system" and retention.detail["cases"] == 1
    row = (await _figures_and_export(bot, consultant))[0]
    assert (row["village"], row["outcome"], row["anonymised"]) == ("other", "boekstart", "yes")
    # The parent is still there (they asked nothing), but no case leads to them any more.
    assert await bot.count(Parent, Parent.telegram_user_id == parent.id) == 1
    assert await bot.count(Case, Case.parent_id.is_not(None)) == 0


# ---- 8. the parent's rights: access (/mydata) and erasure, also through a consultant ----
async def test_mydata_shows_the_parent_what_is_stored_in_their_language(bot):
    parent = await parent_asking(bot, "my landlord sent me a strange letter", "en")
    await parent.send("📞 Contact me")
    await parent.share_contact("31612345678")
    replies = await parent.send("/mydata")
    report = replies[0]["text"]
    assert report.startswith("📄 What we keep about you:")
    assert "06 12345678" in report and "English" in report
    assert "my landlord sent me a strange letter" in report
    case = await newest_case(bot)
    assert f"{case.reference}: received, the library will look at it" in report
    assert (await _audit(bot, "parent.data"))[-1].actor_role == "parent"

    arabic = await parent_asking(bot, "زوجي يحتاج مساعدة مع رسالة من البلدية", "ar")
    replies = await arabic.send("/mydata")
    assert replies[0]["text"].startswith(shown("ar", "📄 What we keep about you:"))
    assert label("ar", "💬 Your messages:") in replies[0]["text"]
    assert label("ar", "📄 What we keep about you:") != "📄 What we keep about you:"

    stranger = bot.user(language_code="tr")
    replies = await stranger.send("/mydata")
    assert replies[0]["text"] == label("tr", "Now we keep nothing about you.")
    assert await bot.count(Parent, Parent.telegram_user_id == stranger.id) == 0


async def test_a_consultant_serves_the_parents_request_for_their_data_and_erasure(bot):
    consultant = await english_consultant(bot)
    parent = await parent_asking(bot, "زوجي يحتاج مساعدة مع رسالة من البلدية", "ar")
    case = await newest_case(bot)
    await consultant.send(f"/case {case.reference}")
    replies = await consultant.press("📄 Parent's data")
    document = next(r for r in replies if "document" in r)
    content = bot.server.files[document["document"]["file_id"]].content.decode("utf-8")
    assert content.startswith(label("ar", "📄 What we keep about you:"))
    assert "زوجي يحتاج مساعدة" in content
    assert case.reference in document["caption"]
    data = (await _audit(bot, "parent.data"))[-1]
    assert (data.actor_role, data.case_id) == ("consultant", case.id)

    # Erasure, with a confirmation step; "No" changes nothing.
    await consultant.send(f"/case {case.reference}")
    await consultant.press("🗑️ Erase parent's data")
    assert "cannot be undone" in consultant.last_text
    await consultant.press("No, keep it")
    assert (await newest_case(bot)).anonymised_at is None
    await consultant.send(f"/case {case.reference}")
    await consultant.press("🗑️ Erase parent's data")
    await consultant.press("🗑️ Yes, erase")
    assert "was erased" in consultant.last_text
    _assert_anonymous_parent_case(await newest_case(bot))
    assert await bot.count(Parent, Parent.telegram_user_id == parent.id) == 0
    erase = (await _audit(bot, "parent.erase"))[-1]
    assert erase.actor_role == "consultant" and erase.detail["references"] == [case.reference]
    event = (await bot.rows(CaseEvent, CaseEvent.kind == "erased_on_request"))[0]
    assert event.actor_kind == "consultant"
    # Once erased there is nothing left to show or erase; the buttons are gone.
    await consultant.press_data(f"case:data:{case.id}")
    assert "erase their data" in consultant.callback_answer()
    await consultant.send(f"/case {case.reference}")
    assert "📄 Parent's data" not in consultant.buttons()
    # The parent is a stranger now, and the bot keeps nothing about them.
    replies = await parent.send("/mydata")
    assert replies[0]["text"] == shown("ar", "Now we keep nothing about you.")


def _assert_anonymous_parent_case(case: Case) -> None:
    assert case.anonymised_at is not None and case.parent_id is None
    assert case.family_language is None and case.need_other is None


async def test_only_consultants_may_see_or_erase_a_parents_data(bot):
    await english_consultant(bot)
    nurse, _, _ = await join_as_partner(bot)
    await refer_family(nurse)
    parent = await parent_asking(bot, "my landlord sent me a strange letter", "en")
    case = await newest_case(bot)
    for person in (nurse, parent):
        for action in ("data", "erase", "eraseok"):
            await person.press_data(f"case:{action}:{case.id}")
            assert "⛔" in (person.callback_answer() or ""), action
    assert (await newest_case(bot)).anonymised_at is None
    assert not await _audit(bot, "parent.data", "parent.erase")


async def test_mydata_is_a_family_command():
    from bot.commands import commands_for
    from bot.people import Role

    for role in (Role.PARENT, Role.STRANGER):
        assert "mydata" in [c.name for c in commands_for(role)]
    assert "mydata" not in [c.name for c in commands_for(Role.CONSULTANT)]


def test_audit_rows_have_no_update_or_delete_path_in_the_code():
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    for folder in ("bot", "handlers", "storage"):
        for path in (root / folder).rglob("*.py"):
            if "versions" in path.parts:
                continue
            source = path.read_text("utf-8")
            for forbidden in ("update(AuditEntry", "delete(AuditEntry", "UPDATE audit_log",
                              "DELETE FROM audit_log"):
                assert forbidden not in source, (path, forbidden)


async def test_select_still_reads_the_audit_log(bot):
    consultant = await english_consultant(bot)
    await consultant.send("/cases")
    async with bot.services.sessions() as session:
        assert (await session.scalars(select(AuditEntry.action))).all()
