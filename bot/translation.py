"""Machine translation: a parent's words for the consultant, a consultant's reply for the
parent.

A `Provider` translates one text; `LibreTranslate` is the adapter for a LibreTranslate server
(the open-source one a library can run itself) or any service with its API; another adapter
(DeepL, say) implements the same two methods. `TranslationService` is what the bot calls: it
looks in the database first (`translations`, keyed by a hash of the languages and the text),
masks names, phone numbers and e-mail addresses before anything leaves, gives up after
TRANSLATION_TIMEOUT, and never raises: an `Outcome` holds the translation or the reason there
is none. It is called outside any update's transaction (the outbox relay, before it delivers a
message): no transaction waits on the network.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

import aiohttp
from babel import Locale
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import masking
from bot.config import Settings
from bot.i18n import LANGUAGES, NS_, S_, STAFF_LANGUAGES, current_language
from bot.matcher import detect_language
from storage.repositories import translations as translations_repo

log = logging.getLogger(__name__)

# After a timeout or an outage the service is left alone this long: the next messages go
# out at once, untranslated, instead of each waiting for the timeout again.
QUIET_SECONDS = 30.0
# The server's languages are asked again after this long.
LANGUAGES_SECONDS = 3600.0
# A translation longer than this (an engine gone wrong) is cut; Telegram takes 4096.
MAX_TRANSLATION = 1500
HTTP_SERVER_ERROR = 500
HTTP_TOO_MANY = 429
HTTP_CLIENT_ERROR = 400


class Reason(StrEnum):
    """Why a text was not translated."""

    NOT_CONFIGURED = "not_configured"
    UNSUPPORTED = "unsupported"  # the service does not offer one of the languages
    TIMEOUT = "timeout"
    DOWN = "down"  # no connection, a 5xx, too busy (429)
    REFUSED = "refused"  # a 4xx: a wrong key, a request it will not take
    BAD_ANSWER = "bad_answer"  # not JSON, or JSON without the translation


REASONS: dict[Reason, str] = {
    Reason.NOT_CONFIGURED: NS_("no translation service is set up"),
    Reason.UNSUPPORTED: NS_("the translation service does not offer {language}"),
    Reason.TIMEOUT: NS_("the translation service took too long"),
    Reason.DOWN: NS_("the translation service is not answering"),
    Reason.REFUSED: NS_("the translation service refused (check TRANSLATION_KEY)"),
    Reason.BAD_ANSWER: NS_("the translation service gave an answer the bot cannot read"),
}


class Unavailable(Exception):
    def __init__(self, reason: Reason) -> None:
        super().__init__(reason.value)
        self.reason = reason


class Provider(Protocol):
    """A machine-translation service. Both methods raise `Unavailable` on any failure."""

    async def languages(self) -> Mapping[str, frozenset[str] | None]:
        """The source languages it offers, each with its target languages (None: all)."""
        ...

    async def translate(self, text: str, source: str, target: str) -> str: ...

    async def close(self) -> None: ...


class LibreTranslate:
    """POST /translate (q, source, target, format=text, api_key) and GET /languages."""

    def __init__(self, url: str, api_key: str | None, timeout: float) -> None:
        self._url = url.rstrip("/")
        self._api_key = api_key
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None
        self._languages: dict[str, frozenset[str] | None] | None = None
        self._languages_at = 0.0

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self._session

    async def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        try:
            async with self._client().request(method, self._url + path, json=body) as response:
                if response.status >= HTTP_SERVER_ERROR or response.status == HTTP_TOO_MANY:
                    raise Unavailable(Reason.DOWN)
                if response.status >= HTTP_CLIENT_ERROR:
                    raise Unavailable(Reason.REFUSED)
                try:
                    return await response.json(content_type=None)
                except ValueError as err:
                    raise Unavailable(Reason.BAD_ANSWER) from err
        except aiohttp.ClientError as err:
            raise Unavailable(Reason.DOWN) from err

    async def languages(self) -> Mapping[str, frozenset[str] | None]:
        if (self._languages is not None
                and time.monotonic() - self._languages_at < LANGUAGES_SECONDS):
            return self._languages
        answer = await self._call("GET", "/languages")
        if not isinstance(answer, list):
            raise Unavailable(Reason.BAD_ANSWER)
        offered: dict[str, frozenset[str] | None] = {}
        for entry in answer:
            if not isinstance(entry, dict) or not isinstance(entry.get("code"), str):
                raise Unavailable(Reason.BAD_ANSWER)
            targets = entry.get("targets")
            offered[entry["code"]] = (frozenset(str(t) for t in targets)
                                      if isinstance(targets, list) else None)
        self._languages, self._languages_at = offered, time.monotonic()
        return offered

    async def translate(self, text: str, source: str, target: str) -> str:
        body: dict[str, Any] = {"q": text, "source": source, "target": target,
                                "format": "text"}
        if self._api_key:
            body["api_key"] = self._api_key
        answer = await self._call("POST", "/translate", body)
        translated = answer.get("translatedText") if isinstance(answer, dict) else None
        if not isinstance(translated, str) or not translated.strip():
            raise Unavailable(Reason.BAD_ANSWER)
        return translated

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


def provider_for(settings: Settings) -> Provider | None:
    """The provider TRANSLATION_URL names; None when it is not set."""
    if settings.translation_url is None:
        return None
    return LibreTranslate(settings.translation_url, settings.translation_key,
                          settings.translation_timeout)


# ---- which languages ------------------------------------------------------------------------
def words_language(text: str, fallback: str | None) -> str | None:
    """The language a parent's message is written in: what the words show, else the family's
    language; None when neither is one of the bot's languages."""
    detected = detect_language(text)
    if detected in LANGUAGES:
        return detected
    return fallback if fallback in LANGUAGES else None


def staff_language(text: str, fallback: str) -> str:
    """The language of a consultant's text: Dutch or English as the words show, else hers."""
    detected = detect_language(text)
    return detected if detected in STAFF_LANGUAGES else fallback


def language_label(code: str) -> str:
    """A language's name in the (staff) language of the moment, e.g. "Tigrinya"."""
    try:
        name = Locale.parse(code).get_display_name(current_language()) or code
    except (ValueError, LookupError):
        return code
    return name[:1].upper() + name[1:]


def reason_text(reason: Reason, source: str, target: str) -> str:
    """Why there is no translation, in one short staff sentence."""
    missing = source
    if reason is Reason.UNSUPPORTED and source in STAFF_LANGUAGES:
        missing = target  # a consultant's reply: the parent's language is the missing one
    return S_(REASONS[reason]).format(language=language_label(missing))


def cache_key(text: str, source: str, target: str) -> str:
    return hashlib.sha256(f"{source}\x00{target}\x00{text}".encode()).hexdigest()


async def stored(session: AsyncSession, texts: Iterable[tuple[str, str, str]]
                 ) -> dict[tuple[str, str, str], str]:
    """The translations kept for these (text, source, target), e.g. for a case card."""
    wanted = {cache_key(*item): item for item in texts}
    found = await translations_repo.found(session, wanted)
    return {wanted[key]: text for key, text in found.items()}


# ---- the service ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Outcome:
    """A translation, or the reason there is none."""

    text: str | None
    reason: Reason | None = None
    cached: bool = False


class TranslationService:
    def __init__(self, provider: Provider | None,
                 sessions: async_sessionmaker[AsyncSession], timeout: float) -> None:
        self.provider = provider
        self._sessions = sessions
        self._timeout = timeout
        self._quiet_until = 0.0
        self._quiet_reason = Reason.DOWN

    @property
    def configured(self) -> bool:
        return self.provider is not None

    async def translate(self, text: str, source: str, target: str,
                        case_id: int | None = None) -> Outcome:
        """`text` from `source` into `target`; never raises, never waits past the timeout
        (a database hit waits for nothing)."""
        key = cache_key(text, source, target)
        async with self._sessions() as session:
            found = await translations_repo.found(session, [key])
            names = await translations_repo.known_names(session, case_id)
        if key in found:
            return Outcome(found[key], cached=True)
        if self.provider is None:
            return Outcome(None, Reason.NOT_CONFIGURED)
        if time.monotonic() < self._quiet_until:
            return Outcome(None, self._quiet_reason)
        masked = masking.mask(text, names)
        try:
            async with asyncio.timeout(self._timeout):
                translated = await self._ask(self.provider, masked.text, source, target)
        except TimeoutError:
            return self._failed(Reason.TIMEOUT)
        except Unavailable as err:
            return self._failed(err.reason)
        result = masked.restore(translated).strip()[:MAX_TRANSLATION]
        await self._keep(key, source, target, case_id, result)
        return Outcome(result)

    @staticmethod
    async def _ask(provider: Provider, text: str, source: str, target: str) -> str:
        offered = await provider.languages()
        if source not in offered:
            raise Unavailable(Reason.UNSUPPORTED)
        targets = offered[source]
        if target not in offered or (targets is not None and target not in targets):
            raise Unavailable(Reason.UNSUPPORTED)
        return await provider.translate(text, source, target)

    def _failed(self, reason: Reason) -> Outcome:
        log.warning("machine translation failed: %s", reason.value)  # never the text
        if reason in (Reason.TIMEOUT, Reason.DOWN):
            self._quiet_until = time.monotonic() + QUIET_SECONDS
            self._quiet_reason = reason
        return Outcome(None, reason)

    async def _keep(self, key: str, source: str, target: str, case_id: int | None,
                    text: str) -> None:
        try:
            async with self._sessions() as session, session.begin():
                if await translations_repo.case_is_open_to_keep(session, case_id):
                    await translations_repo.add(session, key=key, source=source,
                                                target=target, case_id=case_id, text=text)
        except IntegrityError:
            pass  # another process kept the same translation a moment ago
        except SQLAlchemyError as err:  # not kept (asked again next time); it still goes out
            log.warning("machine translation not kept: %s", type(err).__name__)

    async def close(self) -> None:
        if self.provider is not None:
            await self.provider.close()
