"""A fake LibreTranslate server on 127.0.0.1 for the tests: GET /languages, POST /translate.

It "translates" by putting the target language in front of the text (`[nl] ...`), keeps
every request it got, and can be told to fail: `mode` "ok", "500", "slow" (answers after
`delay` seconds), "garbage" (an answer that is not JSON) or "no_text" (JSON without the
translation). `stop()` takes it away altogether (connection refused).
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

# What the fake offers: every source to every other one of these. Not Turkish, to have a
# language it does not support.
OFFERED = ("nl", "en", "ar", "ti", "so", "fa", "pl", "uk")


def fake_translation(text: str, target: str) -> str:
    return f"[{target}] {text}"


class FakeTranslate:
    def __init__(self, api_key: str | None = None) -> None:
        self.api_key = api_key
        self.mode = "ok"
        self.delay = 0.0
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self._runner: web.AppRunner | None = None
        self.port: int | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def translated(self) -> list[dict[str, Any]]:
        """The bodies of every POST /translate."""
        return [body for path, body in self.requests if path == "/translate"]

    async def start(self) -> str:
        app = web.Application()
        app.router.add_get("/languages", self._languages)
        app.router.add_post("/translate", self._translate)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False,
                                     shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port or 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _fail_or_wait(self) -> web.Response | None:
        if self.mode == "500":
            return web.json_response({"error": "Internal Server Error"}, status=500)
        if self.mode == "slow":
            await asyncio.sleep(self.delay)
        if self.mode == "garbage":
            return web.Response(text="<html>Bad gateway</html>", content_type="text/html")
        return None

    async def _languages(self, request: web.Request) -> web.Response:
        self.requests.append(("/languages", {}))
        failed = await self._fail_or_wait()
        if failed is not None:
            return failed
        return web.json_response([
            {"code": code, "name": code, "targets": [t for t in OFFERED if t != code]}
            for code in OFFERED])

    async def _translate(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.requests.append(("/translate", body))
        failed = await self._fail_or_wait()
        if failed is not None:
            return failed
        if self.api_key is not None and body.get("api_key") != self.api_key:
            return web.json_response({"error": "Invalid API key"}, status=403)
        if body.get("source") not in OFFERED or body.get("target") not in OFFERED:
            return web.json_response({"error": "language not supported"}, status=400)
        if body.get("format") != "text":
            return web.json_response({"error": "format"}, status=400)
        if self.mode == "no_text":
            return web.json_response({"detectedLanguage": body.get("source")})
        return web.json_response(
            {"translatedText": fake_translation(body["q"], body["target"])})
