"""`Sealed`: a model attribute that holds plain text (or a dict) in Python and its sealed
form in a mapped column. Set it as any attribute; the value is sealed under its owner's data
key when the session flushes (`storage.keys`), and opened on first read with the data key
loaded together with the row (a joined `data_key` relationship)."""

from __future__ import annotations

from typing import Any, Generic, TypeVar, overload

from sqlalchemy import inspect
from sqlalchemy.orm.base import NO_VALUE

from storage import crypto

T = TypeVar("T")
PENDING_TEXT = "v1.pending"
PENDING_JSON: dict[str, Any] = {"pending": True}
PENDING_ATTR = "_sealed_pending"


class Sealed(Generic[T]):
    """`phone = Sealed[str]("phone_sealed")`, or `Sealed[dict[str, Any]]("payload_sealed",
    json=True, when=...)`: with `when`, a dict is sealed only when `when(value)` says so."""

    def __init__(self, column: str, *, json: bool = False,
                 when: Any = None) -> None:
        self.column = column
        self.json = json
        self.when = when
        self.name = column
        self.cache = "_plain_" + column

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name
        self.cache = "_plain_" + name

    @overload
    def __get__(self, obj: None, owner: type) -> Sealed[T]: ...
    @overload
    def __get__(self, obj: object, owner: type) -> T: ...

    def __get__(self, obj: object | None, owner: type) -> Sealed[T] | T:
        if obj is None:
            return self
        values = obj.__dict__
        if self.cache not in values:
            values[self.cache] = self.open(obj)
        value: T = values[self.cache]
        return value

    def __set__(self, obj: object, value: T) -> None:
        obj.__dict__[self.cache] = value
        obj.__dict__.setdefault(PENDING_ATTR, set()).add(self.name)
        # Touch the mapped column, so the session sees the object as changed and flushes it.
        if value is None:
            setattr(obj, self.column, None)
        else:
            setattr(obj, self.column, dict(PENDING_JSON) if self.json else PENDING_TEXT)

    def context(self, obj: object) -> str:
        return f"{getattr(obj, '__tablename__', '')}.{self.name}"

    def open(self, obj: object) -> Any:
        stored = getattr(obj, self.column)
        if stored is None:
            return {} if self.json else None
        if self.json:
            if not crypto.is_sealed_json(stored):
                return stored  # not personal, or written before encryption
        elif not crypto.is_sealed(stored):
            return stored
        key = data_key_of(obj)
        if key is None:
            return {} if self.json else None  # its data key was destroyed: shredded
        if self.json:
            return crypto.open_json(key, stored, self.context(obj))
        return crypto.open_text(key, stored, self.context(obj))

    def seal(self, obj: object, key: bytes | None) -> None:
        """Write the plain value's sealed form into the column (key None: nothing to seal)."""
        value = obj.__dict__.get(self.cache)
        if value is None:
            setattr(obj, self.column, None)
        elif self.json:
            if self.when is not None and not self.when(value):
                setattr(obj, self.column, dict(value))
            else:
                assert key is not None
                setattr(obj, self.column, crypto.seal_json(key, value, self.context(obj)))
        else:
            assert key is not None
            setattr(obj, self.column, crypto.seal_text(key, str(value), self.context(obj)))

    def needs_key(self, obj: object) -> bool:
        value = obj.__dict__.get(self.cache)
        if value is None:
            return False
        return not (self.json and self.when is not None and not self.when(value))


def data_key_of(obj: object) -> bytes | None:
    """The object's data key, unwrapped; None when it has none (or it was destroyed)."""
    loaded = inspect(obj).attrs["data_key"].loaded_value
    if loaded is NO_VALUE:
        if getattr(obj, "data_key_id", None) is None:
            return None
        raise crypto.KeyError_(f"the data key of a {type(obj).__name__} was not loaded")
    if loaded is None:
        return None
    return crypto.unwrap(loaded.wrapped)


def open_column(stored: str | None, wrapped: str | None, context: str) -> str | None:
    """A sealed text column's plain value from the column and its owner's wrapped data key,
    as `Sealed.open` reads it from a loaded object: for reads that load no objects (the
    figures, the export). `context` is "table.attribute", as the value was sealed under."""
    if stored is None or not crypto.is_sealed(stored):
        return stored
    if wrapped is None:
        return None  # its data key was destroyed: shredded
    return crypto.open_text(crypto.unwrap(wrapped), stored, context)


def sealed_fields(cls: type) -> list[Sealed[Any]]:
    return [v for k in dir(cls) if isinstance(v := cls.__dict__.get(k), Sealed)]


def forget_plain(obj: object) -> None:
    """After an expiry or refresh the plain values are read again from the columns."""
    for key in [k for k in obj.__dict__ if k.startswith("_plain_")]:
        del obj.__dict__[key]
    obj.__dict__.pop(PENDING_ATTR, None)
