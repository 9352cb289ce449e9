"""A fake Telegram Bot API server and simulated users, for tests and the offline sandbox."""

from tests.fakebot.server import ApiError, Call, FakeBotApi, Fault
from tests.fakebot.users import FakeUser

__all__ = ["ApiError", "Call", "FakeBotApi", "FakeUser", "Fault"]
