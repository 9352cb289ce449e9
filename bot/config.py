"""All settings in one place, read from the environment and an optional `.env` file."""

from __future__ import annotations

from datetime import time
from importlib import resources
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot import workdays

# Relative to the working directory (the checkout for `make run`, WorkingDirectory= for a
# service), never inside the installed package.
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///data/bot.sqlite3"
# The example facts file shipped with the bot (the `facts` package), wherever it is installed.
DEFAULT_FACTS_PATH = Path(str(resources.files("facts").joinpath("dalfsen.toml")))
SUPPORTED_LOCALES = ("nl", "en", "ar", "tr", "pl", "uk", "ti", "fa", "so")


class ConfigError(Exception):
    """A setting is missing or malformed; the message is one line naming the variable."""


# A bot token is "<bot id>:<secret>"; @BotFather's secrets are much longer than this.
MIN_TOKEN_SECRET_LENGTH = 10


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    telegram_bot_token: str | None = None
    telegram_api_url: str = "https://api.telegram.org"
    database_url: str = DEFAULT_DATABASE_URL
    consultant_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    default_locale: str = "nl"
    timezone: str = "Europe/Amsterdam"
    # Public holidays that are no working days ("NL", "BE", ...; "" for none): the two
    # working days to first contact, the morning reminder.
    holidays_country: str = "NL"
    retention_days: int = Field(default=365, ge=1, le=3650)
    # A case card in a staff chat shows the family's phone, note and words; after this many
    # hours the bot edits it to a short form (and at once when the family is erased).
    redact_after_hours: float = Field(default=24.0, gt=0, le=24 * 90)
    library_facts_path: Path = DEFAULT_FACTS_PATH
    invite_valid_days: int = Field(default=14, ge=1, le=365)
    invite_max_uses: int = Field(default=5, ge=1, le=1000)
    outbox_interval_seconds: float = Field(default=2.0, gt=0, le=3600)
    # Telegram's limit is about one message a second per chat; the relay keeps to it.
    outbox_chat_interval_seconds: float = Field(default=1.0, ge=0, le=60)
    outbox_send_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    # A message being sent by a process that died is sent again after this many seconds.
    outbox_claim_seconds: float = Field(default=60.0, ge=1, le=3600)
    # A referral's confirmation (with the family link) that did not reach the professional
    # within this many seconds (the bot stopped, Telegram failed) is followed by an offer of
    # a new family link, through the outbox.
    family_link_offer_seconds: float = Field(default=60.0, gt=0, le=3600)
    # Webhook mode (`bieb-bot run --webhook`): Telegram posts updates to WEBHOOK_URL (behind a
    # reverse proxy), which forwards to WEBHOOK_LISTEN:WEBHOOK_PORT; WEBHOOK_SECRET is checked
    # on every request (Telegram's X-Telegram-Bot-Api-Secret-Token header).
    webhook_url: str | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = Field(default=8080, ge=1, le=65535)
    webhook_secret: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_-]{16,256}$")
    # Webhook mode also answers GET /healthz on WEBHOOK_LISTEN:HEALTH_PORT (0: not at all).
    health_port: int = Field(default=8081, ge=0, le=65535)
    # Where `make run` without a token serves the sandbox (bieb-bot sandbox --port sets it too).
    sandbox_port: int = Field(default=8080, ge=0, le=65535)
    # bot.limiter: replies first, bulk sends at Telegram's overall pace; off: none (the load
    # benchmark measures the bot with and without it).
    rate_limiter: bool = True
    # Weekday mornings each consultant hears which cases wait (time in TIMEZONE); off: never.
    reminders: bool = True
    reminder_time: time = time(8, 30)
    remind_new_after_days: int = Field(default=2, ge=1, le=60)
    remind_idle_after_days: int = Field(default=7, ge=1, le=120)
    # Days after a case is closed as helped, the parent is asked whether they got help.
    followup_after_days: int = Field(default=14, ge=1, le=365)
    # Partner organisations without contact (a referral, a news item opened, a note) for this
    # many weeks are named in the consultant's Monday digest.
    partner_quiet_weeks: int = Field(default=8, ge=1, le=104)
    # The consultants hear (once) when an organisation has fewer BoekStart bags than this.
    bag_stock_alert_below: int = Field(default=5, ge=0, le=1000)
    # The master key that wraps the data keys (bot/masterkey.py): given directly, or a file
    # made on first start (relative to the working directory, like the database).
    master_key: str | None = Field(default=None, repr=False)
    master_key_file: Path = Path("data/master.key")
    # Machine translation (bot/translation.py): a LibreTranslate-compatible server, e.g. one
    # the library runs itself. Unset: nothing is translated (the consultant is told so).
    translation_url: str | None = None
    translation_key: str | None = Field(default=None, repr=False)
    # One translation (the language list included) gives up after this long; the original
    # goes through without it.
    translation_timeout: float = Field(default=5.0, gt=0, le=30)

    @field_validator("telegram_bot_token")
    @classmethod
    def _token_shape(cls, value: str | None) -> str | None:
        if value is None or value.strip() == "":
            return None
        value = value.strip()
        head, _, tail = value.partition(":")
        if not head.isdigit() or len(tail) < MIN_TOKEN_SECRET_LENGTH:
            raise ValueError("expected the form 123456:ABC... as given by @BotFather")
        return value

    @field_validator("consultant_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.replace(";", ",").split(",")]
            return [p for p in parts if p]
        return value

    @field_validator("consultant_ids")
    @classmethod
    def _positive_ids(cls, value: list[int]) -> list[int]:
        for user_id in value:
            if user_id <= 0:
                raise ValueError("Telegram user ids are positive numbers")
        return value

    @field_validator("default_locale")
    @classmethod
    def _known_locale(cls, value: str) -> str:
        if value not in SUPPORTED_LOCALES:
            raise ValueError(f"must be one of {', '.join(SUPPORTED_LOCALES)}")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as err:
            raise ValueError("unknown time zone name") from err
        return value

    @field_validator("holidays_country")
    @classmethod
    def _known_country(cls, value: str) -> str:
        value = value.strip().upper()
        if not workdays.known_country(value):
            raise ValueError("not a country code the holidays package knows (like NL or BE), "
                             "or empty for none")
        return value

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: str) -> str:
        if value.startswith("postgresql://") or value.startswith("postgres://"):
            value = "postgresql+asyncpg://" + value.split("://", 1)[1]
        if value.startswith("sqlite:///"):
            value = "sqlite+aiosqlite:///" + value[len("sqlite:///"):]
        if not (value.startswith("sqlite+aiosqlite://") or value.startswith("postgresql+asyncpg://")):
            raise ValueError("use sqlite+aiosqlite:///path or postgresql+asyncpg://user@host/db")
        return value

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url(cls, value: str | None) -> str | None:
        if value is None or value.strip() == "":
            return None
        value = value.strip()
        if not (value.startswith("https://") or value.startswith("http://")):
            raise ValueError("must start with https:// (Telegram only posts to HTTPS)")
        return value

    @field_validator("translation_url")
    @classmethod
    def _translation_url(cls, value: str | None) -> str | None:
        if value is None or value.strip() == "":
            return None
        value = value.strip().rstrip("/")
        if not (value.startswith("http://") or value.startswith("https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @field_validator("translation_key")
    @classmethod
    def _blank_key(cls, value: str | None) -> str | None:
        return value.strip() if value is not None and value.strip() else None

    @field_validator("telegram_api_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        value = value.rstrip("/")
        if not (value.startswith("http://") or value.startswith("https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @property
    def bot_api_base_url(self) -> str:
        return f"{self.telegram_api_url}/bot"

    @property
    def bot_api_file_url(self) -> str:
        return f"{self.telegram_api_url}/file/bot"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def working_days(self) -> workdays.Calendar:
        return workdays.calendar(self.holidays_country)


def load_settings(**overrides: Any) -> Settings:  # checked by pydantic, like the environment
    """Read the settings; any problem becomes one ConfigError line naming the variable."""
    try:
        settings = Settings(**overrides)
    except ValidationError as err:
        first = err.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "settings"
        raise ConfigError(f"{name}: {first['msg']}") from None
    return settings
