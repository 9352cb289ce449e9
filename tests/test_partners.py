"""Staying in touch with partner organisations through the fake Bot API: /partners shows per
organisation who joined, the referrals this year and the last contact; the consultant
corrects an organisation's kind and adds a contact note with buttons; the Monday digest
names the organisations nobody was in touch with for PARTNER_QUIET_WEEKS weeks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.jobs import run_morning
from storage.models import Organisation, OrganisationNote
from tests.harness import wait_until
from tests.test_consultant import english_consultant
from tests.test_referral import join_as_partner, refer_family


def next_monday(after: datetime) -> datetime:
    monday = after + timedelta(days=1)
    while monday.weekday() != 0:
        monday += timedelta(days=1)
    return monday.replace(hour=8, minute=0, second=0, microsecond=0)


async def test_partners_shows_each_organisation_with_referrals_and_last_contact(bot):
    consultant = await english_consultant(bot)
    nurse, _, _ = await join_as_partner(bot, consultant=consultant)
    await join_as_partner(bot, organisation="Kinderopvang De Speelhoeve", name="Bea Smit",
                          consultant=consultant)
    await refer_family(nurse)
    await bot.drain_outbox()
    replies = await consultant.send("/partners")
    organisations = replies[0]["text"]
    year = datetime.now(UTC).year
    assert "🏢 Partner organisations:" in organisations
    assert "• GGD consultatiebureau Dalfsen (youth health (GGD))" in organisations
    assert "joined: Anja de Vries" in organisations
    assert f"referrals {year}: 1" in organisations
    today = datetime.now(bot.settings.zone).strftime("%d-%m-%Y")
    ggd = next(block for block in organisations.split("\n\n") if "• GGD" in block)
    daycare = next(block for block in organisations.split("\n\n") if "• Kinder" in block)
    assert f"last contact {today}" in ggd  # the referral
    assert "• Kinderopvang De Speelhoeve (daycare)" in daycare
    assert "joined: Bea Smit" in daycare
    assert f"referrals {year}: 0" in daycare
    assert "no contact yet" in daycare
    assert "BoekStart bags" not in daycare  # it does not hand out bags
    assert f"BoekStart bags {year}: 0" in ggd
    assert "Anja de Vries – GGD consultatiebureau Dalfsen" in replies[-1]["text"]


async def test_partners_shows_the_bags_handed_out_this_year(bot):
    """A GGD hands out BoekStart bags: /partners counts this year's; a daycare that never
    did shows no bags line."""
    consultant = await english_consultant(bot)
    nurse, _, _ = await join_as_partner(bot, organisation="GGD consultatiebureau Dalfsen",
                                        consultant=consultant, language_code="en")
    await join_as_partner(bot, organisation="Kinderopvang De Speelhoeve", name="Bea Smit",
                          consultant=consultant)
    await consultant.send("/bags GGD +10")
    for _ in range(2):
        await nurse.send("/boekstart")
        for label in ("Nieuwleusen", "0–3 months", "العربية", "No"):
            await nurse.press(label)
        bot.services.clock = lambda: datetime.now(UTC) + timedelta(minutes=2)  # not "two?"
    replies = await consultant.send("/partners")
    ggd = next(block for block in replies[0]["text"].split("\n\n") if "• GGD" in block)
    daycare = next(block for block in replies[0]["text"].split("\n\n") if "• Kinder" in block)
    assert f"BoekStart bags {datetime.now(UTC).year}: 2" in ggd
    assert "BoekStart bags" not in daycare


async def test_consultant_corrects_the_kind_and_adds_a_note(bot):
    consultant = await english_consultant(bot)
    await join_as_partner(bot, organisation="De Regenboog", name="Bea Smit",
                          consultant=consultant)
    replies = await consultant.send("/partners")
    assert "• De Regenboog (other organisation)" in replies[0]["text"]
    await consultant.press("🏷️ Kind: De Regenboog")
    assert "What kind of organisation is De Regenboog?" in consultant.last_text
    await consultant.press("school")
    assert "✅ De Regenboog is now: school" in consultant.last_text
    assert "• De Regenboog (school)" in consultant.last_text
    (organisation,) = await bot.rows(Organisation)
    assert organisation.kind == "school"

    await consultant.press("📝 Note: De Regenboog")
    await consultant.send("x")
    assert "characters" in consultant.last_text
    await consultant.send("Visited the team meeting, left BoekStart folders.")
    assert "✅ Note saved for De Regenboog" in consultant.last_text
    assert await bot.count(OrganisationNote) == 1
    replies = await consultant.send("/partners")
    today = datetime.now(bot.settings.zone).strftime("%d-%m-%Y")
    assert f"last contact {today}" in replies[0]["text"]

    await consultant.press("📝 Note: De Regenboog")
    await consultant.press("✖️ Cancel")
    assert "Nothing was saved" in consultant.last_text
    assert await bot.count(OrganisationNote) == 1


async def test_others_cannot_change_organisations(bot):
    consultant = await english_consultant(bot)
    nurse, _, _ = await join_as_partner(bot, consultant=consultant)
    (organisation,) = await bot.rows(Organisation)
    await nurse.press_data(f"org:setkind:{organisation.id}:school")
    await nurse.press_data(f"org:note:{organisation.id}")
    await consultant.press_data(f"org:setkind:{organisation.id}:castle")  # forged: no such kind
    await consultant.press_data("org:setkind:999:school")
    assert "does not work any more" in consultant.callback_answer()
    (organisation,) = await bot.rows(Organisation)
    assert organisation.kind == "ggd"
    assert await bot.count(OrganisationNote) == 0


async def test_monday_digest_names_the_quiet_organisation(bot):
    consultant = await english_consultant(bot)
    nurse, _, _ = await join_as_partner(bot, consultant=consultant)
    await join_as_partner(bot, organisation="Kinderopvang De Speelhoeve", name="Bea Smit",
                          consultant=consultant)
    await refer_family(nurse)
    await bot.drain_outbox()
    weeks = bot.settings.partner_quiet_weeks
    monday = next_monday(datetime.now(UTC) + timedelta(weeks=weeks))
    # The day before that Monday she visited the GGD: a note, contact again.
    bot.services.clock = lambda: monday - timedelta(days=1)
    await consultant.send("/partners")
    await consultant.press("📝 Note: GGD", exact=False)
    await consultant.send("Coffee with the youth nurses.")
    assert await run_morning(bot.services, monday) >= 1
    await wait_until(lambda: any("No contact for" in t for t in consultant.texts()))
    digest = next(t for t in consultant.texts() if "No contact for" in t)
    assert f"No contact for {weeks}+ weeks" in digest
    assert "Kinderopvang De Speelhoeve (no contact yet)" in digest
    assert "GGD consultatiebureau" not in digest
    # A later Monday, the note too is long ago: both are named.
    later = next_monday(monday + timedelta(weeks=weeks))
    assert await run_morning(bot.services, later) >= 1
    await wait_until(lambda: sum("No contact for" in t for t in consultant.texts()) == 2)
    digest = [t for t in consultant.texts() if "No contact for" in t][-1]
    noted = (monday - timedelta(days=1)).astimezone(bot.settings.zone).strftime("%d-%m-%Y")
    assert f"GGD consultatiebureau Dalfsen (last contact {noted})" in digest
