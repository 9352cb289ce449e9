"""Webhook mode: Telegram posts each update; the bot answers 200 only once it is handled.

A small aiohttp server in place of python-telegram-bot's, which answered before handling.
Each post with the right secret token (Telegram's X-Telegram-Bot-Api-Secret-Token header;
anything else gets 403 and reaches nothing) goes to `bot.intake.Intake` and is answered when
its unit of work has committed: 200. Telegram treats any other answer, or none, as not
delivered, keeps the update and posts it again; the update id committed with its effects makes
that repeat change nothing. So:

- an update not settled within ANSWER_SECONDS (a database holding a lock, a retry after an
  outage) is answered 503 while it goes on: Telegram posts it again, and the repeat joins the
  update still in hand (or finds it done) instead of waiting past Telegram's patience;
- a post that arrives while the bot stops is answered 503 and comes again to the next process;
- a crash before the answer leaves the update with Telegram.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
from collections.abc import Sequence
from http import HTTPStatus
from json import JSONDecodeError
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Update
from telegram.error import InvalidToken

from bot.config import Settings
from bot.intake import MAX_BACKOFF_SECONDS, STOP_GRACE_SECONDS, Intake
from bot.updates import BotApplication

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ANSWER_SECONDS = 10.0
MAX_CONNECTIONS = 40  # what Telegram may open at once (its default, as PTB sets it)
MAX_BODY_BYTES = 1024 * 1024


class WebhookServer:
    """Serves `POST` on WEBHOOK_LISTEN:WEBHOOK_PORT at WEBHOOK_URL's path, and registers
    WEBHOOK_URL with Telegram with WEBHOOK_SECRET."""

    def __init__(self, application: BotApplication, settings: Settings,
                 allowed_updates: Sequence[str], *, intake: Intake | None = None,
                 grace: float = STOP_GRACE_SECONDS,
                 answer_seconds: float = ANSWER_SECONDS) -> None:
        if not (settings.webhook_url and settings.webhook_secret):
            raise ValueError("webhook mode needs WEBHOOK_URL and WEBHOOK_SECRET")
        self._application = application
        self._listen = settings.webhook_listen
        self.port = settings.webhook_port
        self._url = settings.webhook_url
        self._path = "/" + urlsplit(settings.webhook_url).path.lstrip("/")
        self._secret = settings.webhook_secret
        self._allowed = list(allowed_updates)
        self._grace = grace
        self._answer_seconds = answer_seconds
        self.intake = intake or Intake(application)
        self._runner: web.AppRunner | None = None
        self._ended: asyncio.Future[None] | None = None

    async def start(self) -> None:
        """Listen first, then tell Telegram where to post (trying until it answers)."""
        self._ended = asyncio.get_running_loop().create_future()
        app = web.Application(client_max_size=MAX_BODY_BYTES)
        app.router.add_post(self._path, self._post)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False,
                                     shutdown_timeout=self._grace)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._listen, self.port)
        await site.start()
        if self.port == 0 and isinstance(site._server, asyncio.Server):  # a free port (tests)
            self.port = site._server.sockets[0].getsockname()[1]
        log.info("webhook at %s:%s%s", self._listen, self.port, self._path)
        await self._register()

    async def _register(self) -> None:
        failures = 0
        while True:
            try:
                await self._application.bot.set_webhook(
                    url=self._url, allowed_updates=self._allowed, secret_token=self._secret,
                    max_connections=MAX_CONNECTIONS, drop_pending_updates=False)
                return
            except InvalidToken:
                log.error("Telegram does not know this bot token (TELEGRAM_BOT_TOKEN)")
                raise
            except Exception as err:
                failures += 1
                delay = min(MAX_BACKOFF_SECONDS, 2.0 ** (failures - 1))
                log.warning("setWebhook failed (%s); trying again in %.0fs",
                            type(err).__name__, delay)
                await asyncio.sleep(delay)

    async def ended(self) -> None:
        assert self._ended is not None, "start() first"
        await asyncio.shield(self._ended)

    async def stop(self) -> None:
        """Updates in hand finish and are answered (200, or 503 for those not handled);
        posts meanwhile get 503; then the server closes."""
        await self.intake.stop(self._grace)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._ended is not None and not self._ended.done():
            self._ended.set_result(None)

    async def _post(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self._secret.encode()):
            return web.Response(status=HTTPStatus.FORBIDDEN)
        try:
            data: Any = await request.json()
            update = Update.de_json(data, self._application.bot) if isinstance(data, dict) \
                else None
        except (JSONDecodeError, UnicodeDecodeError, ValueError, TypeError, KeyError):
            update = None
        if update is None:
            log.warning("a webhook post that is no update was refused")
            return web.Response(status=HTTPStatus.BAD_REQUEST)
        job = self.intake.submit(update)
        handled = False
        with contextlib.suppress(TimeoutError):
            handled = await asyncio.wait_for(asyncio.shield(job.confirmable),
                                             self._answer_seconds)
        if not job.confirmable.done():
            log.warning("update %s is not handled yet; Telegram will post it again",
                        update.update_id)
        return web.Response(status=HTTPStatus.OK if handled
                            else HTTPStatus.SERVICE_UNAVAILABLE)
