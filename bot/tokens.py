"""Random link tokens: at least 128 bits, URL-safe, stored only as a hash."""

from __future__ import annotations

import hashlib
import io
import secrets

import segno

INVITE_PREFIX = "i"
FAMILY_PREFIX = "f"


def new_token(prefix: str) -> str:
    """`prefix` + `_` + 32 URL-safe characters (192 bits): fits Telegram's 64-char start."""
    return f"{prefix}_{secrets.token_urlsafe(24)}"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def qr_png(url: str) -> bytes:
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=8, border=4)
    return buffer.getvalue()


def deep_link(bot_username: str, payload: str) -> str:
    return f"https://t.me/{bot_username}?start={payload}"
