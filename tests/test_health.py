"""GET /healthz: 200 while the database and the (fake) Bot API answer, 503 naming the part
that does not; `bieb-bot health` asks it. Real HTTP on 127.0.0.1 throughout."""

from __future__ import annotations

import asyncio
import json
import socket

import aiohttp
import pytest

from bot import health
from bot.config import load_settings
from bot.health import HealthCheck, HealthServer
from sandbox.fakebot import FakeBotApi


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def get(port: int, path: str = "/healthz", method: str = "GET") -> tuple[int, dict]:
    async with aiohttp.ClientSession() as session, session.request(
            method, f"http://127.0.0.1:{port}{path}") as response:
        return response.status, json.loads(await response.text() or "{}")


@pytest.fixture
async def api():
    server = FakeBotApi()
    await server.start()
    yield server
    await server.stop()


async def serve(api: FakeBotApi, database_url: str, **kwargs) -> HealthServer:
    check = HealthCheck(database_url, api.token, f"{api.api_url}/bot", **kwargs)
    server = HealthServer(check, "127.0.0.1", 0)
    await server.start()
    return server


async def test_healthy_then_503_when_the_bot_api_stops(api, database_url):
    server = await serve(api, database_url, cache_seconds=0)
    try:
        assert await get(server.port) == (200, {"status": "ok", "database": "ok",
                                                 "telegram": "ok"})
        assert api.calls_to("getMe")
        await api.stop()
        status, body = await get(server.port)
        assert status == 503
        assert body["status"] == "failing" and body["database"] == "ok"
        assert body["telegram"] != "ok"
        assert api.token not in json.dumps(body)
    finally:
        await server.stop()


async def test_503_when_the_database_is_unreachable(api):
    nobody = f"postgresql+asyncpg://bieb@127.0.0.1:{free_port()}/bieb"
    server = await serve(api, nobody, cache_seconds=0, timeout=2)
    try:
        status, body = await get(server.port)
        assert status == 503
        assert body["database"] != "ok" and body["telegram"] == "ok"
    finally:
        await server.stop()


async def test_answers_are_kept_a_few_seconds(api, database_url):
    server = await serve(api, database_url, cache_seconds=60)
    try:
        for _ in range(5):
            assert (await get(server.port))[0] == 200
        assert len(api.calls_to("getMe")) == 1
    finally:
        await server.stop()


async def test_other_paths_and_methods(api, database_url):
    server = await serve(api, database_url)
    try:
        assert (await get(server.port, "/"))[0] == 404
        assert (await get(server.port, "/healthz", "POST"))[0] == 405
        assert (await get(server.port, "/healthz?verbose=1"))[0] == 200
        async with aiohttp.ClientSession() as session, session.head(
                f"http://127.0.0.1:{server.port}/healthz") as response:
            assert response.status == 200
    finally:
        await server.stop()


async def test_the_health_command_asks_the_endpoint(api, database_url):
    server = await serve(api, database_url, cache_seconds=0)
    settings = load_settings(_env_file=None, database_url=database_url,
                             webhook_listen="0.0.0.0", health_port=server.port)
    assert health.probe_url(settings) == f"http://127.0.0.1:{server.port}/healthz"
    try:
        # probe() blocks (urllib, as in the container); the server runs on this loop
        healthy, answer = await asyncio.to_thread(health.probe, settings)
        assert healthy and json.loads(answer)["status"] == "ok"
        await api.stop()
        healthy, answer = await asyncio.to_thread(health.probe, settings)
        assert not healthy and json.loads(answer)["telegram"] != "ok"
    finally:
        await server.stop()
    healthy, answer = health.probe(settings)
    assert not healthy and answer.startswith("no answer at")
