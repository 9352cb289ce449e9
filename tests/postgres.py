"""A fresh PostgreSQL database for tests, when a server answers (TEST_POSTGRES_URL or local)."""

from __future__ import annotations

import asyncio
import os
import uuid

ADMIN_URL = os.environ.get("TEST_POSTGRES_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


async def _admin(sql: str) -> bool:
    import asyncpg

    try:
        connection = await asyncpg.connect(ADMIN_URL, timeout=2)
    except (TimeoutError, OSError, asyncpg.PostgresError):
        return False
    try:
        await connection.execute(sql)
    finally:
        await connection.close()
    return True


def create_database() -> str | None:
    """Create a uniquely named database; its SQLAlchemy URL, or None without a server."""
    if os.environ.get("TEST_POSTGRES_URL"):
        return os.environ["TEST_POSTGRES_URL"]
    name = f"bieb_test_{uuid.uuid4().hex[:10]}"
    if not asyncio.run(_admin(f'CREATE DATABASE "{name}"')):
        return None
    base = ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    return f"{base}/{name}"


def drop_database(url: str) -> None:
    if os.environ.get("TEST_POSTGRES_URL"):
        return
    name = url.rsplit("/", 1)[1]
    asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def available() -> bool:
    """Whether a PostgreSQL server answers at the admin URL."""
    return asyncio.run(_admin("SELECT 1"))


if __name__ == "__main__":
    # `python -m tests.postgres`: exit 0 when a server answers (used by `make test`).
    raise SystemExit(0 if available() else 1)
