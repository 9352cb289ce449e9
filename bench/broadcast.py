"""Queue a broadcast in a fresh database before the bot under load starts (bench/load.py).

    .venv/bin/python bench/broadcast.py N FIRST_CHAT_ID

Uses the environment the bot will run with (DATABASE_URL, MASTER_KEY_FILE): migrates the
database and queues N outbox messages, one to each of N chats from FIRST_CHAT_ID on, as
partner news to every partner would be (bot.news queues one outbox row per partner). The
bot's outbox relay sends them as soon as it starts, at the bulk pace, while the parents of
the load test ask their questions.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot import masterkey, outbox  # noqa: E402
from bot.config import load_settings  # noqa: E402
from storage.db import create_engine, create_session_factory, migrate  # noqa: E402


async def queue(count: int, first_chat: int) -> None:
    settings = load_settings()
    engine = create_engine(settings.database_url)
    try:
        async with create_session_factory(engine)() as session, session.begin():
            for number in range(count):
                await outbox.queue_message(
                    session, chat_id=first_chat + number, language="nl",
                    text=f"📰 Nieuws van de bibliotheek ({number + 1})",  # made-up content
                    dedupe_key=f"load-broadcast:{number}")
    finally:
        await engine.dispose()


def main() -> int:
    count, first_chat = int(sys.argv[1]), int(sys.argv[2])
    settings = load_settings()
    migrate(settings.database_url)
    masterkey.configure(settings)
    asyncio.run(queue(count, first_chat))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
