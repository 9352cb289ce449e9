"""The health check: `GET /healthz` beside the webhook, and `bieb-bot health` that asks it.

200 with a short JSON when the database answers `SELECT 1` and Telegram answers `getMe`
(each with a short timeout, the result kept a few seconds so a busy prober costs nothing);
503 otherwise, saying which part failed. It listens on WEBHOOK_LISTEN:HEALTH_PORT (8081), its
own small port, so the proxy that forwards the webhook need not expose it. Plain asyncio:
the server reads one request line and its headers, answers and closes.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from telegram.request import HTTPXRequest

from bot.config import Settings
from bot.context import BotApp
from storage.db import create_engine

log = logging.getLogger(__name__)

PATH = "/healthz"
TIMEOUT_SECONDS = 3.0
CACHE_SECONDS = 5.0
REQUEST_TIMEOUT_SECONDS = 5.0  # a client must send its request within this long
MAX_HEADER_LINES = 100
REQUEST_LINE_PARTS = 3


@dataclass(frozen=True)
class Health:
    """What one check found: "ok" or a short reason per part."""

    database: str
    telegram: str

    @property
    def ok(self) -> bool:
        return self.database == "ok" and self.telegram == "ok"

    def as_dict(self) -> dict[str, str]:
        return {"status": "ok" if self.ok else "failing",
                "database": self.database, "telegram": self.telegram}


def _reason(err: BaseException) -> str:
    """A short reason; never the error's text, which may carry a URL with the bot token."""
    if isinstance(err, TimeoutError):
        return "timed out"
    return f"failed ({type(err).__name__})"


class HealthCheck:
    """Asks the database and the Bot API; one answer is reused for `cache_seconds`."""

    def __init__(self, database_url: str, token: str, api_base_url: str, *,
                 cache_seconds: float = CACHE_SECONDS,
                 timeout: float = TIMEOUT_SECONDS) -> None:
        self._database_url = database_url
        self._get_me_url = f"{api_base_url}{token}/getMe"
        self._cache_seconds = cache_seconds
        self._timeout = timeout
        self._engine: AsyncEngine | None = None
        self._request = HTTPXRequest(connection_pool_size=2, connect_timeout=timeout,
                                     read_timeout=timeout, write_timeout=timeout,
                                     pool_timeout=timeout)
        self._last: tuple[float, Health] | None = None
        self._lock = asyncio.Lock()

    @classmethod
    def from_settings(cls, settings: Settings, **kwargs: Any) -> HealthCheck:
        return cls(settings.database_url, settings.telegram_bot_token or "",
                   settings.bot_api_base_url, **kwargs)

    async def check(self) -> Health:
        async with self._lock:
            now = time.monotonic()
            if self._last is not None and now - self._last[0] < self._cache_seconds:
                return self._last[1]
            database, telegram = await asyncio.gather(self._database(), self._telegram())
            health = Health(database, telegram)
            if not health.ok:
                log.warning("health check failing: database %s, telegram %s", database, telegram)
            self._last = (time.monotonic(), health)
            return health

    async def _database(self) -> str:
        try:
            async with asyncio.timeout(self._timeout):
                if self._engine is None:
                    self._engine = create_engine(self._database_url)
                async with self._engine.connect() as connection:
                    await connection.execute(text("SELECT 1"))
        except Exception as err:
            return _reason(err)
        return "ok"

    async def _telegram(self) -> str:
        try:
            async with asyncio.timeout(self._timeout + 1):
                await self._request.post(self._get_me_url)
        except Exception as err:
            return _reason(err)
        return "ok"

    async def close(self) -> None:
        await self._request.shutdown()
        if self._engine is not None:
            await self._engine.dispose()


class HealthServer:
    """A tiny HTTP server for `GET /healthz` (and HEAD); everything else gets 404 or 405."""

    def __init__(self, check: HealthCheck, host: str, port: int) -> None:
        self.check = check
        self.host = host
        self.port = port
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]  # the real one when port was 0
        log.info("health check at http://%s:%s%s", self.host, self.port, PATH)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        await self.check.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            async with asyncio.timeout(REQUEST_TIMEOUT_SECONDS):
                request_line = (await reader.readline()).decode("latin-1")
                for _ in range(MAX_HEADER_LINES):
                    if (await reader.readline()) in (b"\r\n", b"\n", b""):
                        break
            parts = request_line.split()
            status: HTTPStatus
            body: dict[str, Any]
            if len(parts) != REQUEST_LINE_PARTS:  # method, path, version
                status, body = HTTPStatus.BAD_REQUEST, {"status": "bad request"}
            elif parts[1].split("?", 1)[0] != PATH:
                status, body = HTTPStatus.NOT_FOUND, {"status": "not found", "try": PATH}
            elif parts[0] not in ("GET", "HEAD"):
                status, body = HTTPStatus.METHOD_NOT_ALLOWED, {"status": "method not allowed"}
            else:
                health = await self.check.check()
                status = HTTPStatus.OK if health.ok else HTTPStatus.SERVICE_UNAVAILABLE
                body = health.as_dict()
            payload = json.dumps(body).encode() + b"\n"
            head = (f"HTTP/1.1 {status.value} {status.phrase}\r\nContent-Type: application/json\r\n"
                    f"Content-Length: {len(payload)}\r\nCache-Control: no-store\r\n"
                    "Connection: close\r\n\r\n").encode()
            writer.write(head if parts and parts[0] == "HEAD" else head + payload)
            await writer.drain()
        except (TimeoutError, ValueError, ConnectionError):
            pass  # a client that said nothing in time, sent nonsense, or went away
        finally:
            writer.close()


def attach(application: BotApp, settings: Settings) -> HealthServer | None:
    """Serve /healthz while the application runs (its post_init and post_shutdown, chained
    after the application's own); HEALTH_PORT=0 turns it off."""
    if not settings.health_port:
        return None
    server = HealthServer(HealthCheck.from_settings(settings), settings.webhook_listen,
                          settings.health_port)
    post_init, post_shutdown = application.post_init, application.post_shutdown

    async def start(app: BotApp) -> None:
        if post_init is not None:
            await post_init(app)
        try:
            await server.start()
        except OSError as err:  # e.g. a second process on one machine without its own port
            log.error("no health check: cannot listen on %s:%s (%s); set HEALTH_PORT",
                      server.host, server.port, err.strerror or err)

    async def stop(app: BotApp) -> None:
        await server.stop()
        if post_shutdown is not None:
            await post_shutdown(app)

    application.post_init = start
    application.post_shutdown = stop
    return server


def probe_url(settings: Settings) -> str:
    """Where `bieb-bot health` asks: the running bot's health port on this machine."""
    host = settings.webhook_listen
    if host in ("", "0.0.0.0", "::"):
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{settings.health_port}{PATH}"


def probe(settings: Settings, timeout: float = 10.0) -> tuple[bool, str]:
    """Ask the running bot's /healthz (for a container's health check: no curl needed)."""
    url = probe_url(settings)
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status == HTTPStatus.OK, response.read().decode().strip()
    except urllib.error.HTTPError as err:
        return False, err.read().decode().strip()
    except (urllib.error.URLError, OSError) as err:
        reason = getattr(err, "reason", err)
        return False, f"no answer at {url}: {reason}"
