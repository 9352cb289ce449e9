"""The product's tables as typed SQLAlchemy 2 models.

Telegram ids are 64-bit (`BigInteger`); 32-bit ids were a real bug elsewhere.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeEngine

from storage.sealed import Sealed

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A time stamp that always reads back with its time zone.

    SQLite keeps no zone and returns naive values; everything here is stored in UTC, so the
    zone is put back once, here, instead of wherever a time is compared.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """In UTC: SQLite compares the text, so a bound in another zone (the start of a month
        in Amsterdam, for the figures) would be off by the zone's offset."""
        if value is not None and value.tzinfo is not None:
            return value.astimezone(UTC)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    # Keys are Python annotations (including generic aliases such as `dict[str, Any]`).
    type_annotation_map: ClassVar[dict[Any, TypeEngine[Any] | type[TypeEngine[Any]]]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON,
        list[Any]: JSON,
    }


class DataKey(Base):
    """A data key (per parent, per case, per flow or per message to staff), wrapped by the
    master key. Deleting the row shreds every value sealed under it (storage/crypto.py)."""

    __tablename__ = "data_keys"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    wrapped: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


def _key_relationship(model: str) -> Any:
    # No foreign key: deleting a data key must leave the rows sealed under it in place.
    return relationship(DataKey, primaryjoin=f"foreign({model}.data_key_id) == DataKey.id",
                        lazy="joined")


def _has_text(detail: dict[str, Any]) -> bool:
    return "text" in detail


class Organisation(Base):
    """A partner organisation: GGD consultatiebureau, welfare, a school, a daycare centre."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    # bot.organisations.KINDS: ggd, daycare, school, welfare, other.
    kind: Mapped[str] = mapped_column(String(16), default="other", server_default="other")
    hands_out_bags: Mapped[bool] = mapped_column(Boolean, default=False,
                                                 server_default=text("false"))
    # When the consultants were told its BoekStart bags run low (bot.bags); cleared when a
    # delivery brings the stock back up, so they hear it once per shortage.
    bags_alerted_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    partners: Mapped[list[Partner]] = relationship(back_populates="organisation")


class Consultant(Base):
    """A library consultant (Consulent Jeugd, Taalpunt coordinator)."""

    __tablename__ = "consultants"

    id: Mapped[int] = mapped_column(primary_key=True)
    telegram_user_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    name: Mapped[str] = mapped_column(String(200))
    language: Mapped[str | None] = mapped_column(String(8))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Partner(Base):
    """A partner professional who refers families (nurse, welfare worker, teacher).

    Removing one keeps the row (their referrals point to it); someone who rejoins later with
    a new invite gets a new row, so they never see the referrals of before. Only one row per
    Telegram user is active (not revoked) at a time.
    """

    __tablename__ = "partners"
    __table_args__ = (
        Index("uq_partners_active_telegram_user_id", "telegram_user_id", unique=True,
              sqlite_where=text("revoked_at IS NULL"),
              postgresql_where=text("revoked_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    telegram_user_id: Mapped[int] = mapped_column(BigInteger, index=True)
    name: Mapped[str] = mapped_column(String(200))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    language: Mapped[str | None] = mapped_column(String(8))
    invite_id: Mapped[int | None] = mapped_column(ForeignKey("invites.id"))
    revoked_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship(back_populates="partners")


class Parent(Base):
    """A parent talking to the bot. Personal fields are erased on request."""

    __tablename__ = "parents"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Nullable: set to NULL when the parent asks to be forgotten.
    telegram_user_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    language: Mapped[str | None] = mapped_column(String(8))
    name_sealed: Mapped[str | None] = mapped_column("name", Text)
    phone_sealed: Mapped[str | None] = mapped_column("phone", Text)
    erased_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    data_key_id: Mapped[str | None] = mapped_column(String(32))

    data_key: Mapped[DataKey | None] = _key_relationship("Parent")
    name = Sealed[str | None]("name_sealed")
    phone = Sealed[str | None]("phone_sealed")


class Invite(Base):
    """An invite link for partner professionals. Only the token's hash is stored."""

    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    created_by_consultant_id: Mapped[int | None] = mapped_column(ForeignKey("consultants.id"))
    expires_at: Mapped[datetime]
    max_uses: Mapped[int] = mapped_column(Integer, default=5)
    uses: Mapped[int] = mapped_column(Integer, default=0)
    revoked_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship()


class Case(Base):
    """One family's case: a referral by a partner or a request by a parent."""

    __tablename__ = "cases"
    # The inbox's filters, each with the newest first (bot.inbox, repositories.cases.search).
    __table_args__ = (
        Index("ix_cases_status_created", "status", "created_at"),
        Index("ix_cases_assigned_created", "assigned_consultant_id", "created_at"),
        Index("ix_cases_source_created", "source", "created_at"),
        Index("ix_cases_village_created", "village", "created_at"),
        Index("ix_cases_organisation_created", "organisation_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    source: Mapped[str] = mapped_column(String(16))  # "partner" or "parent"
    status: Mapped[str] = mapped_column(String(16), default="new", index=True)
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("parents.id"), index=True)
    family_language: Mapped[str | None] = mapped_column(String(8))
    family_language_other_sealed: Mapped[str | None] = mapped_column("family_language_other",
                                                                      Text)
    # One of the library's villages, plain (the inbox filters on it); a place typed instead
    # is sealed in village_other.
    village_known: Mapped[str | None] = mapped_column("village", String(100))
    village_other_sealed: Mapped[str | None] = mapped_column("village_other", Text)
    child_ages: Mapped[list[Any]] = mapped_column(default=list)
    need_other_sealed: Mapped[str | None] = mapped_column("need_other", Text)
    contact_method: Mapped[str | None] = mapped_column(String(16))  # phone | family | partner
    phone_sealed: Mapped[str | None] = mapped_column("phone", Text)
    note_sealed: Mapped[str | None] = mapped_column("note", Text)
    consent: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_source: Mapped[str | None] = mapped_column(String(16))  # partner | parent
    consent_recorded_by_partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"))
    consent_at: Mapped[datetime | None]
    family_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    assigned_consultant_id: Mapped[int | None] = mapped_column(ForeignKey("consultants.id"))
    outcome: Mapped[str | None] = mapped_column(String(32))
    # The parent's answer to "did you get the help you needed?" some days after closing.
    helped: Mapped[bool | None] = mapped_column(Boolean)
    # A warm handover: made in person during the consultant's presence hours (bot.presence).
    in_person: Mapped[bool] = mapped_column(Boolean, default=False,
                                            server_default=text("false"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    first_contact_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    anonymised_at: Mapped[datetime | None]
    data_key_id: Mapped[str | None] = mapped_column(String(32))
    # A partner referred the family at one of the library's activities (bot.activities).
    met_at_activity_id: Mapped[int | None] = mapped_column(ForeignKey("activities.id"))

    data_key: Mapped[DataKey | None] = _key_relationship("Case")
    family_language_other = Sealed[str | None]("family_language_other_sealed")
    village_other = Sealed[str | None]("village_other_sealed")
    need_other = Sealed[str | None]("need_other_sealed")
    phone = Sealed[str | None]("phone_sealed")
    note = Sealed[str | None]("note_sealed")

    @property
    def village(self) -> str | None:
        """The village as shown: a known one, or the place typed instead."""
        return self.village_known or self.village_other

    @village.setter
    def village(self, value: str | None) -> None:
        """Set a known village (or None: no village, typed or not)."""
        self.village_known = value
        if self.village_other is not None:
            self.village_other = None

    needs: Mapped[list[CaseNeed]] = relationship(
        cascade="all, delete-orphan", order_by="CaseNeed.need", lazy="selectin"
    )
    partner: Mapped[Partner | None] = relationship(foreign_keys=[partner_id])
    organisation: Mapped[Organisation | None] = relationship()


class CaseNeed(Base):
    """What a family needs, one row per need, so figures can count them."""

    __tablename__ = "case_needs"
    __table_args__ = (Index("ix_case_needs_need", "need", "case_id"),)  # the inbox's need filter

    case_id: Mapped[int] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    need: Mapped[str] = mapped_column(String(32), primary_key=True)


class RetiredFamilyToken(Base):
    """A family link that a newer one replaced (its SHA-256 hash only, like the case's current
    one): a parent who opens it hears that it was replaced, and nothing happens. The rows go
    when the case is anonymised."""

    __tablename__ = "retired_family_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"),
                                         index=True)
    retired_at: Mapped[datetime] = mapped_column(default=utcnow)


class CaseEvent(Base):
    """The history of a case: who did what, when. Append-only (migration 0007's triggers):
    erasure may only replace a detail with `{"erased": true}` and clear a parent's id."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    actor_kind: Mapped[str] = mapped_column(String(16))  # consultant | partner | parent | system
    actor_id: Mapped[int | None] = mapped_column(Integer)
    detail_sealed: Mapped[dict[str, Any]] = mapped_column("detail", default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    data_key_id: Mapped[str | None] = mapped_column(String(32))

    data_key: Mapped[DataKey | None] = _key_relationship("CaseEvent")
    # Sealed (under the case's key) when it holds typed text: a note.
    detail = Sealed[dict[str, Any]]("detail_sealed", json=True, when=_has_text)


class AuditEntry(Base):
    """Who read or changed what, and when (NEN 7513 in spirit). Append-only: the application
    never updates or deletes a row, and database triggers refuse both (migration 0007).
    Rows hold no personal data (ids, references, action names, counts, the actor's role and,
    for staff, their record id), so they survive erasure and retention."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_role: Mapped[str] = mapped_column(String(16))  # consultant|partner|parent|system
    actor_id: Mapped[int | None] = mapped_column(Integer)  # staff only, never a parent's
    action: Mapped[str] = mapped_column(String(32))
    # No foreign key: the log outlives anything it names.
    case_id: Mapped[int | None] = mapped_column(Integer, index=True)
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


class ParentMessage(Base):
    """What a parent sent (a question, a voice note, a photo), or what was sent to them.

    Unlinked questions stay only as long as needed; all of a parent's rows go on erasure.
    """

    __tablename__ = "parent_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int] = mapped_column(ForeignKey("parents.id", ondelete="CASCADE"),
                                           index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    direction: Mapped[str] = mapped_column(String(8), default="in")  # in | out
    kind: Mapped[str] = mapped_column(String(16), default="text")  # text|voice|photo|document
    text_sealed: Mapped[str | None] = mapped_column("text", Text)
    telegram_file_id_sealed: Mapped[str | None] = mapped_column("telegram_file_id", Text)
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger)
    topic: Mapped[str | None] = mapped_column(String(32))  # the answer the bot gave, if any
    helpful: Mapped[bool | None] = mapped_column(Boolean)  # the parent's 👍 or 👎
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    data_key_id: Mapped[str | None] = mapped_column(String(32))

    data_key: Mapped[DataKey | None] = _key_relationship("ParentMessage")
    # Under the case's key once it belongs to a case, else under the parent's.
    text = Sealed[str | None]("text_sealed")
    telegram_file_id = Sealed[str | None]("telegram_file_id_sealed")


class ReferenceCounter(Base):
    """Per-year counter behind the human case references like 2026-0042."""

    __tablename__ = "reference_counters"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(Integer, default=0)


class ShownCase(Base):
    """A case card the bot showed in a staff chat (it holds the family's phone, note and
    words): edited to a short form after a while and when the family is erased."""

    __tablename__ = "shown_cases"
    __table_args__ = (Index("ix_shown_cases_pending", "redacted_at", "shown_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[int] = mapped_column(Integer)
    case_id: Mapped[int] = mapped_column(Integer, index=True)  # no key: outlives erasure
    reference: Mapped[str] = mapped_column(String(16))
    shown_at: Mapped[datetime] = mapped_column(default=utcnow)
    redacted_at: Mapped[datetime | None]


class VoiceAnswer(Base):
    """A topic's answer as a Telegram voice, per language: a consultant's recording (used
    first), or the file Telegram keeps of a synthesis sent before (used while the answer's
    spoken text, `text_hash`, stays the same). Only Telegram's file id; no parent's data."""

    __tablename__ = "voice_answers"
    __table_args__ = (UniqueConstraint("topic", "language", "kind",
                                       name="uq_voice_answers_topic_language_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    topic: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(16))  # "recording" or "synthesis"
    file_id: Mapped[str] = mapped_column(String(256))
    # The spoken answer's hash when this was made (bot.speech.text_hash): a synthesis of
    # another text is made anew; a recording of another text is marked in /recording.
    text_hash: Mapped[str] = mapped_column(String(64))
    consultant_id: Mapped[int | None] = mapped_column(
        ForeignKey("consultants.id", ondelete="SET NULL"))
    made_at: Mapped[datetime] = mapped_column(default=utcnow)


class OutboxMessage(Base):
    """A message for someone other than the sender, queued in the same transaction."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    method: Mapped[str] = mapped_column(String(32), default="sendMessage")
    payload_sealed: Mapped[dict[str, Any]] = mapped_column("payload", default=dict)
    dedupe_key: Mapped[str] = mapped_column(String(128), unique=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending|sent|dead
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    # While a relay sends it: other bot processes leave it (and its chat) alone until then.
    claimed_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    data_key_id: Mapped[str | None] = mapped_column(String(32))

    data_key: Mapped[DataKey | None] = _key_relationship("OutboxMessage")
    # Under the case's key, else the recipient parent's, else a key of its own.
    payload = Sealed[dict[str, Any]]("payload_sealed", json=True)


class Translation(Base):
    """A machine translation, kept so the same text is never sent twice and the case card
    can show it: a parent's words into a consultant's language, or a consultant's reply into
    the parent's. Found by `key`, a SHA-256 of the languages and the original text; the
    translation is sealed under its case's key and goes with the case's personal data."""

    __tablename__ = "translations"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    source: Mapped[str] = mapped_column(String(8))
    target: Mapped[str] = mapped_column(String(8))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    text_sealed: Mapped[str] = mapped_column("text", Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    data_key_id: Mapped[str | None] = mapped_column(String(32))

    data_key: Mapped[DataKey | None] = _key_relationship("Translation")
    text = Sealed[str]("text_sealed")


class ProcessedUpdate(Base):
    """Telegram update ids already handled, so a redelivered update does nothing twice."""

    __tablename__ = "processed_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    processed_at: Mapped[datetime] = mapped_column(default=utcnow)


class FlowState(Base):
    """Where a user is in a guided flow, kept in the database so a restart resumes it."""

    __tablename__ = "flow_states"

    telegram_user_id: Mapped[int] = mapped_column(
        BigInteger, primary_key=True, autoincrement=False
    )
    flow: Mapped[str] = mapped_column(String(32))
    step: Mapped[str] = mapped_column(String(32))
    data_sealed: Mapped[dict[str, Any]] = mapped_column("data", default=dict)
    # Bumped on every new flow, so buttons of an older flow can be recognised as stale.
    generation: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    data_key_id: Mapped[str | None] = mapped_column(String(32))

    data_key: Mapped[DataKey | None] = _key_relationship("FlowState")
    # A referral in progress holds a typed phone number and note: under a key of its own.
    data = Sealed[dict[str, Any]]("data_sealed", json=True)


class NewsItem(Base):
    """A news item or tip the consultant sent to partner professionals (bot.news): a text,
    or a photo or PDF (Telegram's file id) with a caption, for all partners or one kind of
    organisation. One `NewsDelivery` per partner it was queued for."""

    __tablename__ = "news_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultant_id: Mapped[int | None] = mapped_column(
        ForeignKey("consultants.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(16))  # text | photo | document
    text: Mapped[str | None] = mapped_column(Text)  # the text, or the file's caption
    file_id: Mapped[str | None] = mapped_column(String(256))
    audience: Mapped[str] = mapped_column(String(16))  # "all" or an organisation kind
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class NewsDelivery(Base):
    """One partner's copy of a news item: queued in the outbox (dedupe key
    `news:<item>:<partner>`), delivered when Telegram took it, opened when they pressed its
    button (that counts as contact with their organisation)."""

    __tablename__ = "news_deliveries"
    __table_args__ = (UniqueConstraint("news_id", "partner_id",
                                       name="uq_news_deliveries_news_id_partner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    news_id: Mapped[int] = mapped_column(ForeignKey("news_items.id", ondelete="CASCADE"),
                                         index=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    delivered_at: Mapped[datetime | None]
    opened_at: Mapped[datetime | None]


class NewsStop(Base):
    """A partner professional who stopped the news (one tap); `/news on` removes the row."""

    __tablename__ = "news_stops"

    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), primary_key=True,
                                            autoincrement=False)
    stopped_at: Mapped[datetime] = mapped_column(default=utcnow)


class OrganisationNote(Base):
    """A contact note the consultant adds to an organisation in /partners (a visit, a call);
    it counts as contact for staying in touch."""

    __tablename__ = "organisation_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    consultant_id: Mapped[int | None] = mapped_column(
        ForeignKey("consultants.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Activity(Base):
    """One session of an activity (the reading tent in one village on one day, a story
    hour, a workshop for parents): a kind from bot.activities, or "other" with a typed title.
    A weekly series shares its `series` number."""

    __tablename__ = "activities"
    __table_args__ = (Index("ix_activities_starts", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str | None] = mapped_column(String(100))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    village: Mapped[str | None] = mapped_column(String(100))
    place: Mapped[str | None] = mapped_column(String(100))  # typed; None: the village's branch
    capacity: Mapped[int] = mapped_column(Integer)
    languages: Mapped[list[Any]] = mapped_column(default=list)
    series: Mapped[int | None] = mapped_column(Integer)
    created_by_consultant_id: Mapped[int | None] = mapped_column(ForeignKey("consultants.id"))
    attended_parents: Mapped[int | None] = mapped_column(Integer)
    attended_children: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Called off by the consultant (rain, illness): kept for the figures, shown as cancelled.
    cancelled_at: Mapped[datetime | None]


class ActivitySignup(Base):
    """A parent's place at an activity: "booked", "waiting" or "cancelled"."""

    __tablename__ = "activity_signups"
    __table_args__ = (UniqueConstraint("activity_id", "parent_id",
                                       name="uq_activity_signups_activity_parent"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id"), index=True)
    # None: unlinked after the activity (bot.privacy's retention): the count stays, not who.
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("parents.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    children: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    reminded_at: Mapped[datetime | None]


class ActivitySubscriber(Base):
    """A parent who asked to hear of each new activity."""

    __tablename__ = "activity_subscribers"

    parent_id: Mapped[int] = mapped_column(ForeignKey("parents.id"), primary_key=True,
                                           autoincrement=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class BagHandout(Base):
    """A BoekStart bag a partner professional handed out (bot.bags): the village, the baby's
    age band, the home language and whether the parents want tips. No name, no phone number;
    `parent_id` only while tips are still to come to the parent who opened the link."""

    __tablename__ = "bag_handouts"
    __table_args__ = (Index("ix_bag_handouts_created", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"), index=True)
    village: Mapped[str] = mapped_column(String(100))  # a library village, or "other"
    age_band: Mapped[str] = mapped_column(String(8))  # bot.bags.AGE_BANDS
    language: Mapped[str] = mapped_column(String(8))  # a language code, or "other"
    wants_tips: Mapped[bool] = mapped_column(Boolean, default=False)
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    opened_at: Mapped[datetime | None]
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("parents.id"), index=True)
    six_months_sent_at: Mapped[datetime | None]
    fifteen_months_sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class BagDelivery(Base):
    """BoekStart bags the consultant delivered to an organisation (a negative count corrects
    an earlier one); the stock is the deliveries less the hand-outs."""

    __tablename__ = "bag_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    count: Mapped[int] = mapped_column(Integer)
    consultant_id: Mapped[int | None] = mapped_column(ForeignKey("consultants.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PresenceSession(Base):
    """The consultant's weekly presence hours at a place (bot.presence): weekday 0 = Monday,
    times "HH:MM" in the library's time zone; `place` is the place's name in the facts file."""

    __tablename__ = "presence_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultant_id: Mapped[int] = mapped_column(ForeignKey("consultants.id"), index=True)
    weekday: Mapped[int] = mapped_column(Integer)
    starts: Mapped[str] = mapped_column(String(5))
    ends: Mapped[str] = mapped_column(String(5))
    place: Mapped[str] = mapped_column(String(200))
    village: Mapped[str] = mapped_column(String(100))
    removed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PresenceCancellation(Base):
    """One date on which a presence session does not take place (holiday, sick day)."""

    __tablename__ = "presence_cancellations"
    __table_args__ = (UniqueConstraint("session_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("presence_sessions.id"), index=True)
    day: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(16))  # holiday | sick | other
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


__all__ = [
    "Activity",
    "ActivitySignup",
    "ActivitySubscriber",
    "AuditEntry",
    "BagDelivery",
    "BagHandout",
    "Base",
    "Case",
    "CaseEvent",
    "CaseNeed",
    "Consultant",
    "DataKey",
    "FlowState",
    "Invite",
    "NewsDelivery",
    "NewsItem",
    "NewsStop",
    "Organisation",
    "OrganisationNote",
    "OutboxMessage",
    "Parent",
    "ParentMessage",
    "Partner",
    "PresenceCancellation",
    "PresenceSession",
    "ProcessedUpdate",
    "ReferenceCounter",
    "Translation",
    "VoiceAnswer",
]
