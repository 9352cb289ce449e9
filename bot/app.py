"""The composition root: builds the application for `main.py` and the tests alike."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from telegram import LinkPreviewOptions, Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, ContextTypes, Defaults

from bot import i18n, notify, privacy, schedule, unit_of_work
from bot.config import Settings
from bot.context import BotContext
from bot.facts import LibraryFacts, load_facts
from bot.outbox import OutboxRelay, Permanent, Transient
from bot.outbox import RetryAfter as OutboxRetryAfter
from bot.people import identify
from storage.db import create_engine, create_session_factory
from storage.repositories import people as people_repo
from storage.repositories import updates as updates_repo

log = logging.getLogger(__name__)

REPLY_ATTEMPTS = 4
CONFLICT_ATTEMPTS = 4
MAX_REPLY_WAIT_SECONDS = 10.0


@dataclass
class Services:
    """What lives as long as the application: settings, facts, the engine, the relay."""

    settings: Settings
    facts: LibraryFacts
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    relay: OutboxRelay | None = None
    bot_username: str = ""
    # Tests and the sandbox listen here to know when an update was fully handled.
    update_done: list[Callable[[int], None]] = field(default_factory=list)


class BotApplication(Application):
    """Runs every update as one unit of work: one session, one transaction.

    The update id is recorded in that same transaction, so a redelivered update is skipped;
    replies to the sender are sent only after the commit.
    """

    async def process_update(self, update: object) -> None:
        services: Services = self.bot_data["services"]
        if not isinstance(update, Update):
            await super().process_update(update)
            return
        try:
            for attempt in range(CONFLICT_ATTEMPTS):
                uow = await self._unit_of_work(services, update)
                if uow is None or not uow.conflict:
                    break
                log.info("update %s met a concurrent change; running it again",
                         update.update_id)
                await asyncio.sleep(random.uniform(0.01, 0.1) * (attempt + 1))
            else:
                log.error("update %s kept meeting concurrent changes", update.update_id)
                if update.effective_chat is not None:
                    with i18n.use_language(uow.person.language if uow.person else "nl"):
                        apology = i18n._(unit_of_work.APOLOGY)
                    await self.bot.send_message(update.effective_chat.id, apology)
                return
            if uow is None:
                return
            await self._send_replies(uow)
            if uow.outbox_queued and services.relay is not None:
                asyncio.get_running_loop().create_task(services.relay.run_once())
        except Exception:  # noqa: BLE001 - never let one update stop the bot
            log.exception("update %s could not be completed", update.update_id)
        finally:
            for listener in list(services.update_done):
                listener(update.update_id)

    async def _unit_of_work(self, services: Services, update: Update
                            ) -> unit_of_work.UnitOfWork | None:
        """One attempt: None when the update was handled before (a redelivery)."""
        async with services.sessions() as session:
            uow = unit_of_work.UnitOfWork(session)
            token = unit_of_work.bind(uow)
            try:
                if not await updates_repo.claim(session, update.update_id):
                    log.info("update %s was handled before; skipped", update.update_id)
                    await session.rollback()
                    return None
                user = update.effective_user
                if user is not None and session.bind.dialect.name == "postgresql":
                    # One user's updates, one at a time, also across bot processes.
                    await session.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                                          {"key": user.id})
                if user is not None:
                    uow.person = await identify(session, user.id, user.language_code,
                                                services.settings.default_locale)
                    i18n.set_language(uow.person.language)
                await super().process_update(update)
                if uow.failed:
                    await session.rollback()
                else:
                    try:
                        await session.commit()
                    except DBAPIError as err:
                        if not unit_of_work.is_conflict(err):
                            raise
                        await session.rollback()
                        uow.conflict = True
            finally:
                unit_of_work.unbind(token)
        return uow

    async def _send_replies(self, uow: unit_of_work.UnitOfWork) -> None:
        """Send the sender's replies in order; brief retries on network trouble and 429."""
        for reply in uow.replies:
            for attempt in range(REPLY_ATTEMPTS):
                try:
                    await getattr(self.bot, reply.method)(**reply.kwargs)
                    break
                except BadRequest as err:
                    if "message is not modified" not in str(err):
                        log.error("reply %s refused: %s", reply.method, err)
                    break
                except Forbidden:
                    break  # the user blocked the bot: nobody to tell
                except RetryAfter as err:
                    wait = _retry_seconds(err)
                    if wait > MAX_REPLY_WAIT_SECONDS or attempt == REPLY_ATTEMPTS - 1:
                        log.warning("reply %s dropped after 429", reply.method)
                        break
                    await asyncio.sleep(wait)
                except TelegramError as err:
                    if attempt == REPLY_ATTEMPTS - 1:
                        log.warning("reply %s not sent: %s", reply.method, type(err).__name__)
                        break
                    await asyncio.sleep(0.3 * 2 ** attempt)


def _retry_seconds(err: RetryAfter) -> float:
    """PTB gives retry_after as seconds or as a timedelta, depending on a setting."""
    retry = err.retry_after
    return retry.total_seconds() if hasattr(retry, "total_seconds") else float(retry)


def _telegram_sender(application: Application, timeout: float
                     ) -> Callable[[str, dict[str, Any]], Any]:
    """Adapts the relay's neutral sender to the Bot API and maps its errors."""

    async def send(method: str, payload: dict[str, Any]) -> None:
        try:
            await application.bot.do_api_request(method, api_kwargs=dict(payload),
                                                 read_timeout=timeout)
        except RetryAfter as err:
            raise OutboxRetryAfter(_retry_seconds(err)) from err
        except Forbidden as err:
            raise Permanent(str(err)) from err
        except BadRequest as err:
            raise Permanent(str(err)) from err
        except (TimedOut, NetworkError) as err:
            raise Transient(str(err)) from err
        except TelegramError as err:
            raise Transient(str(err)) from err

    return send


async def _bootstrap_consultants(services: Services) -> None:
    """CONSULTANT_IDS become consultants. Another bot process may do the same at the same
    moment: a unique-key clash means it did, so look again."""
    for attempt in range(3):
        try:
            async with services.sessions() as session, session.begin():
                for telegram_user_id in services.settings.consultant_ids:
                    consultant = await people_repo.consultant_by_telegram_id(
                        session, telegram_user_id)
                    if consultant is None or not consultant.active:
                        await people_repo.upsert_consultant(session, telegram_user_id, None)
            return
        except IntegrityError:
            if attempt == 2:
                raise


async def _post_init(application: Application) -> None:
    services: Services = application.bot_data["services"]
    me = await application.bot.get_me()
    services.bot_username = me.username or ""
    await _bootstrap_consultants(services)
    from handlers import publish_commands

    await publish_commands(application)
    settings = services.settings
    services.relay = OutboxRelay(
        services.sessions, _telegram_sender(application, settings.outbox_send_timeout_seconds),
        chat_interval=settings.outbox_chat_interval_seconds,
        claim_seconds=settings.outbox_claim_seconds, on_dead=notify.dead_letter)
    if application.job_queue is not None:
        jobs = application.job_queue
        jobs.run_repeating(_relay_job, interval=settings.outbox_interval_seconds, first=0.5,
                           name="outbox-relay")
        jobs.run_repeating(_hourly_job, interval=3600, first=5, name="follow-ups-and-retention")
        if settings.reminders:
            jobs.run_daily(_morning_job, name="morning-reminders",
                           time=settings.reminder_time.replace(tzinfo=settings.zone))
            # Started after this morning's reminder time (a restart, a crash): send it now;
            # the outbox's dedupe keys make sure nobody gets it twice.
            if datetime.now(settings.zone).time() >= settings.reminder_time:
                jobs.run_once(_morning_job, when=1, name="morning-reminders-catch-up")


async def run_morning(services: Services, now: datetime | None = None) -> int:
    """The weekday reminders and the Monday digest; safe to run more than once a day."""
    async with services.sessions() as session, session.begin():
        queued = await schedule.send_reminders(session, services.settings, now)
        queued += await schedule.send_digest(session, services.settings, now)
    if queued and services.relay is not None:
        await services.relay.run_once()
    return queued


async def run_followups(services: Services, now: datetime | None = None) -> int:
    async with services.sessions() as session, session.begin():
        queued = await schedule.ask_followups(session, services.settings, now)
    if queued and services.relay is not None:
        await services.relay.run_once()
    return queued


async def run_retention(services: Services, now: datetime | None = None) -> privacy.Retention:
    """Anonymise closed cases after RETENTION_DAYS; drop old answered questions and
    unfinished flows."""
    async with services.sessions() as session, session.begin():
        done = await privacy.apply_retention(session, services.settings.retention_days,
                                             services.facts.villages, now)
    if done.cases or done.questions or done.flows:
        log.info("retention: %s cases anonymised, %s questions and %s flows deleted",
                 done.cases, done.questions, done.flows)
    return done


async def _morning_job(context: BotContext) -> None:
    await run_morning(context.application.bot_data["services"])


async def _hourly_job(context: BotContext) -> None:
    services = context.application.bot_data["services"]
    await run_followups(services)
    await run_retention(services)


async def _relay_job(context: BotContext) -> None:
    services: Services = context.application.bot_data["services"]
    if services.relay is not None and not services.relay.busy:
        # In the background: a long pass (paced chats, retries) must not block the scheduler.
        context.application.create_task(services.relay.run_once(), name="outbox-relay-pass")


async def _post_shutdown(application: Application) -> None:
    services: Services = application.bot_data["services"]
    await services.engine.dispose()


def build_application(settings: Settings, *, token: str | None = None) -> Application:
    """Assemble the bot. The database must already be migrated (see `storage.db.migrate`)."""
    i18n.load_catalogs()
    facts = load_facts(settings.library_facts_path)
    if facts.reading_tent.last_day < datetime.now(settings.zone).date():
        log.warning("%s: the reading tent's dates (last_day %s) are past; parents are told "
                    "new dates follow", settings.library_facts_path, facts.reading_tent.last_day)
    engine = create_engine(settings.database_url)
    services = Services(settings, facts, engine, create_session_factory(engine))
    builder = (
        ApplicationBuilder()
        .application_class(BotApplication)
        .token(token or settings.telegram_bot_token or "")
        .base_url(settings.bot_api_base_url)
        .base_file_url(settings.bot_api_file_url)
        .context_types(ContextTypes(context=BotContext))
        .defaults(Defaults(tzinfo=settings.zone,
                           link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .rate_limiter(AIORateLimiter(max_retries=0))
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )
    application = builder.build()
    application.bot_data["services"] = services
    from handlers import register

    register(application)
    return application
