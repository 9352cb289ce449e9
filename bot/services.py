"""What lives as long as the application: settings, facts, the database, machine translation
and the outbox relay."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

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
