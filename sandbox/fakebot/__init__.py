"""A fake Telegram Bot API server and simulated users, for tests and the offline sandbox."""

from sandbox.fakebot.server import ApiError, Call, FakeBotApi, Fault, GroupChat
from sandbox.fakebot.users import FakeUser

__all__ = ["ApiError", "Call", "FakeBotApi", "FakeUser", "Fault", "GroupChat"]
