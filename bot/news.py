"""News and tips for partner professionals: the consultant composes an item (a text, or a
photo or PDF with a caption), picks the audience (all partners or one kind of organisation),
sees a preview and sends it. Each partner's copy is one outbox row (dedupe key
`news:<item>:<partner>`), queued in the same transaction as the item, so the relay delivers
it at Telegram's pace and a restart midway neither skips anyone nor sends anyone a copy the
relay had recorded as sent. Partners stop the news with one tap and get it again with
`/news on`; the consultant sees how many received each item."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot import access, audit, flows, organisations, outbox
from bot.callbacks import NewsPartnerButton
from bot.flows import FlowState
from bot.i18n import NS_, S_, STAFF_LANGUAGES, use_language
from bot.people import Person
from storage.models import NewsItem, OutboxMessage, Partner
from storage.repositories import news as news_repo

NEWS_FLOW = "news"
DEDUPE_PREFIX = "news:"
ALL = "all"
# Who a news item can go to: everyone, or the partners of one kind of organisation.
AUDIENCES = (ALL, organisations.GGD, organisations.DAYCARE, organisations.SCHOOL,
             organisations.WELFARE)
AUDIENCE_NAMES: dict[str, str] = {ALL: NS_("all partners"), **organisations.KIND_NAMES}
KINDS = ("text", "photo", "document")
# Telegram's limits (4096 for a text, 1024 for a caption) with room for the heading.
MAX_TEXT, MAX_CAPTION = 3500, 900
MIN_TEXT = 2
PDF = "application/pdf"


@dataclass(frozen=True)
class Draft:
    """What the consultant is composing: the kind, the text (or caption), the file, and
    the audience once chosen."""

    kind: str
    text: str | None
    file_id: str | None
    audience: str | None = None

    @classmethod
    def of(cls, state: FlowState) -> Draft:
        data = state.data
        return cls(str(data.get("kind", "text")), data.get("text"), data.get("file_id"),
                   data.get("audience"))

    def as_data(self) -> dict[str, Any]:
        return {"kind": self.kind, "text": self.text, "file_id": self.file_id,
                "audience": self.audience}


class Problem(Exception):
    """Content the news cannot take; `reason`: "empty", "long", "file"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def clean_text(raw: str | None) -> str | None:
    text = (raw or "").strip()
    return text or None


def check_content(kind: str, text: str | None, file_id: str | None,
                  mime_type: str | None = None) -> Draft:
    """A draft of this content, or a Problem (too short, too long, not a photo or PDF)."""
    text = clean_text(text)
    if kind == "text":
        if text is None or len(text) < MIN_TEXT:
            raise Problem("empty")
        if len(text) > MAX_TEXT:
            raise Problem("long")
        return Draft("text", text, None)
    if kind not in KINDS or file_id is None or (kind == "document" and mime_type != PDF):
        raise Problem("file")
    if text is not None and len(text) > MAX_CAPTION:
        raise Problem("long")
    return Draft(kind, text, file_id)


# ---- the consultant composes ----------------------------------------------------------------
async def start(session: AsyncSession, person: Person) -> FlowState:
    access.require(person, "news.send")
    return await flows.begin(session, person, NEWS_FLOW, "content")


async def take_content(session: AsyncSession, person: Person, state: FlowState,
                       draft: Draft) -> None:
    """The text, photo or PDF of the item (a new one replaces what came before)."""
    access.require(person, "news.send")
    await flows.move(session, state, "audience", draft.as_data())


async def audience_sizes(session: AsyncSession, person: Person) -> dict[str, int]:
    """How many partners each audience reaches now (those who stopped the news left out)."""
    access.require(person, "news.send")
    return {audience: len(await news_repo.audience(session, None if audience == ALL
                                                   else audience))
            for audience in AUDIENCES}


async def _flow(session: AsyncSession, person: Person, generation: int, step: str
                ) -> FlowState | None:
    state = await flows.current(session, person)
    if (state is None or state.flow != NEWS_FLOW or state.generation != generation
            or state.step != step):
        return None
    return state


async def choose_audience(session: AsyncSession, person: Person, generation: int,
                          audience: str) -> tuple[Draft, int] | None:
    """The draft with its audience and how many it reaches (none: the flow stays at the
    audience); None for a stale button."""
    access.require(person, "news.send")
    state = await _flow(session, person, generation, "audience")
    if state is None or audience not in AUDIENCES:
        return None
    draft = Draft.of(state)
    draft = Draft(draft.kind, draft.text, draft.file_id, audience)
    reach = len(await news_repo.audience(session, None if audience == ALL else audience))
    if reach:  # nobody to send it to: the audience is asked again
        await flows.move(session, state, "preview", draft.as_data())
    return draft, reach


@dataclass(frozen=True)
class Sent:
    news_id: int
    queued: int
    audience: str


async def send(session: AsyncSession, person: Person, generation: int) -> Sent | None:
    """Queue the previewed item for every partner of its audience, one outbox row each, in
    this transaction; None for a stale button (sent already, cancelled, another flow)."""
    access.require(person, "news.send")
    state = await _flow(session, person, generation, "preview")
    if state is None:
        return None
    draft = Draft.of(state)
    audience = draft.audience or ALL
    await flows.end(session, person)
    item = await news_repo.add_item(session, consultant_id=person.record_id, kind=draft.kind,
                                    text=draft.text, file_id=draft.file_id, audience=audience)
    queued = 0
    for partner in await news_repo.audience(session, None if audience == ALL else audience):
        await news_repo.add_delivery(session, item.id, partner.id)
        if await _queue_copy(session, item, partner):
            queued += 1
    await audit.record(session, person, "news.send", news_id=item.id, audience=audience,
                       queued=queued)
    return Sent(item.id, queued, audience)


async def cancel(session: AsyncSession, person: Person, generation: int) -> bool:
    access.require(person, "news.send")
    state = await flows.current(session, person)
    if state is None or state.flow != NEWS_FLOW or state.generation != generation:
        return False
    await flows.end(session, person)
    return True


def partner_buttons(news_id: int) -> dict[str, Any]:
    """Under a partner's copy (Bot API JSON, in the current language)."""
    return {"inline_keyboard": [[
        {"text": S_("👍 Useful"), "callback_data": NewsPartnerButton("useful", news_id).pack()},
        {"text": S_("🔕 Stop news"), "callback_data": NewsPartnerButton("stop", news_id).pack()},
    ]]}


def heading() -> str:
    return S_("📰 News from the library")


def rendered(item_text: str | None) -> str:
    """The item as a partner reads it: the heading, then the consultant's words."""
    return heading() + ("\n\n" + item_text if item_text else "")


async def _queue_copy(session: AsyncSession, item: NewsItem, partner: Partner) -> bool:
    language = partner.language if partner.language in STAFF_LANGUAGES else "nl"
    key = f"{DEDUPE_PREFIX}{item.id}:{partner.id}"
    with use_language(language):
        text, markup = rendered(item.text), partner_buttons(item.id)
    if item.kind == "text":
        return await outbox.queue_message(session, chat_id=partner.telegram_user_id, text=text,
                                          reply_markup=markup, dedupe_key=key,
                                          language=language)
    method, field = ("sendPhoto", "photo") if item.kind == "photo" else ("sendDocument",
                                                                           "document")
    return await outbox.queue_call(session, method, {
        "chat_id": partner.telegram_user_id, field: item.file_id, "caption": text,
        "reply_markup": markup}, dedupe_key=key)


def _ids(dedupe_key: str) -> tuple[int, int] | None:
    """(news id, partner id) of a news copy's dedupe key."""
    if not dedupe_key.startswith(DEDUPE_PREFIX):
        return None
    parts = dedupe_key.removeprefix(DEDUPE_PREFIX).split(":")
    if len(parts) != 2 or not all(part.isdigit() for part in parts):  # noqa: PLR2004
        return None
    return int(parts[0]), int(parts[1])


async def copy_sent(session: AsyncSession, row: OutboxMessage, answer: object) -> None:
    """The relay delivered a row (its `on_sent`): a news copy counts as received, in the
    transaction that marks the row sent."""
    ids = _ids(row.dedupe_key)
    if ids is None:
        return
    delivery = await news_repo.delivery(session, *ids)
    if delivery is not None and delivery.delivered_at is None:
        delivery.delivered_at = datetime.now(UTC)


# ---- what the consultant sees ---------------------------------------------------------------
@dataclass(frozen=True)
class Summary:
    item: NewsItem
    queued: int
    received: int
    useful: int


async def recent(session: AsyncSession, person: Person, limit: int = 5
                 ) -> tuple[list[Summary], int]:
    """The latest items with how many received and found them useful; and how many active
    partners stopped the news."""
    access.require(person, "news.send")
    items = await news_repo.recent_items(session, limit)
    counts = await news_repo.counts(session, [item.id for item in items])
    summaries = [Summary(item, *counts.get(item.id, (0, 0, 0))) for item in items]
    return summaries, await news_repo.stopped_count(session)


# ---- what partners do -------------------------------------------------------------------------
async def stop(session: AsyncSession, person: Person) -> bool:
    """The partner gets no more news (copies still waiting in the outbox are withdrawn);
    False when they had stopped it already."""
    access.require(person, "news.receive")
    assert person.record_id is not None
    stopped = await news_repo.stop(session, person.record_id)
    await withdraw_waiting(session, person.record_id)
    if stopped:
        await audit.record(session, person, "news.stop")
    return stopped


async def withdraw_waiting(session: AsyncSession, partner_id: int) -> int:
    """Withdraw the partner's copies still waiting in the outbox (they stopped the news, or
    were removed as a partner), also one the relay is trying at this moment: if that attempt
    succeeds the copy arrives once, if it fails it is not tried again. How many went."""
    waiting = await news_repo.undelivered(session, partner_id)
    return await news_repo.withdraw_copies(
        session, [f"{DEDUPE_PREFIX}{d.news_id}:{d.partner_id}" for d in waiting])


async def resume(session: AsyncSession, person: Person) -> bool:
    """The partner gets the news again from the next item on; False when it was on."""
    access.require(person, "news.receive")
    assert person.record_id is not None
    resumed = await news_repo.resume(session, person.record_id)
    if resumed:
        await audit.record(session, person, "news.resume")
    return resumed


async def is_stopped(session: AsyncSession, person: Person) -> bool:
    access.require(person, "news.receive")
    assert person.record_id is not None
    return await news_repo.is_stopped(session, person.record_id)


async def found_useful(session: AsyncSession, person: Person, news_id: int) -> bool:
    """The partner pressed 👍 under an item they received (contact with their organisation);
    False when it is not theirs or they pressed it before."""
    access.require(person, "news.receive")
    assert person.record_id is not None
    delivery = await news_repo.delivery(session, news_id, person.record_id)
    if delivery is None or delivery.opened_at is not None:
        return False
    delivery.opened_at = datetime.now(UTC)
    if delivery.delivered_at is None:  # they read it, so it arrived
        delivery.delivered_at = delivery.opened_at
    await session.flush()
    return True
