"""What runs on a clock: the outbox relay's heartbeat, the hourly follow-ups and retention,
and the weekday morning reminders (with the Monday digest)."""

from __future__ import annotations

import logging
from datetime import datetime

from telegram.ext import JobQueue

from bot import activities, bags, privacy, redaction, schedule
from bot.config import Settings
from bot.context import BotContext
from bot.services import Services
from storage.db import checkpoint

log = logging.getLogger(__name__)


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


async def run_activity_reminders(services: Services, now: datetime | None = None) -> int:
    """Parents with a place at an activity tomorrow hear of it (bot.activities), once."""
    async with services.sessions() as session, session.begin():
        queued = await activities.send_reminders(session, services.facts,
                                                 services.settings.zone, now or services.now())
    if queued and services.relay is not None:
        await services.relay.run_once()
    return queued


async def run_retention(services: Services, now: datetime | None = None) -> privacy.Retention:
    """Anonymise closed cases after RETENTION_DAYS; drop old answered questions, unfinished
    flows, handled update ids and sent or dead outbox messages; unlink past activities'
    sign-ups from their parents."""
    async with services.sessions() as session, session.begin():
        done = await privacy.apply_retention(session, services.settings.retention_days,
                                             services.facts.villages, now)
    # After the commit: what retention deleted leaves SQLite's write-ahead log too.
    await checkpoint(services.engine)
    if done.cases or done.questions or done.flows or done.updates or done.outbox or done.signups:
        log.info("retention: %s cases anonymised, %s questions, %s flows, %s update ids and "
                 "%s outbox messages deleted, %s activity sign-ups unlinked", done.cases,
                 done.questions, done.flows, done.updates, done.outbox, done.signups)
    return done


async def _morning(context: BotContext) -> None:
    await run_morning(context.services)


async def run_redaction(services: Services, now: datetime | None = None) -> int:
    """Case cards shown longer than REDACT_AFTER_HOURS ago: edited to a short form."""
    async with services.sessions() as session, session.begin():
        queued = await redaction.redact_due(session, services.settings.redact_after_hours, now)
    if queued and services.relay is not None:
        await services.relay.run_once()
    return queued


async def run_bag_tips(services: Services, now: datetime | None = None) -> int:
    """BoekStart tips due to parents who opened the link of a bag (bot.bags)."""
    async with services.sessions() as session, session.begin():
        queued = await bags.send_tips(session, now or services.now())
    if queued and services.relay is not None:
        await services.relay.run_once()
    return queued


async def _hourly(context: BotContext) -> None:
    await run_followups(context.services)
    await run_activity_reminders(context.services)
    await run_bag_tips(context.services)
    await run_retention(context.services)
    await run_redaction(context.services)


async def _relay(context: BotContext) -> None:
    relay = context.services.relay
    if relay is not None and not relay.busy:
        # In the background: a long pass (paced chats, retries) must not block the scheduler.
        context.application.create_task(relay.run_once(), name="outbox-relay-pass")


def schedule_jobs(jobs: JobQueue[BotContext], settings: Settings) -> None:
    jobs.run_repeating(_relay, interval=settings.outbox_interval_seconds, first=0.5,
                       name="outbox-relay")
    jobs.run_repeating(_hourly, interval=3600, first=5, name="follow-ups-and-retention")
    if settings.reminders:
        jobs.run_daily(_morning, name="morning-reminders",
                       time=settings.reminder_time.replace(tzinfo=settings.zone))
        # Started after this morning's reminder time (a restart, a crash): send it now;
        # the outbox's dedupe keys make sure nobody gets it twice.
        if datetime.now(settings.zone).time() >= settings.reminder_time:
            jobs.run_once(_morning, when=1, name="morning-reminders-catch-up")
