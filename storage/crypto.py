"""Encryption at rest: personal fields are sealed with AES-GCM under a data key per parent, per
case (or per flow, per message to staff), and each data key is stored wrapped (Fernet) by
the installation's master key in the `data_keys` table.

Destroying a data key (deleting its row) makes every value sealed under it unreadable
wherever a copy lies: the database file, its write-ahead log, a backup (backups are written
without the data keys, see `bieb-bot backup`). That is how erasure and anonymisation work
(crypto-shredding), besides clearing the fields.

The master key is one or more Fernet keys (`MultiFernet`): the first wraps new keys, all of
them unwrap, so a rotation can re-wrap the data keys while the old master key still reads.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from collections.abc import Sequence
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

# A sealed text starts with this; anything else is a value written before encryption.
PREFIX = "v1."
# A sealed JSON value (a dict column) is stored as {SEALED_KEY: "<sealed text>"}.
SEALED_KEY = "sealed"
NONCE_BYTES = 12
DATA_KEY_BYTES = 32


class KeyError_(Exception):
    """The master key is missing or cannot unwrap a data key."""


class _Master:
    fernet: MultiFernet | None = None


_master = _Master()


def new_master_key() -> bytes:
    return Fernet.generate_key()


def configure(master_keys: Sequence[bytes]) -> None:
    """Set the master key(s) for this process: the first wraps, every one unwraps."""
    if not master_keys:
        raise KeyError_("no master key")
    _master.fernet = MultiFernet([Fernet(k) for k in master_keys])
    _cache.clear()


def check_master_key(key: bytes) -> None:
    """Raises ValueError unless `key` is a Fernet key."""
    Fernet(key)


def configured() -> bool:
    return _master.fernet is not None


def _fernet() -> MultiFernet:
    if _master.fernet is None:
        raise KeyError_("the master key is not configured (MASTER_KEY or MASTER_KEY_FILE)")
    return _master.fernet


def new_key_id() -> str:
    return secrets.token_hex(16)


def new_data_key() -> tuple[bytes, str]:
    """A fresh data key and its wrapped form (for the data_keys table)."""
    raw = AESGCM.generate_key(bit_length=DATA_KEY_BYTES * 8)
    wrapped = _fernet().encrypt(raw).decode("ascii")
    _remember(wrapped, raw)
    return raw, wrapped


def unwrap(wrapped: str) -> bytes:
    """The data key inside a wrapped one (cached: unwrapping costs an HMAC and AES)."""
    raw = _cache.get(wrapped)
    if raw is None:
        try:
            raw = _fernet().decrypt(wrapped.encode("ascii"))
        except InvalidToken:
            raise KeyError_("a data key does not open with the master key") from None
        _remember(wrapped, raw)
    return raw


# Unwrapped data keys by their wrapped form. A destroyed key's row is gone, so nothing looks
# it up again; the cache only saves the unwrapping of keys still in use.
_cache: dict[str, bytes] = {}
CACHE_SIZE = 4096


def _remember(wrapped: str, raw: bytes) -> None:
    if len(_cache) >= CACHE_SIZE:
        _cache.clear()
    _cache[wrapped] = raw


def forget_cached() -> None:
    _cache.clear()


def rewrap(wrapped: str) -> str:
    """The same data key wrapped by the current (first) master key."""
    return _fernet().rotate(wrapped.encode("ascii")).decode("ascii")


def seal_text(key: bytes, value: str, context: str = "") -> str:
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(key).encrypt(nonce, value.encode("utf-8"), context.encode("utf-8"))
    return PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")


def open_text(key: bytes, token: str, context: str = "") -> str:
    blob = base64.urlsafe_b64decode(token[len(PREFIX):].encode("ascii"))
    try:
        plain = AESGCM(key).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:],
                                    context.encode("utf-8"))
    except InvalidTag:
        raise KeyError_("a sealed value does not open with its data key") from None
    return plain.decode("utf-8")


def is_sealed(token: str) -> bool:
    return token.startswith(PREFIX)


def seal_json(key: bytes, value: dict[str, Any], context: str = "") -> dict[str, Any]:
    return {SEALED_KEY: seal_text(key, json.dumps(value, ensure_ascii=False), context)}


def open_json(key: bytes, stored: dict[str, Any], context: str = "") -> dict[str, Any]:
    value: dict[str, Any] = json.loads(open_text(key, str(stored[SEALED_KEY]), context))
    return value


def is_sealed_json(stored: dict[str, Any] | None) -> bool:
    return bool(stored) and set(stored or {}) == {SEALED_KEY}
