"""One unit of work per update: one session, one transaction, replies after the commit.

The update id is recorded in that same transaction, so a redelivered update is skipped; the
sender is identified and their language set before any handler runs; an update that meets a
concurrent change (another update, another bot process) runs again from the start. Telegram
is told an update arrived only once it is settled here (bot.intake): until then it keeps it,
and delivers it again after a crash.
"""

from __future__ import annotations

import asyncio
import logging
import traceback
from collections.abc import Callable
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from telegram import Bot, Message, Update
from telegram.constants import ChatType
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_result,
    stop_after_attempt,
    wait_random_exponential,
)

from bot import i18n, outbox, redaction, replies, unit_of_work, voice
from bot.context import BotApp
from bot.people import identify
from bot.services import Services
from bot.unit_of_work import UnitOfWork
from storage.db import checkpoint
from storage.repositories import updates as updates_repo

log = logging.getLogger(__name__)

CONFLICT_ATTEMPTS = 4


def _scrub(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {key: _scrub(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_scrub(item) for item in value]
    return value


def _without_nul(update: Update, bot: Bot) -> Update:
    """The update without U+0000 in its texts. Such a character (from an unusual or forged
    client) is fine on SQLite, but PostgreSQL cannot store it in a text column: the update
    failed there with an apology."""
    if "\\u0000" not in update.to_json():
        return update
    return Update.de_json(_scrub(update.to_dict()), bot)


def _met_conflict(uow: UnitOfWork | None) -> bool:
    return uow is not None and uow.conflict


def _last_result(state: RetryCallState) -> UnitOfWork | None:
    """After the last attempt: its unit of work (still marked as a conflict)."""
    return state.outcome.result() if state.outcome is not None else None


class BotApplication(BotApp):
    """PTB's Application, with every update run as one unit of work."""

    async def process_update(self, update: object) -> None:
        if not isinstance(update, Update):
            await super().process_update(update)
            return
        await self.handle_update(update)

    async def handle_update(self, update: Update,
                            settled: Callable[[], None] | None = None) -> bool:
        """Run the update as one unit of work, then send its replies.

        `settled` is called as soon as what the update does is final: committed, skipped as
        a repeat, or rolled back on purpose (a failing handler, a lasting clash) with the
        apology still to be sent. From then on Telegram may be told the update arrived
        (bot.intake acknowledges it then), before the replies go out. Returns False, without
        calling `settled`, when the unit of work itself could not be completed (the database
        did not answer, say): nothing of it was kept, and the update should be tried again
        rather than acknowledged.
        """
        services: Services = self.bot_data["services"]
        update = _without_nul(update, self.bot)
        try:
            try:
                uow: UnitOfWork | None = await AsyncRetrying(
                    retry=retry_if_result(_met_conflict),
                    stop=stop_after_attempt(CONFLICT_ATTEMPTS),
                    wait=wait_random_exponential(multiplier=0.05, max=0.5),
                    retry_error_callback=_last_result)(self._unit_of_work, services, update)
            except Exception as err:  # nothing was committed: not settled, try it again
                # The type and place only: the message may hold SQL parameters.
                log.error("update %s could not be completed (%s); nothing was kept\n%s",
                          update.update_id, type(err).__name__,
                          "".join(traceback.format_tb(err.__traceback__)))
                return False
            if settled is not None:
                settled()
            await self._after_commit(services, update, uow)
        finally:
            for listener in list(services.update_done):
                listener(update.update_id)
        return True

    async def _after_commit(self, services: Services, update: Update,
                            uow: UnitOfWork | None) -> None:
        """The sender's replies (or the apology), then what follows a commit."""
        try:
            if uow is None:
                return
            if uow.conflict:
                log.error("update %s kept meeting concurrent changes", update.update_id)
                await self._apologise(update, uow)
                return
            sent = await replies.send_all(self.bot, uow.replies)
            # Fallbacks queued in the outbox for replies that did arrive (the offer of a new
            # family link, should the confirmation with the link be lost) are not needed.
            arrived = [reply.withdraws for reply, _answer in sent
                       if isinstance(reply, replies.SendText) and reply.withdraws is not None]
            if arrived:
                await outbox.withdraw_delivered(services.sessions, arrived)
            shown = [(reply.chat_id, answer.message_id, *reply.shown_case)
                     for reply, answer in sent
                     if isinstance(reply, replies.SendText) and reply.shown_case is not None
                     and isinstance(answer, Message)]
            if shown:  # case cards with the family's details: redacted later
                await redaction.record(services.sessions, shown)
            spoken = [(reply.voice, answer.voice.file_id) for reply, answer in sent
                      if isinstance(reply, replies.SendSpeech) and isinstance(answer, Message)
                      and answer.voice is not None]
            if spoken:  # syntheses Telegram now keeps: the next parent gets the file
                await voice.remember(services.sessions, spoken)
            if uow.erased and not uow.failed:
                # After the commit: the erased values leave SQLite's write-ahead log too.
                await checkpoint(services.engine)
            if uow.outbox_queued and services.relay is not None:
                asyncio.get_running_loop().create_task(services.relay.run_once())
        except Exception:  # never let one update stop the bot
            log.exception("update %s could not be completed", update.update_id)

    async def _unit_of_work(self, services: Services, update: Update) -> UnitOfWork | None:
        """One attempt: None when the update was handled before (a redelivery)."""
        async with services.sessions() as session:
            uow = UnitOfWork(session)
            token = unit_of_work.bind(uow)
            try:
                # A group or channel is only turned away (handlers.onboarding): nothing about
                # it is stored, not even the update's id; its sender is not looked up.
                chat = update.effective_chat
                private = chat is None or chat.type == ChatType.PRIVATE
                if private and not await updates_repo.claim(session, update.update_id):
                    log.info("update %s was handled before; skipped", update.update_id)
                    await session.rollback()
                    return None
                user = update.effective_user
                if user is not None and private:
                    if session.get_bind().dialect.name == "postgresql":
                        # One user's updates, one at a time, also across bot processes.
                        await session.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                                              {"key": user.id})
                    uow.person = await identify(session, user.id, user.language_code,
                                                services.settings.default_locale,
                                                user.first_name)
                    i18n.set_language(uow.person.language)
                await super().process_update(update)
                await self._finish(uow)
            finally:
                unit_of_work.unbind(token)
        return uow

    @staticmethod
    async def _finish(uow: UnitOfWork) -> None:
        """Commit, or roll back what a failing handler did; a clash means: run it again."""
        if uow.failed:
            await uow.session.rollback()
            return
        try:
            await uow.session.commit()
        except DBAPIError as err:
            if not unit_of_work.is_conflict(err):
                raise
            await uow.session.rollback()
            uow.conflict = True

    async def _apologise(self, update: Update, uow: UnitOfWork) -> None:
        if update.effective_chat is None:
            return
        with i18n.use_language(uow.person.language if uow.person else "nl"):
            apology = i18n.for_reader(i18n._(unit_of_work.APOLOGY))
        await replies.send_all(self.bot, [replies.SendText(update.effective_chat.id, apology)])
