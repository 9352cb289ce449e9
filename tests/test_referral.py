"""Invite → join → referral in at most 8 taps → case, audit event, consultant notification."""

from __future__ import annotations

from storage.models import Case, CaseEvent, FlowState, OutboxMessage, Partner
from tests.conftest import CONSULTANT_ID
from tests.harness import wait_until


async def join_as_partner(bot, organisation="GGD consultatiebureau Dalfsen", name="Anja de Vries",
                          consultant=None, language_code="nl"):
    consultant = consultant or bot.user(CONSULTANT_ID, "Bertine", "nl")
    replies = await consultant.send(f"/invite {organisation}")
    link = next(r["text"] for r in replies if "text" in r and "https://t.me/" in r["text"])
    assert any("photo" in r for r in replies), "the invite comes with a QR code image"
    token = link.split("start=", 1)[1].split()[0]
    nurse = bot.user(first_name="Anja", language_code=language_code)
    await nurse.send(f"/start {token}")
    await nurse.send(name)
    return nurse, consultant, token


async def refer_family(nurse, phone="06 12345678"):
    """The typical referral: 8 taps and one typed phone number."""
    taps = 0
    await nurse.send("/refer")
    for label in ("العربية", "Nieuwleusen", "▫️ 0–4 jaar", "Volgende ➡️"):
        await nurse.press(label)
        taps += 1
    await nurse.press("lezen", exact=False)
    await nurse.press("Volgende ➡️")
    await nurse.press("📞 telefonisch")
    taps += 3
    await nurse.send(phone)
    await nurse.press("✅ Ja, ze stemden in – versturen")
    taps += 1
    return taps


async def test_invite_join_refer_notify(bot):
    nurse, consultant, _ = await join_as_partner(bot)
    assert "/refer" in nurse.last_text
    assert await bot.count(Partner) == 1

    taps = await refer_family(nurse)
    assert taps <= 8
    confirmation = next(t for t in nurse.texts() if "2026-" in t or "-0001" in t)
    assert "-0001" in confirmation
    assert "https://t.me/bieb_test_bot?start=f_" in confirmation
    assert "photo" in nurse.last, "the family link comes with a QR code"

    cases = await bot.rows(Case)
    assert len(cases) == 1
    case = cases[0]
    assert case.phone == "+31612345678"
    assert case.family_language == "ar" and case.village == "Nieuwleusen"
    assert case.consent and case.consent_source == "partner"
    assert case.consent_recorded_by_partner_id is not None and case.consent_at is not None
    events = await bot.rows(CaseEvent)
    assert [e.kind for e in events] == ["created"]
    assert await bot.count(FlowState) == 0

    await wait_until(lambda: any("-0001" in t for t in consultant.texts()))
    note = next(m for m in consultant.inbox if "-0001" in (m.get("text") or ""))
    assert "GGD consultatiebureau Dalfsen" in note["text"]
    assert "06 12345678" in note["text"]
    assert consultant.buttons(note) == ["✋ Zaak oppakken", "📂 Openen"]
    outbox = await bot.rows(OutboxMessage)
    assert [o.status for o in outbox] == ["sent"]


async def test_refer_is_only_for_partners(bot):
    parent = bot.user(language_code="nl")
    replies = await parent.send("/refer")
    assert "uitnodigingslink" in replies[0]["text"]
    replies = await parent.send("/verwijs")
    assert "uitnodigingslink" in replies[0]["text"]
    assert await bot.count(FlowState) == 0


async def test_restart_mid_referral_resumes(bot):
    nurse, _, _ = await join_as_partner(bot)
    await nurse.send("/refer")
    await nurse.press("Türkçe")
    await nurse.press("Dalfsen")
    await bot.restart()
    await nurse.press("▫️ 4–12 jaar")
    await nurse.press("Volgende ➡️")
    await nurse.press("💻 digitale vaardigheden (schoolapp, DigiD, online formulieren)",
                      exact=False)
    await nurse.press("Volgende ➡️")
    await nurse.press("💬 het gezin begint zelf het gesprek in de bot")
    await nurse.press("✅ Ja, ze stemden in – versturen")
    cases = await bot.rows(Case)
    assert len(cases) == 1
    assert cases[0].family_language == "tr" and cases[0].village == "Dalfsen"
    assert cases[0].child_ages == ["4-12"]
