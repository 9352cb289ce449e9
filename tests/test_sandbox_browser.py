"""The sandbox page in a real browser: Debian's Chromium, driven by Playwright, against the
sandbox server started in this process (the real bot behind the fake Bot API).

Each test does what a person does on the page (click, type, pick) and checks what the page
then shows; it waits for that to appear, never for a fixed time. Screenshots go to
test-artifacts/ (not tracked); UPDATE_SCREENSHOT=1 also writes docs/sandbox.png for the README.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip("needs Debian's Chromium at /usr/bin/chromium (apt-get install chromium; "
                ".ci/run installs it)", allow_module_level=True)

from playwright.async_api import (  # noqa: E402
    Browser,
    ConsoleMessage,
    Dialog,
    Locator,
    Page,
    Route,
    ViewportSize,
    async_playwright,
    expect,
)

from bot.figures import EXPORT_COLUMNS, export_header  # noqa: E402
from bot.i18n import use_language  # noqa: E402
from sandbox import demo  # noqa: E402
from sandbox.server import Sandbox  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
README_SCREENSHOT = ROOT / "docs" / "sandbox.png"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
WIDE: ViewportSize = {"width": 1400, "height": 900}
# Long enough for a busy machine (two test workers on two cores); a wait ends as soon as
# what it waits for shows.
expect.set_options(timeout=15_000)


@pytest.fixture
async def sandbox(tmp_path: Path) -> AsyncIterator[Sandbox]:
    running = await Sandbox.start(tmp_path / "data")
    yield running
    await running.stop()


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=str(CHROMIUM),
                                                    args=CHROMIUM_ARGS)
        yield chromium
        await chromium.close()


@pytest.fixture
async def page(sandbox: Sandbox, browser: Browser,
               request: pytest.FixtureRequest) -> AsyncIterator[Page]:
    """The page, loaded and showing the demo; fails the test on a script error or an alert box.
    Leaves a screenshot of how it ended in test-artifacts/."""
    context = await browser.new_context(viewport=WIDE, timezone_id="Europe/Amsterdam",
                                        locale="nl-NL", accept_downloads=True)
    opened = await context.new_page()
    opened.set_default_timeout(15_000)
    problems: list[str] = []
    opened.on("pageerror", lambda error: problems.append(f"script error: {error}"))

    def on_console(message: ConsoleMessage) -> None:
        # A 4xx a test provokes on purpose shows as a failed resource; anything else is a bug.
        if message.type == "error" and "Failed to load resource" not in message.text:
            problems.append(f"console error: {message.text}")

    async def on_dialog(dialog: Dialog) -> None:
        problems.append(f"a {dialog.type} box: {dialog.message}")
        await dialog.dismiss()

    opened.on("console", on_console)
    opened.on("dialog", on_dialog)
    await opened.goto(sandbox.url)
    await expect(opened.locator("body[data-ready=true]")).to_be_attached()
    yield opened
    ARTIFACTS.mkdir(exist_ok=True)
    await opened.screenshot(path=ARTIFACTS / f"{request.node.name}.png")
    await context.close()
    assert not problems, problems


def phone(page: Page, role: str) -> Locator:
    return page.locator(f"[data-testid=phone][data-role={role}]")


def messages(on: Locator, text: str | re.Pattern[str] | None = None,
             sender: str | None = None) -> Locator:
    found = on.locator(f"[data-testid=message][data-from={sender}]" if sender
                       else "[data-testid=message]")
    return found.filter(has_text=text) if text is not None else found


def button(on: Locator, label: str) -> Locator:
    """An inline button under a message, by the text it shows."""
    return on.get_by_test_id("inline-button").filter(has_text=label)


async def say(on: Locator, text: str) -> None:
    """Types a message and presses Enter, as on a phone."""
    await on.get_by_test_id("input").fill(text)
    await on.get_by_test_id("input").press("Enter")
    await expect(on.get_by_test_id("input")).to_have_value("")
    await expect(messages(on, text, "user").last).to_be_visible()


async def the_message(on: Locator, text: str) -> Locator:
    """The message that shows `text` now, followed by its id even when edits change it."""
    found = messages(on, text, "bot").last
    await expect(found).to_be_visible()
    message_id = await found.get_attribute("data-message-id")
    return on.locator(f"[data-testid=message][data-message-id='{message_id}']")


async def test_nurse_refers_a_family_and_the_consultant_takes_the_case(page: Page):
    nurse, consultant = phone(page, "nurse"), phone(page, "consultant")
    await say(nurse, "/refer")
    step = await the_message(nurse, "stap 1 van 6")  # one message, edited step by step
    await button(step, "العربية").click()
    await expect(step).to_contain_text("stap 2 van 6")
    await button(step, "Nieuwleusen").click()
    await expect(step).to_contain_text("stap 3 van 6")
    await button(step, "0–4 jaar").click()
    await expect(button(step, "✅ 0–4 jaar")).to_be_visible()
    await button(step, "Volgende").click()
    await expect(step).to_contain_text("stap 4 van 6")
    await button(step, "lezen").click()
    await expect(button(step, "lezen")).to_contain_text("✅")
    await button(step, "Volgende").click()
    await expect(step).to_contain_text("stap 5 van 6")
    await button(step, "telefonisch").click()
    await expect(step).to_contain_text("telefoonnummer")
    await say(nurse, "06 12345678")
    summary = await the_message(nurse, "stap 7 van 7")  # the phone step counts now
    await expect(summary).to_contain_text("Nieuwleusen")
    await expect(summary).to_contain_text("06 12345678")
    await button(summary, "Ja, ze stemden in").click()

    sent = messages(nurse, "is bij de bibliotheek", "bot")
    family_link = sent.get_by_role("link", name=re.compile(r"t\.me.+start=f_"))
    await expect(family_link).to_be_visible()
    reference = re.search(r"\d{4}-\d{4}", await sent.inner_text())
    assert reference, await sent.inner_text()
    ref = reference.group(0)
    qr_code = nurse.get_by_role("img", name="QR")
    await expect(qr_code).to_be_visible()
    assert await qr_code.evaluate("image => image.naturalWidth > 0"), "the QR code loads"

    # The outbox sends the consultant's notification within about a second.
    notification = messages(consultant, f"Nieuwe verwijzing {ref}", "bot")
    await expect(notification).to_contain_text("telefonisch")
    await expect(notification).not_to_contain_text("12345678")  # the number: case view only
    await expect(notification).to_contain_text("GGD IJsselland")
    await button(notification, "✋").click()
    await expect(consultant.get_by_test_id("toast")).to_contain_text(ref)
    await expect(messages(consultant, f"Zaak {ref}", "bot")).to_contain_text("Bertine")
    await expect(messages(consultant).last).to_be_in_viewport()  # scrolled to the newest
    await expect(messages(nurse, f"verwijzing {ref}", "bot").last).to_contain_text("📬")
    await expect(messages(nurse, f"verwijzing {ref}", "bot").last).to_contain_text("opgepakt")

    # The nurse passes the link on; tapping it opens the bot on the parent's phone.
    parent = phone(page, "parent")
    await family_link.click()
    await expect(messages(parent, sender="bot").first).to_be_visible()
    # As in Telegram, the parent sees /start, not the link's token.
    await expect(messages(parent, sender="user").first.get_by_test_id("text")).to_have_text("/start")
    assert len(page.context.pages) == 1, "the link opens in the page, not in a new tab"


async def test_parent_in_arabic_reads_right_to_left_and_gets_an_arabic_answer(page: Page):
    parent = phone(page, "parent")
    chat = parent.get_by_test_id("chat")
    await expect(chat).to_have_attribute("dir", "ltr")
    await expect(parent.get_by_test_id("empty")).to_be_visible()
    await parent.get_by_test_id("language").select_option("ar")  # Telegram's app language
    await expect(chat).to_have_attribute("dir", "rtl")
    await parent.get_by_test_id("start").click()
    welcome = await the_message(parent, "Bibliotheek Dalfsen")
    await expect(welcome.get_by_test_id("inline-button").first).to_have_text("العربية")
    await button(welcome, "العربية").click()
    await expect(welcome).to_contain_text("✅")  # the choice, edited in place
    await expect(parent.get_by_test_id("keyboard").get_by_test_id("key").first).to_be_visible()

    await say(parent, "متى تفتح المكتبة؟")
    answer = messages(parent, "Prinsenstraat", "bot").last
    await expect(answer).to_contain_text("الاثنين")  # Monday: the opening hours, in Arabic
    # Right to left: the bot's bubbles on the right, the parent's own on the left.
    question = messages(parent, "متى تفتح المكتبة؟", "user").last
    asked, answered = await question.bounding_box(), await answer.bounding_box()
    assert asked and answered and asked["x"] < answered["x"]

    await button(answer, "👍").click()
    await expect(button(answer, "👍")).to_have_count(0)  # the question is closed
    await expect(messages(parent, "😊", "bot")).to_be_visible()

    # A photo, a voice note and the menu's keys reach the bot from the parent's phone.
    await parent.get_by_test_id("send-voice").click()
    await expect(parent.get_by_test_id("voice").last).to_be_visible()
    await parent.get_by_test_id("send-photo").click()
    await expect(parent.get_by_role("img", name="Photo you sent")).to_be_visible()
    library_key = parent.get_by_test_id("key").first
    label = await library_key.inner_text()
    await library_key.click()
    await expect(messages(parent, label, "user").last).to_be_visible()


async def test_consultant_exports_the_cases_as_a_csv_download(page: Page):
    consultant = phone(page, "consultant")
    await say(consultant, "/export")
    document = consultant.get_by_test_id("document").last
    await expect(document).to_contain_text(".csv")
    async with page.expect_download() as started:
        await document.click()
    download = await started.value
    assert download.suggested_filename.endswith(".csv")
    content = await asyncio.to_thread(Path(await download.path()).read_bytes)
    assert content.startswith(b"\xef\xbb\xbf"), "UTF-8 with a BOM, as Excel wants it"
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    with use_language("nl"):  # the header in the consultant's language
        assert rows[0] == export_header() and len(rows[0]) == len(EXPORT_COLUMNS)
    assert len(rows) == 1 + len(demo.FAMILIES)


async def test_bad_requests_are_refused_and_change_nothing(page: Page, sandbox: Sandbox):
    nurse = phone(page, "nurse")
    await expect(messages(nurse, "afgesloten")).to_have_count(1)  # the demo's last message
    shown = await messages(nurse).count()
    before = await (await page.request.get(f"{sandbox.url}/api/chats/{demo.NURSE}")).json()
    api = page.request
    refused = [
        await api.post(f"{sandbox.url}/api/chats/{demo.NURSE}/send", data="{not json",
                       headers={"Content-Type": "application/json"}),
        await api.post(f"{sandbox.url}/api/chats/{demo.NURSE}/send", data=json.dumps([1])),
        await api.post(f"{sandbox.url}/api/chats/{demo.NURSE}/send",
                       data=json.dumps({"text": ""})),
        await api.post(f"{sandbox.url}/api/chats/{demo.NURSE}/press",
                       data=json.dumps({"message_id": 1, "data": "case:take:1"})),
        await api.post(f"{sandbox.url}/api/chats/123/send", data=json.dumps({"text": "hoi"})),
        await api.post(f"{sandbox.url}/api/chats/{demo.NURSE}/fly", data="{}"),
        await api.post(f"{sandbox.url}/api/chats/{demo.NURSE}/language",
                       data=json.dumps({"language": "ar"})),
        await api.get(f"{sandbox.url}/api/chats/abc"),
        await api.get(f"{sandbox.url}/api/files/nothing"),
    ]
    statuses = [response.status for response in refused]
    assert statuses == [400, 400, 400, 400, 404, 404, 400, 404, 404]
    for response in refused:
        assert isinstance((await response.json())["error"], str)
    after = await (await api.get(f"{sandbox.url}/api/chats/{demo.NURSE}")).json()
    assert after == before
    await expect(messages(nurse)).to_have_count(shown)

    # An error from the API shows as a small message on that phone (no alert box), and the
    # typed text is kept to try again.
    await page.route("**/api/chats/*/send", lambda route: route.fulfill(
        status=409, content_type="application/json",
        body=json.dumps({"error": "the demo is starting over; try again in a moment"})))
    await nurse.get_by_test_id("input").fill("/help")
    await nurse.get_by_test_id("send").click()
    await expect(nurse.get_by_test_id("error")).to_contain_text("starting over")
    await expect(nurse.get_by_test_id("input")).to_have_value("/help")
    await expect(messages(nurse)).to_have_count(shown)
    await page.unroute("**/api/chats/*/send")
    await nurse.get_by_test_id("send").click()
    await expect(messages(nurse, "/help", "user")).to_be_visible()
    await expect(nurse.get_by_test_id("error")).to_be_hidden()


async def test_start_over_and_a_narrow_screen(page: Page):
    nurse, parent = phone(page, "nurse"), phone(page, "parent")
    await say(nurse, "/refer")
    await parent.get_by_test_id("start").click()
    await expect(messages(parent)).not_to_have_count(0)
    reset = page.get_by_test_id("reset")
    answered = asyncio.Event()

    async def hold(route: Route) -> None:  # the server's answer waits until we saw the page
        await answered.wait()
        await route.continue_()

    await page.route("**/api/reset", hold)
    await reset.click()
    await expect(reset).to_have_text("Resetting…")
    await expect(reset).to_be_disabled()
    answered.set()
    await expect(reset).to_be_enabled()
    await expect(reset).to_have_text(re.compile("Start over"))
    await expect(messages(nurse, "/refer", "user")).to_have_count(0)
    await expect(parent.get_by_test_id("start")).to_be_visible()
    await expect(messages(nurse, "opgepakt")).to_have_count(1)  # the demo is back as it began

    # A phone's screen: one phone at a time, tabs to switch.
    await page.set_viewport_size({"width": 390, "height": 800})
    tabs = page.get_by_role("tab")
    await expect(tabs).to_have_count(3)
    await expect(phone(page, "consultant")).to_be_visible()
    await expect(parent).to_be_hidden()
    await page.get_by_role("tab", name=re.compile("parent")).click()
    await expect(parent).to_be_visible()
    await expect(phone(page, "consultant")).to_be_hidden()
    await expect(parent.get_by_test_id("start")).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=ARTIFACTS / "sandbox-narrow.png")


async def test_the_page_catches_up_after_the_event_stream_drops(page: Page, sandbox: Sandbox):
    nurse = phone(page, "nurse")
    await expect(page.get_by_test_id("tabs-note")).to_be_hidden()
    second = await page.context.new_page()  # another tab on the same demo
    await second.goto(sandbox.url)
    await expect(page.get_by_test_id("tabs-note")).to_contain_text("2 pages")
    await second.close()

    # (The server notices a closed tab only when it next writes to its stream; ending every
    # stream here also ends that one.)
    for stream in list(sandbox.clients):
        stream.put_nowait("")  # the server ends every event stream
    await expect(page.get_by_test_id("connection")).to_contain_text("reconnecting")
    # Meanwhile the nurse asks for help from elsewhere: the page hears nothing of it yet.
    response = await page.request.post(f"{sandbox.url}/api/chats/{demo.NURSE}/send",
                                       data=json.dumps({"text": "/help"}))
    assert response.ok
    await expect(page.get_by_test_id("connection")).to_be_hidden()
    await expect(messages(nurse, "/help", "user")).to_be_visible()
    await expect(messages(nurse, "/myreferrals", "bot")).to_have_count(2)  # welcome and help
    await expect(page.get_by_test_id("tabs-note")).to_be_hidden()  # one page again


async def test_screenshots(page: Page):
    """Every phone showing something: the parent asks in Arabic, the nurse starts a referral.
    The whole page and each phone go to test-artifacts/; UPDATE_SCREENSHOT=1 writes the
    README's docs/sandbox.png too."""
    parent, nurse, consultant = (phone(page, r) for r in ("parent", "nurse", "consultant"))
    await parent.get_by_test_id("language").select_option("ar")
    await expect(parent.get_by_test_id("chat")).to_have_attribute("dir", "rtl")
    await parent.get_by_test_id("start").click()
    await button(await the_message(parent, "Bibliotheek Dalfsen"), "العربية").click()
    await say(parent, "متى تفتح المكتبة؟")
    await expect(messages(parent, "Prinsenstraat", "bot")).to_be_visible()
    await expect(messages(nurse, "afgesloten", "bot")).to_be_visible()  # the demo's last
    await say(nurse, "/refer")
    await expect(messages(nurse, "stap 1 van 6", "bot")).to_be_visible()
    await expect(messages(consultant, "Nieuwe verwijzing")).to_have_count(len(demo.FAMILIES))
    await expect(page.get_by_test_id("toast")).to_have_count(3)
    for toast in await page.get_by_test_id("toast").all():
        await expect(toast).to_be_hidden()
    await page.mouse.move(0, 0)  # no hover on a button in the picture
    await page.evaluate("document.activeElement && document.activeElement.blur()")

    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=ARTIFACTS / "sandbox.png")
    for role in ("consultant", "nurse", "parent"):
        await phone(page, role).screenshot(path=ARTIFACTS / f"sandbox-{role}.png")
    if os.environ.get("UPDATE_SCREENSHOT") == "1":
        await page.screenshot(path=README_SCREENSHOT)
