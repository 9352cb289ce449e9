"""The composition root: assembles the application for the command line and the tests alike."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import cast

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import LinkPreviewOptions
from telegram.ext import ApplicationBuilder, ContextTypes, Defaults, JobQueue
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt

from bot import delivery, i18n, masterkey, news, notify, people, redaction
from bot.config import Settings
from bot.context import BotApp, BotContext
from bot.facts import load_facts
from bot.jobs import schedule_jobs
from bot.limiter import ReplyFirstLimiter
from bot.outbox import OutboxRelay
from bot.sender import telegram_sender
from bot.services import Services
from bot.translation import TranslationService, provider_for
from bot.updates import BotApplication
from handlers import publish_commands, register
from storage.db import create_engine, create_session_factory
from storage.models import OutboxMessage

log = logging.getLogger(__name__)

# The update kinds the bot asks Telegram for (polling and webhook alike): my_chat_member
# tells it when it was added to a group, which it then leaves.
ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]


async def _bootstrap_consultants(services: Services) -> None:
    """CONSULTANT_IDS become consultants. Another bot process may do the same at the same
    moment: a unique-key clash means it did, so look again."""
    async for attempt in AsyncRetrying(retry=retry_if_exception_type(IntegrityError),
                                       stop=stop_after_attempt(3), reraise=True):
        with attempt:
            async with services.sessions() as session, session.begin():
                await people.ensure_consultants(session, services.settings.consultant_ids)


async def _outbox_sent(session: AsyncSession, row: OutboxMessage, answer: object) -> None:
    """What follows a delivered outbox row: a case notification is kept (bot.redaction), a
    partner's news copy counts as received (bot.news)."""
    await redaction.notification_sent(session, row, answer)
    await news.copy_sent(session, row, answer)


async def _post_init(application: BotApp) -> None:
    services: Services = application.bot_data["services"]
    me = await application.bot.get_me()
    services.bot_username = me.username or ""
    await _bootstrap_consultants(services)
    await publish_commands(application)
    settings = services.settings
    services.relay = OutboxRelay(
        services.sessions, telegram_sender(application.bot, settings.outbox_send_timeout_seconds),
        chat_interval=settings.outbox_chat_interval_seconds,
        claim_seconds=settings.outbox_claim_seconds, on_dead=notify.dead_letter,
        on_sent=_outbox_sent, prepare=delivery.preparer(services.translation))
    if application.job_queue is not None:
        schedule_jobs(application.job_queue, settings)


async def _post_shutdown(application: BotApp) -> None:
    services: Services = application.bot_data["services"]
    await services.translation.close()
    await services.engine.dispose()


def build_application(settings: Settings, *, token: str | None = None) -> BotApplication:
    """Assemble the bot. The database must already be migrated (see `storage.db.migrate`).
    Updates come in through bot.intake (a Poller, or bot.webhook's server), which confirms
    them to Telegram only once handled; PTB's Updater, which confirms on arrival, is left
    out."""
    i18n.load_catalogs()
    masterkey.configure(settings)
    facts = load_facts(settings.library_facts_path)
    if facts.reading_tent.last_day < datetime.now(settings.zone).date():
        log.warning("%s: the reading tent's dates (last_day %s) are past; parents are told "
                    "new dates follow", settings.library_facts_path, facts.reading_tent.last_day)
    engine = create_engine(settings.database_url)
    sessions = create_session_factory(engine)
    services = Services(settings, facts, engine, sessions,
                        TranslationService(provider_for(settings), sessions,
                                           settings.translation_timeout))
    builder = (
        ApplicationBuilder()
        .application_class(BotApplication)
        .token(token or settings.telegram_bot_token or "")
        .base_url(settings.bot_api_base_url)
        .base_file_url(settings.bot_api_file_url)
        .context_types(ContextTypes(context=BotContext))
        .updater(None)
        # What PTB would create anyway, spelt out so that its jobs get a BotContext too.
        .job_queue(JobQueue[BotContext]())
        .defaults(Defaults(tzinfo=settings.zone,
                           link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )
    if settings.rate_limiter:
        # Replies first; the outbox relay's sends at Telegram's overall pace (bot.limiter).
        application: BotApp = builder.rate_limiter(ReplyFirstLimiter()).build()
    else:  # the same application without a limiter (its per-call arguments go unused)
        application = cast("BotApp", builder.build())
    assert isinstance(application, BotApplication)
    application.bot_data["services"] = services
    register(application)
    return application
