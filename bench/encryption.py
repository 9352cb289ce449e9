"""What sealing personal fields costs: N cases written and read back through the ORM on a
SQLite file, with the personal fields filled (sealed under a case key) and without them
(nothing to seal), and N bare seal+open calls. Reported as times and a ratio, not asserted.

    .venv/bin/python bench/encryption.py [N]
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from storage import crypto  # noqa: E402
from storage.db import create_engine, create_session_factory, migrate  # noqa: E402
from storage.models import Case  # noqa: E402


async def cases(url: str, n: int, personal: bool) -> float:
    engine = create_engine(url)
    sessions = create_session_factory(engine)
    start = time.perf_counter()
    for i in range(n):  # one unit of work per case, as one referral submit
        async with sessions() as session, session.begin():
            case = Case(reference=f"{personal:d}-{i}", source="partner", status="new")
            if personal:
                case.phone, case.note = "+31612345678", "Moeder spreekt wat Engels."
                case.need_other = "hulp bij formulieren"
            session.add(case)
    async with sessions() as session:
        for case in await session.scalars(select(Case)):
            _ = (case.phone, case.note, case.need_other)
    elapsed = time.perf_counter() - start
    await engine.dispose()
    return elapsed


def calls(n: int) -> tuple[float, float]:
    key = crypto.unwrap(crypto.new_data_key()[1])
    start = time.perf_counter()
    for _ in range(n):
        crypto.open_text(key, crypto.seal_text(key, "+31612345678", "cases.phone"), "cases.phone")
    sealed = time.perf_counter() - start
    start = time.perf_counter()
    for _ in range(n):
        _ = b"+31612345678".decode()
    return sealed, time.perf_counter() - start


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    crypto.configure([crypto.new_master_key()])
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{folder}/bench.sqlite3"
        migrate(url)
        plain = asyncio.run(cases(url, n, personal=False))
        sealed = asyncio.run(cases(url, n, personal=True))
    print(f"{n} cases written and read: {plain * 1000 / n:.2f} ms each without personal "
          f"fields, {sealed * 1000 / n:.2f} ms with three sealed ones: ratio {sealed / plain:.2f}")
    seal_open, copy = calls(n * 10)
    print(f"{n * 10} seal+open calls: {seal_open * 1e6 / (n * 10):.1f} µs each "
          f"(a plain copy: {copy * 1e6 / (n * 10):.2f} µs)")


if __name__ == "__main__":
    main()
