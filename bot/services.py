"""What lives as long as the application: settings, facts, the database, machine translation
and the outbox relay."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.facts import LibraryFacts
from bot.outbox import OutboxRelay
from bot.translation import TranslationService


@dataclass
class Services:
    settings: Settings
    facts: LibraryFacts
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    translation: TranslationService
    relay: OutboxRelay | None = None
    bot_username: str = ""
    # Tests and the sandbox listen here to know when an update was fully handled (or, when
    # its unit of work could not be completed, when that attempt ended).
    update_done: list[Callable[[int], None]] = field(default_factory=list)
    # The time as handlers see it ("is she here now?", "is this activity still to come?").
    # Tests freeze it by assigning a function that returns a fixed moment.
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))

    def now(self) -> datetime:
        return self.clock()
