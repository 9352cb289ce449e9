"""The installation's master key: it wraps the data keys that seal personal fields.

MASTER_KEY (one Fernet key, or several separated by commas: the first is current) wins;
else MASTER_KEY_FILE (default data/master.key, one key a line, the first current). Without
either, the first start makes the file, readable by its owner only, and says once to back it
up: without it nothing sealed in the database (or a backup of it) can be read.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from bot.config import ConfigError, Settings
from storage import crypto

log = logging.getLogger(__name__)

BACKUP_HINT = ("back it up together with the database, stored apart from the database "
               "backups: without it nothing personal in them can be read")


def _parse(text: str, origin: str) -> list[bytes]:
    keys = [k.strip().encode("ascii") for k in text.replace(",", "\n").splitlines()
            if k.strip()]
    if not keys:
        raise ConfigError(f"{origin}: no key in it")
    for key in keys:
        try:
            crypto.check_master_key(key)
        except ValueError:
            raise ConfigError(f"{origin}: not a master key (32 url-safe base64 bytes, as "
                              "bieb-bot rotate-key writes)") from None
    return keys


def _write_temporary(path: Path, keys: list[bytes]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f"{path.name}.{os.getpid()}.new")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write("".join(k.decode("ascii") + "\n" for k in keys))
        handle.flush()
        os.fsync(handle.fileno())
    os.chmod(temporary, 0o600)
    return temporary


def create_file(path: Path, keys: list[bytes]) -> None:
    """Write (or replace) the key file, readable and writable by its owner only (0600)."""
    os.replace(_write_temporary(path, keys), path)


def _create_if_missing(path: Path) -> bool:
    """Make a new key file unless one exists; True when this process made it. Two processes
    starting at once end up with the same key: only one link succeeds."""
    temporary = _write_temporary(path, [crypto.new_master_key()])
    try:
        os.link(temporary, path)
    except FileExistsError:
        return False
    finally:
        os.unlink(temporary)
    return True


def master_keys(settings: Settings) -> list[bytes]:
    if settings.master_key:
        return _parse(settings.master_key, "MASTER_KEY")
    path = settings.master_key_file
    if not path.exists() and _create_if_missing(path):
        log.warning("created the master key %s: %s", path, BACKUP_HINT)
    return _parse(path.read_text(encoding="ascii"), f"MASTER_KEY_FILE {path}")


def configure(settings: Settings) -> None:
    """Read (or make) the master key and use it in this process."""
    crypto.configure(master_keys(settings))
