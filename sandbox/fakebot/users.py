"""Simulated Telegram users: they type, tap buttons, share contacts and read what the bot sent."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from sandbox.fakebot.server import FakeBotApi, GroupChat

Settle = Callable[[int], Awaitable[None]]


class ButtonNotFound(AssertionError):
    pass


async def settle_by_quiet(server: FakeBotApi, update_id: int, quiet: float = 0.3,
                          timeout: float = 10.0) -> None:
    """Default wait: the update was fetched, then the bot stayed quiet for `quiet` seconds."""
    deadline = time.monotonic() + timeout
    while update_id not in server.delivered and time.monotonic() < deadline:
        await server.wait_for_activity(0.05)  # every request the bot makes wakes this
    while time.monotonic() < deadline:
        if not await server.wait_for_activity(quiet):
            return


class FakeUser:
    """One person with a Telegram account, talking to the bot in a private chat."""

    def __init__(self, server: FakeBotApi, user_id: int, first_name: str = "Test",
                 language_code: str | None = "nl", username: str | None = None,
                 settle: Settle | None = None) -> None:
        self.server = server
        self.id = user_id
        self.account = server.add_user(user_id, first_name, language_code, username)
        self._settle = settle or (lambda update_id: settle_by_quiet(server, update_id))

    # ---- what the user does -------------------------------------------------------------
    def _base_message(self) -> dict[str, Any]:
        self.account.started = True
        return {
            "message_id": self.server.next_message_id(self.id),
            "from": self.account.as_user(),
            "chat": self.account.as_chat(),
            "date": int(time.time()),
        }

    async def _send_message(self, message: dict[str, Any]) -> list[dict[str, Any]]:
        self.server.record_user_message(self.id, message)
        before = len(self.server.bot_messages(self.id))
        update_id = self.server.push_update({"message": message})
        await self._settle(update_id)
        return self.server.bot_messages(self.id)[before:]

    async def send(self, text: str) -> list[dict[str, Any]]:
        """Type a text; a leading /command carries the bot_command entity Telegram adds."""
        message = {**self._base_message(), "text": text}
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            message["entities"] = [{"type": "bot_command", "offset": 0,
                                    "length": len(command.encode("utf-16-le")) // 2}]
        return await self._send_message(message)

    async def press(self, label: str, *, exact: bool = True) -> list[dict[str, Any]]:
        """Tap the inline button with this label on the newest message that shows it."""
        message, button = self.find_button(label, exact=exact)
        return await self.press_data(button["callback_data"], message)

    async def press_data(self, data: str, message: dict[str, Any] | None = None
                         ) -> list[dict[str, Any]]:
        """Send a callback query with arbitrary data (also forged data)."""
        if message is None:
            messages = self.server.bot_messages(self.id)
            message = messages[-1] if messages else {
                "message_id": 999_999, "chat": self.account.as_chat(), "date": int(time.time()),
                "from": {"id": self.server.bot_id, "is_bot": True, "first_name": "Bieb"}}
        query_id = f"{self.id}-{len(self.server.callback_queries) + 1}"
        query = {"id": query_id, "from": self.account.as_user(), "chat_instance": str(self.id),
                 "message": {k: v for k, v in message.items() if k != "reply_markup_sent"},
                 "data": data}
        self.server.callback_queries[query_id] = {"answered": False}
        before = len(self.server.bot_messages(self.id))
        update_id = self.server.push_update({"callback_query": query})
        await self._settle(update_id)
        return self.server.bot_messages(self.id)[before:]

    def callback_answer(self) -> str | None:
        """The toast text of the last answered callback query of this user."""
        for query_id in reversed(list(self.server.callback_queries)):
            if query_id.startswith(f"{self.id}-"):
                return self.server.callback_queries[query_id].get("answer")
        return None

    async def share_contact(self, phone: str, *, own: bool = True) -> list[dict[str, Any]]:
        contact: dict[str, Any] = {"phone_number": phone, "first_name": self.account.first_name}
        if own:
            contact["user_id"] = self.id
        return await self._send_message({**self._base_message(), "contact": contact})

    async def send_sticker(self) -> list[dict[str, Any]]:
        sticker = {"file_id": "sticker-1", "file_unique_id": "s1", "width": 512, "height": 512,
                   "is_animated": False, "is_video": False, "type": "regular", "emoji": "😀"}
        return await self._send_message({**self._base_message(), "sticker": sticker})

    async def send_photo(self, content: bytes = b"\x89PNG fake photo",
                         caption: str | None = None) -> list[dict[str, Any]]:
        stored = self.server.store_file(content, "jpg")
        message = {**self._base_message(), "photo": [
            {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
             "width": 800, "height": 600, "file_size": len(content)}]}
        if caption:
            message["caption"] = caption
        return await self._send_message(message)

    async def send_document(self, content: bytes = b"%PDF-1.4 fake", file_name: str = "tips.pdf",
                            mime_type: str = "application/pdf", caption: str | None = None
                            ) -> list[dict[str, Any]]:
        stored = self.server.store_file(content, file_name.rsplit(".", 1)[-1], file_name)
        document = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
                    "file_name": file_name, "mime_type": mime_type, "file_size": len(content)}
        message = {**self._base_message(), "document": document}
        if caption:
            message["caption"] = caption
        return await self._send_message(message)

    async def send_voice(self, content: bytes = b"OggS fake voice", duration: int = 3
                         ) -> list[dict[str, Any]]:
        stored = self.server.store_file(content, "ogg")
        voice = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
                 "duration": duration, "mime_type": "audio/ogg", "file_size": len(content)}
        return await self._send_message({**self._base_message(), "voice": voice})

    async def send_location(self, latitude: float = 52.5, longitude: float = 6.26
                            ) -> list[dict[str, Any]]:
        location = {"latitude": latitude, "longitude": longitude}
        return await self._send_message({**self._base_message(), "location": location})

    async def add_bot_to(self, group: GroupChat) -> list[dict[str, Any]]:
        """Add the bot to a group: Telegram sends a my_chat_member update and a service
        message; returns what the bot then sent to the group."""
        group.bot_member = True
        before = len(self.server.bot_messages(group.id))
        bot = self.server._bot_user()
        change = {"chat": group.as_chat(), "from": self.account.as_user(),
                  "date": int(time.time()),
                  "old_chat_member": {"user": bot, "status": "left"},
                  "new_chat_member": {"user": bot, "status": "member"}}
        self.server.push_update({"my_chat_member": change})
        service = {"message_id": self.server.next_message_id(group.id),
                   "from": self.account.as_user(), "chat": group.as_chat(),
                   "date": int(time.time()), "new_chat_members": [bot]}
        await self._settle(self.server.push_update({"message": service}))
        return self.server.bot_messages(group.id)[before:]

    async def send_in(self, group: GroupChat, text: str) -> list[dict[str, Any]]:
        """Write in a group the bot is (or was) in; returns what the bot sent there."""
        before = len(self.server.bot_messages(group.id))
        message = {"message_id": self.server.next_message_id(group.id),
                   "from": self.account.as_user(), "chat": group.as_chat(),
                   "date": int(time.time()), "text": text}
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0,
                                    "length": len(text.split(maxsplit=1)[0])}]
        self.server.record_user_message(group.id, message)
        await self._settle(self.server.push_update({"message": message}))
        return self.server.bot_messages(group.id)[before:]

    def block(self) -> None:
        self.account.blocked = True

    # ---- what the user sees -------------------------------------------------------------
    @property
    def inbox(self) -> list[dict[str, Any]]:
        return self.server.bot_messages(self.id)

    @property
    def last(self) -> dict[str, Any]:
        assert self.inbox, f"the bot sent nothing to user {self.id}"
        return self.inbox[-1]

    @property
    def last_text(self) -> str:
        message = self.last
        return message.get("text") or message.get("caption") or ""

    def texts(self) -> list[str]:
        return [m.get("text") or m.get("caption") or "" for m in self.inbox]

    def buttons(self, message: dict[str, Any] | None = None) -> list[str]:
        """Labels of the inline buttons on a message (the newest one by default)."""
        message = message or self.last
        rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
        return [button["text"] for row in rows for button in row]

    def keyboard(self) -> list[str]:
        """Labels of the reply keyboard the user currently sees (None removes it)."""
        for message in reversed(self.inbox):
            markup = message.get("reply_markup_sent") or {}
            if markup.get("remove_keyboard"):
                return []
            if "keyboard" in markup:
                return [b if isinstance(b, str) else b["text"]
                        for row in markup["keyboard"] for b in row]
        return []

    def find_button(self, label: str, *, exact: bool = True) -> tuple[dict[str, Any], dict[str, Any]]:
        for message in reversed(self.inbox):
            rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
            for row in rows:
                for button in row:
                    text = button.get("text", "")
                    if ((text == label) if exact else (label in text)) and (
                            "callback_data" in button):
                        return message, button
        shown = [self.buttons(m) for m in self.inbox[-3:]]
        raise ButtonNotFound(f"no button {label!r}; newest buttons: {shown}")
