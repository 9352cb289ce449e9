"""Issue 12, item 1: personal fields are sealed at rest (a data key per parent, per case,
wrapped by the master key), and erasure or anonymisation destroys the data key
(crypto-shredding), so even a backup made before can no longer be read."""

from __future__ import annotations

import asyncio
import logging
import random
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot import cli, masterkey
from bot.config import load_settings
from bot.jobs import run_retention
from storage import crypto
from storage.models import Base, Case, DataKey, Parent
from tests.conftest import CONSULTANT_ID, TEST_MASTER_KEY
from tests.test_parent import label
from tests.test_privacy import _database_files
from tests.test_referral import join_as_partner

# (table, column) of the sealed values the test follows into a backup.
SEALED = [("cases", "phone"), ("cases", "note"), ("cases", "need_other"),
          ("cases", "village_other"), ("parent_messages", "text")]


async def _plant(bot) -> tuple[dict[str, str], object]:
    """A referral with a typed place, a need of its own, a phone number and a note; the
    family's parent asks a question, the consultant notes and replies. Returns the markers."""
    tag = "".join(random.choice("bcdfghjklmnpqrstvwxz") for _ in range(10))
    digits = "1" + "".join(random.choice("0123456789") for _ in range(7))
    markers = {"phone": digits, "village": f"Plaats{tag}", "need": f"Behoefte{tag}",
               "note": f"Notitie{tag}", "question": f"vraag{tag}", "reply": f"Antwoord{tag}",
               "consultant_note": f"Memo{tag}"}
    consultant = bot.user(CONSULTANT_ID, "Bertine", "nl")
    await consultant.send("/start")
    nurse, _, _ = await join_as_partner(bot, consultant=consultant)
    await nurse.send("/refer")
    await nurse.press("العربية")
    await nurse.press("Ergens anders")
    await nurse.send(markers["village"])
    await nurse.press("▫️ 0–4 jaar")
    await nurse.press("Volgende ➡️")
    await nurse.press("iets anders", exact=False)
    await nurse.press("Volgende ➡️")
    await nurse.send(markers["need"])
    await nurse.press("📞 telefonisch")
    await nurse.send(f"06 {digits}")
    await nurse.press("📝 Notitie")
    await nurse.send(markers["note"])
    await nurse.press("✅ Ja, ze stemden in – versturen")
    case = (await bot.rows(Case))[0]
    assert case.phone == f"+316{digits}" and case.village == markers["village"]
    assert case.need_other == markers["need"] and case.note == markers["note"]

    token = next(t for t in nurse.texts() if "start=f_" in t).split("start=", 1)[1].split()[0]
    parent = bot.user(first_name="Amal", language_code="ar")
    await parent.send(f"/start {token}")
    await parent.send(f"زوجي يحتاج مساعدة {markers['question']}")
    await consultant.press_data(f"case:note:{case.id}")
    await consultant.send(markers["consultant_note"])
    await consultant.press_data(f"case:reply:{case.id}")
    await consultant.send(f"Ik bel u dinsdag. {markers['reply']}")
    await bot.drain_outbox()
    assert any(markers["reply"] in t for t in parent.texts())
    assert any(markers["question"] in t for t in consultant.texts())
    return markers, parent


async def _raw_database_text(bot) -> str:
    """Every column of every row as the database returns it, cast to text in SQL."""
    chunks = []
    async with bot.services.sessions() as session:
        for table in Base.metadata.sorted_tables:
            rows = await session.execute(text(f"SELECT * FROM {table.name}"))
            chunks += [" ".join(str(v) for v in row) for row in rows.all()]
    return "\n".join(chunks)


def _found(markers: dict[str, str], haystack: bytes) -> list[str]:
    return [name for name, marker in markers.items() if marker.encode("utf-8") in haystack]


async def _live_key(bot, key_id: str | None) -> bytes | None:
    async with bot.services.sessions() as session:
        key = await session.get(DataKey, key_id) if key_id else None
        return crypto.unwrap(key.wrapped) if key is not None else None


async def _open_with_live_keys(bot, sealed: list[tuple[str, str, str | None, str]]
                               ) -> list[str | None]:
    """Each sealed value of an old copy, opened with the live database's data keys."""
    opened = []
    for table, column, key_id, token in sealed:
        key = await _live_key(bot, key_id)
        opened.append(None if key is None
                      else crypto.open_text(key, token, f"{table}.{column}"))
    return opened


def _sealed_in_sqlite_copy(path: Path) -> list[tuple[str, str, str | None, str]]:
    copy = sqlite3.connect(path)
    try:
        found = []
        for table, column in SEALED:
            for key_id, value in copy.execute(
                    f"SELECT data_key_id, {column} FROM {table} WHERE {column} IS NOT NULL"):
                found.append((table, column, key_id, value))
        assert copy.execute("SELECT count(*) FROM data_keys").fetchone() == (0,)
        return found
    finally:
        copy.close()


async def _sealed_raw(bot) -> list[tuple[str, str, str | None, str]]:
    found = []
    async with bot.services.sessions() as session:
        for table, column in SEALED:
            rows = await session.execute(text(
                f"SELECT data_key_id, {column} FROM {table} WHERE {column} IS NOT NULL"))
            found += [(table, column, key_id, value) for key_id, value in rows.all()]
    return found


async def test_personal_fields_are_sealed_everywhere_and_shredded_on_erasure(
        bot, tmp_path, monkeypatch, caplog):
    caplog.set_level(logging.INFO)  # the level the bot logs at (bieb-bot)
    markers, parent = await _plant(bot)
    is_sqlite = bot.services.engine.dialect.name == "sqlite"

    # Not in what the database returns for any column (both databases) ...
    assert _found(markers, (await _raw_database_text(bot)).encode("utf-8")) == []
    # ... nor in the log lines.
    logged = "\n".join(r.getMessage() for r in caplog.records).encode("utf-8")
    assert _found(markers, logged) == []
    if is_sqlite:
        # Nor in the raw bytes of the file, its write-ahead log and a backup.
        for path in _database_files(bot):
            assert _found(markers, path.read_bytes()) == [], path.name
        backup = tmp_path / "old-backup.sqlite3"
        monkeypatch.setenv("DATABASE_URL", bot.settings.database_url)
        monkeypatch.setenv("MASTER_KEY", bot.settings.master_key or "")
        assert cli.main(["backup", str(backup)]) == 0
        assert _found(markers, backup.read_bytes()) == []
        old = _sealed_in_sqlite_copy(backup)
    else:
        old = await _sealed_raw(bot)
    # The old copy holds ciphertext only; with the live data keys it reads.
    assert {c for _, c, _, _ in old} == {"phone", "note", "need_other", "village_other", "text"}
    readable = await _open_with_live_keys(bot, old)
    assert f"+316{markers['phone']}" in readable and markers["note"] in readable
    assert any(markers["question"] in (v or "") for v in readable)
    assert any(markers["reply"] in (v or "") for v in readable)

    keys_before = {k.id for k in await bot.rows(DataKey)}
    await parent.send("/forget")
    await parent.press(label("ar", "🗑️ Yes, delete"))
    assert await bot.count(Parent, Parent.erased_at.is_not(None)) == 1
    # The parent's and the case's data keys are gone, so the old copy reads no more.
    used = {key_id for _, _, key_id, _ in old}
    assert used and not used & {k.id for k in await bot.rows(DataKey)}
    assert used <= keys_before
    assert await _open_with_live_keys(bot, old) == [None] * len(old)


async def test_anonymising_a_referral_destroys_its_data_key(bot):
    markers, _parent = await _plant(bot)
    case = (await bot.rows(Case))[0]
    old = await _sealed_raw(bot)
    async with bot.services.sessions() as session, session.begin():
        fresh = await session.get(Case, case.id)
        assert fresh is not None
        fresh.status, fresh.closed_at = "closed", datetime.now(UTC) - timedelta(days=400)
    result = await run_retention(bot.services, datetime.now(UTC))
    assert result.cases == 1
    assert await _live_key(bot, case.data_key_id) is None
    case_values = [v for v in old if v[2] == case.data_key_id]
    assert case_values and await _open_with_live_keys(bot, case_values) == [None] * len(
        case_values)
    assert _found(markers, (await _raw_database_text(bot)).encode("utf-8")) == []


@pytest.mark.sqlite_only("rotates the key file of a SQLite installation")
async def test_rotate_key_rewraps_every_data_key_and_old_data_still_reads(
        bot, tmp_path, monkeypatch, capsys):
    markers, _parent = await _plant(bot)
    await bot.stop()
    key_file = tmp_path / "master.key"
    key_file.write_text(bot.settings.master_key + "\n")
    monkeypatch.setenv("DATABASE_URL", bot.settings.database_url)
    monkeypatch.delenv("MASTER_KEY", raising=False)
    monkeypatch.setenv("MASTER_KEY_FILE", str(key_file))
    path = Path(make_url(bot.settings.database_url).database or "")
    wrapped_before = dict(sqlite3.connect(path).execute("SELECT id, wrapped FROM data_keys"))
    assert await asyncio.to_thread(cli.main, ["rotate-key"]) == 0
    assert "data keys wrapped under the new master key" in capsys.readouterr().out
    new_key = key_file.read_text().strip()
    assert new_key != bot.settings.master_key and "\n" not in new_key
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    wrapped_after = dict(sqlite3.connect(path).execute("SELECT id, wrapped FROM data_keys"))
    assert wrapped_after.keys() == wrapped_before.keys()
    assert all(wrapped_after[k] != wrapped_before[k] for k in wrapped_after)
    # The old master key opens none of them any more; the new one opens all.
    crypto.configure([bot.settings.master_key.encode()])
    with pytest.raises(crypto.KeyError_):
        crypto.unwrap(next(iter(wrapped_after.values())))
    # The bot, started with the new key, reads what was written before the rotation.
    bot.settings = bot.settings.model_copy(update={"master_key": new_key})
    await bot.start()
    case = (await bot.rows(Case))[0]
    assert case.note == markers["note"] and case.phone == f"+316{markers['phone']}"
    await bot.stop()
    crypto.configure([bot.settings.master_key.encode()])


def test_first_start_makes_an_owner_only_key_file_and_says_so_once(tmp_path, caplog,
                                                                   monkeypatch):
    monkeypatch.delenv("MASTER_KEY", raising=False)

    caplog.set_level(logging.WARNING)
    settings = load_settings(_env_file=None, master_key_file=tmp_path / "data" / "master.key")
    masterkey.configure(settings)
    masterkey.configure(settings)
    assert oct((tmp_path / "data" / "master.key").stat().st_mode & 0o777) == "0o600"
    lines = [r.getMessage() for r in caplog.records if "master key" in r.getMessage()]
    assert len(lines) == 1 and "back it up together with the database" in lines[0]
    assert "\n" not in lines[0]
    crypto.configure([TEST_MASTER_KEY.encode()])
