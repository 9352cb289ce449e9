"""Button data: `namespace:action:arg...`, ids and codes only, at most 64 bytes.

Never put personal data here: Telegram stores button data with the message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_BYTES = 64
_PART = re.compile(r"^[A-Za-z0-9_.-]{1,40}$")


class CallbackDataError(ValueError):
    pass


@dataclass(frozen=True)
class Callback:
    namespace: str
    action: str
    args: tuple[str, ...] = ()

    def arg(self, index: int, default: str | None = None) -> str | None:
        return self.args[index] if index < len(self.args) else default

    def int_arg(self, index: int) -> int | None:
        value = self.arg(index)
        if value is None or not value.isdigit() or len(value) > 18:
            return None
        return int(value)


def encode(namespace: str, action: str, *args: object) -> str:
    parts = [namespace, action, *(str(a) for a in args)]
    for part in parts:
        if not _PART.match(part):
            raise CallbackDataError(f"bad callback part {part!r}")
    data = ":".join(parts)
    if len(data.encode("utf-8")) > MAX_BYTES:
        raise CallbackDataError("callback data over 64 bytes")
    return data


def decode(data: str | None) -> Callback | None:
    """Parse button data; None for anything malformed (forged data is simply not ours)."""
    if not data or len(data.encode("utf-8")) > MAX_BYTES:
        return None
    parts = data.split(":")
    if len(parts) < 2 or not all(_PART.match(p) for p in parts):
        return None
    return Callback(parts[0], parts[1], tuple(parts[2:]))
