"""Button data: one small class per namespace, packed as `namespace:field:field...`.

Each class lists its fields with their types; `pack` checks them and the 64-byte limit,
`unpack` returns None for anything that is not exactly such a button (forged or stale data),
and `filter` gives python-telegram-bot a pattern that matches only valid buttons of the class.
Fields hold ids and codes only: Telegram stores button data with the message, so personal
data never goes here.
"""

from __future__ import annotations

import re
import types
from collections.abc import Callable, Collection
from dataclasses import dataclass, fields
from functools import cache
from typing import Any, ClassVar, Literal, Self, Union, get_args, get_origin, get_type_hints

MAX_BYTES = 64
_PART = re.compile(r"^[A-Za-z0-9_.-]{1,40}$")
_MAX_DIGITS = 18


class CallbackDataError(ValueError):
    """Raised when a button would carry data Telegram (or this codec) cannot take."""


def _parse_int(raw: str) -> int | None:
    return int(raw) if raw.isdigit() and len(raw) <= _MAX_DIGITS else None


@dataclass(frozen=True)
class _Field:
    name: str
    parse: Callable[[str], object | None]
    optional: bool


def _parser(annotation: object) -> tuple[Callable[[str], object | None], bool]:
    """How to read one field from its text, and whether it may be left off at the end."""
    optional = False
    if get_origin(annotation) in (Union, types.UnionType):
        members = [a for a in get_args(annotation) if a is not type(None)]
        optional = len(members) < len(get_args(annotation))
        (annotation,) = members
    if annotation is int:
        return _parse_int, optional
    if get_origin(annotation) is Literal:
        allowed = {str(value) for value in get_args(annotation)}
        return (lambda raw: raw if raw in allowed else None), optional
    if annotation is str:
        return (lambda raw: raw), optional
    raise TypeError(f"unsupported button field type {annotation!r}")


@dataclass(frozen=True)
class ButtonData:
    """Base of every button's data; subclasses set `namespace` and declare their fields."""

    namespace: ClassVar[str] = ""

    @classmethod
    @cache
    def _fields(cls) -> tuple[_Field, ...]:
        hints = get_type_hints(cls)
        return tuple(_Field(f.name, *_parser(hints[f.name])) for f in fields(cls))

    def pack(self) -> str:
        parts = [self.namespace]
        for field in self._fields():
            value = getattr(self, field.name)
            if value is None:
                break  # an optional field left off (only the last ones may be)
            parts.append(str(value))
        for part in parts:
            if not _PART.match(part):
                raise CallbackDataError(f"bad callback part {part!r}")
        data = ":".join(parts)
        if len(data.encode("utf-8")) > MAX_BYTES:
            raise CallbackDataError("callback data over 64 bytes")
        if self.unpack(data) != self:
            raise CallbackDataError(f"{type(self).__name__} would not read back")
        return data

    @classmethod
    def unpack(cls, data: object) -> Self | None:
        """The button's data, or None for anything malformed, foreign or out of range."""
        if not isinstance(data, str) or len(data.encode("utf-8")) > MAX_BYTES:
            return None
        namespace, *values = data.split(":")
        spec = cls._fields()
        required = sum(1 for f in spec if not f.optional)
        if namespace != cls.namespace or not required <= len(values) <= len(spec):
            return None
        parsed: dict[str, Any] = {}
        for field, raw in zip(spec, values, strict=False):
            value = field.parse(raw) if _PART.match(raw) else None
            if value is None:
                return None
            parsed[field.name] = value
        return cls(**parsed)

    @classmethod
    def filter(cls, **wanted: object | Collection[object]) -> Callable[[object], bool]:
        """A `CallbackQueryHandler` pattern: valid data of this class whose fields have the
        wanted value (or one of the wanted values, given a set or tuple)."""

        def matches(data: object) -> bool:
            button = cls.unpack(data)
            if button is None:
                return False
            for name, value in wanted.items():
                choices = value if isinstance(value, set | frozenset | tuple) else (value,)
                if getattr(button, name) not in choices:
                    return False
            return True

        return matches


# ---- every button the bot makes -------------------------------------------------------------
@dataclass(frozen=True)
class LanguageChoice(ButtonData):
    """`lang:set:<code>`: a language from the language picker."""

    namespace: ClassVar[str] = "lang"
    action: Literal["set"]
    code: str


ReferralAction = Literal["pick", "tog", "next", "back", "edit", "note", "ok", "cancel"]


@dataclass(frozen=True)
class ReferralButton(ButtonData):
    """`ref:<action>:<generation>:<step>[:<value>]`: a button of one step of a referral."""

    namespace: ClassVar[str] = "ref"
    action: ReferralAction
    generation: int
    step: str
    value: str | None = None


@dataclass(frozen=True)
class FamilyLinkButton(ButtonData):
    """`flink:new:<case id>`: the referrer asks for a new family link (the old one dies)."""

    namespace: ClassVar[str] = "flink"
    action: Literal["new"]
    case_id: int


CaseAction = Literal["open", "take", "contacted", "close", "reopen", "out", "note", "reply",
                     "files", "cancel", "prep", "send", "data", "erase", "eraseok", "sendtr",
                     "sendorig"]


@dataclass(frozen=True)
class CaseButton(ButtonData):
    """`case:<action>:<case id>[:<argument>]`: the consultant's buttons on a case."""

    namespace: ClassVar[str] = "case"
    action: CaseAction
    case_id: int
    argument: str | None = None


@dataclass(frozen=True)
class InboxButton(ButtonData):
    """`inbox:<filter>:<page>`: a page of the inbox with a filter (see bot.inbox)."""

    namespace: ClassVar[str] = "inbox"
    code: str  # the filter
    page: int


@dataclass(frozen=True)
class PartnerButton(ButtonData):
    """`partner:<revoke|confirm>:<partner id>`: removing a partner professional."""

    namespace: ClassVar[str] = "partner"
    action: Literal["revoke", "confirm"]
    partner_id: int


@dataclass(frozen=True)
class InviteButton(ButtonData):
    """`invite:withdraw:<invite id>`: withdrawing an invite link that still works."""

    namespace: ClassVar[str] = "invite"
    action: Literal["withdraw"]
    invite_id: int


@dataclass(frozen=True)
class AnswerFeedback(ButtonData):
    """`faq:<yes|no>:<question id>`: 👍/👎 under an answer to a parent's question."""

    namespace: ClassVar[str] = "faq"
    answer: Literal["yes", "no"]
    message_id: int


@dataclass(frozen=True)
class PassOnButton(ButtonData):
    """`passon:<message id>`: under a friendly reply to what looked like small talk, to send
    the message to the library after all."""

    namespace: ClassVar[str] = "passon"
    message_id: int


# bot.matcher.TOPICS and bot.i18n.LANGUAGES (tests/test_voice.py checks they agree).
Topic = Literal["library", "boekstart", "dutch", "digital", "activities", "contact", "meet"]
Language = Literal["nl", "en", "ar", "tr", "pl", "uk", "ti", "fa", "so"]


@dataclass(frozen=True)
class ListenButton(ButtonData):
    """`voice:<topic>:<language>`: 🔊 under a topic's answer, to hear it (bot.voice)."""

    namespace: ClassVar[str] = "voice"
    topic: Topic
    language: Language


@dataclass(frozen=True)
class RecordingCancel(ButtonData):
    """`rec:cancel:<generation>`: ✖️ under the request for a recording's voice message."""

    namespace: ClassVar[str] = "rec"
    action: Literal["cancel"]
    generation: int


@dataclass(frozen=True)
class PlaceButton(ButtonData):
    """`place:<show|send>:<place>[:<question id>]`: one of the library's branches, by its
    position in the facts file. "show" puts its address and hours into the pressed message
    (the library's answer, which asked which village); "send" answers with them anew (under a
    message from the library). A question id keeps 👍/👎 under a typed question's answer."""

    namespace: ClassVar[str] = "place"
    action: Literal["show", "send"]
    place: int
    question: int | None = None


@dataclass(frozen=True)
class FollowupAnswer(ButtonData):
    """`help:<yes|no>:<case id>`: did the family get the help they needed?"""

    namespace: ClassVar[str] = "help"
    answer: Literal["yes", "no"]
    case_id: int


@dataclass(frozen=True)
class ForgetConfirm(ButtonData):
    """`forget:yes`: a parent confirms erasing their data."""

    namespace: ClassVar[str] = "forget"
    action: Literal["yes"] = "yes"


@dataclass(frozen=True)
class Dismiss(ButtonData):
    """`noop:<reason>`: a "No" button; nothing changes, the question's buttons go away."""

    namespace: ClassVar[str] = "noop"
    reason: str = "none"


PresenceAction = Literal["add", "day", "place", "date", "why", "cancel"]


@dataclass(frozen=True)
class PresenceButton(ButtonData):
    """`pres:<action>:<generation>[:<value>]`: a button of the consultant's /presence flow
    (add hours: a weekday, a place; cancel a date: the date, the reason)."""

    namespace: ClassVar[str] = "pres"
    action: PresenceAction
    generation: int
    value: str | None = None


@dataclass(frozen=True)
class PresenceSessionButton(ButtonData):
    """`presn:<off|remove>:<session id>`: under /presence's list, cancel one date of a
    session, or remove the session."""

    namespace: ClassVar[str] = "presn"
    action: Literal["off", "remove"]
    session_id: int


@dataclass(frozen=True)
class HandoverButton(ButtonData):
    """`handover:start`: a nurse's warm handover while the consultant is here now."""

    namespace: ClassVar[str] = "handover"
    action: Literal["start"] = "start"


@dataclass(frozen=True)
class NewsButton(ButtonData):
    """`news:<aud|send|cancel>:<generation>[:<audience>]`: the consultant composing news
    (bot.news): the audience, then send or cancel after the preview."""

    namespace: ClassVar[str] = "news"
    action: Literal["aud", "send", "cancel"]
    generation: int
    value: str | None = None


@dataclass(frozen=True)
class NewsPartnerButton(ButtonData):
    """`newsp:<useful|stop>:<news id>`: under a partner's copy of a news item."""

    namespace: ClassVar[str] = "newsp"
    action: Literal["useful", "stop"]
    news_id: int


@dataclass(frozen=True)
class OrganisationButton(ButtonData):
    """`org:<kind|setkind|note|back|cancel>:<organisation id>[:<kind>]`: in /partners,
    correcting an organisation's kind or adding a contact note (bot.partnerships)."""

    namespace: ClassVar[str] = "org"
    action: Literal["kind", "setkind", "note", "back", "cancel"]
    organisation_id: int
    kind: str | None = None


ActivityAction = Literal["join", "wait", "cancel", "kids", "list", "sub", "unsub", "refer",
                         "count", "new", "drop", "dropser", "dropyes", "dropseryes", "keep",
                         "edit", "same"]


@dataclass(frozen=True)
class ActivityButton(ButtonData):
    """`act:<action>:<activity id>[:<number>]`: a parent signing up for an activity (or on
    the waiting list, cancelling, how many children), "tell me about new ones", a partner
    referring a family from an activity or recording who came (bot.activities)."""

    namespace: ClassVar[str] = "act"
    action: ActivityAction
    activity: int
    number: int | None = None


@dataclass(frozen=True)
class ActivityFlowButton(ButtonData):
    """`actf:<action>:<generation>:<step>[:<value>]`: a step of creating an activity."""

    namespace: ClassVar[str] = "actf"
    action: Literal["pick", "tog", "next", "save", "cancel"]
    generation: int
    step: str
    value: str | None = None


@dataclass(frozen=True)
class BagButton(ButtonData):
    """`bag:<pick|back|cancel>:<generation>:<step>[:<value>]`: a step of recording a BoekStart
    bag handed out (bot.bags)."""

    namespace: ClassVar[str] = "bag"
    action: Literal["pick", "back", "cancel"]
    generation: int
    step: str
    value: str | None = None


@dataclass(frozen=True)
class BagReferButton(ButtonData):
    """`bagref:refer:<hand-out id>`: refer the family of a bag just recorded, village and
    language filled in."""

    namespace: ClassVar[str] = "bagref"
    action: Literal["refer"]
    handout_id: int


@dataclass(frozen=True)
class BagStockButton(ButtonData):
    """`bags:<add|toggle>:<organisation id>[:<count>]`: the consultant's buttons on /bags."""

    namespace: ClassVar[str] = "bags"
    action: Literal["add", "toggle"]
    organisation_id: int
    count: int | None = None
