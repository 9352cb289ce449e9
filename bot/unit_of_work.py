"""One unit of work per update: one session, one transaction, replies sent after commit.

Replies to the sender are held back until the transaction has committed, so a user never
sees a confirmation for something that was then rolled back. Messages for anyone else go
through the outbox table, in the same transaction.
"""

from __future__ import annotations

from contextvars import ContextVar, Token
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import N_
from bot.people import Person

if TYPE_CHECKING:
    from bot.replies import Reply


@dataclass
class UnitOfWork:
    session: AsyncSession
    person: Person | None = None
    # Bot API calls for the sender, made once the transaction committed (bot.replies).
    replies: list[Reply] = field(default_factory=list)
    outbox_queued: int = 0
    # Personal data was erased: once committed, SQLite's write-ahead log is emptied too.
    erased: bool = False
    failed: bool = False
    # Another transaction changed the same rows at the same moment: run the update again.
    conflict: bool = False


# What the sender hears when their update could not be completed (nothing was kept).
APOLOGY = N_("Sorry, something went wrong on our side. Please try again.")

CONFLICT_SIGNS = ("deadlock detected", "could not serialize", "database is locked")


def is_conflict(error: BaseException | None) -> bool:
    """A clash with a concurrent transaction (another update, another bot process)."""
    if isinstance(error, IntegrityError):
        return True
    return isinstance(error, DBAPIError) and any(s in str(error.orig) for s in CONFLICT_SIGNS)


_current: ContextVar[UnitOfWork | None] = ContextVar("unit_of_work", default=None)


def current() -> UnitOfWork:
    uow = _current.get()
    if uow is None:
        raise RuntimeError("no unit of work: this code runs only inside an update")
    return uow


def current_or_none() -> UnitOfWork | None:
    """The unit of work of the update being handled, if any (jobs have none)."""
    return _current.get()


def bind(uow: UnitOfWork | None) -> Token[UnitOfWork | None]:
    return _current.set(uow)


def unbind(token: Token[UnitOfWork | None]) -> None:
    _current.reset(token)
