"""PostgreSQL databases for tests, when a server answers (TEST_POSTGRES_ADMIN_URL or local).

Migrating takes about half a second, so a session migrates one template database and every
test gets a clone of it (`CREATE DATABASE ... TEMPLATE ...`). Names carry a uuid: other test
runs (another worktree, CI) may use the same server at the same time.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from concurrent.futures import Future, ThreadPoolExecutor

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


def _url(name: str) -> str:
    base = ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    return f"{base}/{name}"


def create_database(template: str | None = None) -> str | None:
    """Create a uniquely named database, empty or a clone of the database at `template`;
    its SQLAlchemy URL, or None without a server.

    With TEST_POSTGRES_URL set, that one database is used as it is (nothing is created)."""
    if os.environ.get("TEST_POSTGRES_URL"):
        return os.environ["TEST_POSTGRES_URL"]
    name = f"bieb_test_{uuid.uuid4().hex[:12]}"
    sql = f'CREATE DATABASE "{name}"'
    if template is not None:
        sql += f' TEMPLATE "{template.rsplit("/", 1)[1]}"'
    if not asyncio.run(_admin(sql)):
        return None
    return _url(name)


def drop_database(url: str) -> None:
    if os.environ.get("TEST_POSTGRES_URL"):
        return
    name = url.rsplit("/", 1)[1]
    asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


class Clones:
    """Clones of a template database, each made in a background thread while the test before
    it runs (making one takes about 0.3 s); dropping happens there too."""

    def __init__(self, template: str) -> None:
        self.template = template
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pg-clones")
        self._next: Future[str | None] | None = None

    def take(self) -> str | None:
        """A fresh clone; the next one is started at once."""
        ready = self._next or self._worker.submit(create_database, self.template)
        self._next = self._worker.submit(create_database, self.template)
        return ready.result()

    def drop(self, url: str) -> None:
        self._worker.submit(drop_database, url)

    def close(self) -> None:
        """Drop the clone made in advance; wait for every drop."""
        if self._next is not None:
            url = self._next.result()
            if url is not None:
                drop_database(url)
        self._worker.shutdown(wait=True)


def available() -> bool:
    """Whether a PostgreSQL server answers at the admin URL."""
    return asyncio.run(_admin("SELECT 1"))


if __name__ == "__main__":
    # `python -m tests.postgres`: exit 0 when a server answers.
    raise SystemExit(0 if available() else 1)
