"""How many SQL statements a parent's everyday update costs (issue 15): each is a round trip
to the database (on SQLite through aiosqlite's thread), so the count must not creep up.

The update id is recorded with one insert-or-ignore; who the sender is and whether their
parent record has cases come with one query (bot.people.identify), so a parent without a case
costs no reads of cases; a sender that query found in no flow is not looked up again
(storage.repositories.flows)."""

from __future__ import annotations

from sqlalchemy import event

from tests.test_parent import parent_with_menu

QUESTION = "When is the library open?"
# Statements per update on SQLite; PostgreSQL adds one: the per-user advisory lock.
BUDGET = {"question": 3, "menu button": 2, "👍": 4, "village": 2}


def _recording(bot) -> list[str]:
    """The statements run from now on, except the outbox relay's look for due messages (its
    clock job runs beside the updates; nothing was queued)."""
    statements: list[str] = []

    def record(_conn, _cursor, statement: str, *_rest) -> None:
        if not statement.lstrip().startswith("SELECT outbox."):
            statements.append(" ".join(statement.split()))

    event.listen(bot.services.engine.sync_engine, "before_cursor_execute", record)
    return statements


async def test_a_parents_everyday_updates_cost_few_statements(bot, figures):
    parent = await parent_with_menu(bot, "en")
    await parent.send(QUESTION)  # the first question also makes the parent's data key
    extra = 1 if bot.services.engine.dialect.name == "postgresql" else 0
    statements = _recording(bot)
    counts: dict[str, int] = {}
    seen: dict[str, list[str]] = {}
    for action in BUDGET:
        await parent.send(QUESTION)
        statements.clear()
        if action == "question":
            await parent.send(QUESTION)
        elif action == "menu button":
            await parent.send(parent.keyboard()[0])
        elif action == "👍":
            await parent.press("👍")
        else:
            await parent.press("📍 Dalfsen")
        counts[action], seen[action] = len(statements), list(statements)
    for action, budget in BUDGET.items():
        assert counts[action] <= budget + extra, (action, seen[action])
    # No case: the parent's cases are not asked about again.
    everything = [s for statements in seen.values() for s in statements]
    assert not any(s.startswith("SELECT cases") for s in everything)
    figures(f"[statements] {bot.services.engine.dialect.name}: {counts}")
