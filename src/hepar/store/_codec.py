"""One text form for every stored value: what the audit trail, the exports and the checks compare.

A value is written as text once (:func:`to_text`) and read back by its column's type
(:func:`from_text`), so an audit row, a CSV cell and an ODM ``Value`` say the same thing and a
replay of the audit trail can be compared with the tables character for character.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Boolean, Column, Date, Float, Integer
from sqlalchemy.types import TypeDecorator, TypeEngine

from hepar.errors import InvalidValueError

__all__ = ["UTCDateTime", "digest_text", "from_text", "python_value", "to_text"]


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware instant stored as naive UTC, returned as aware UTC on every back-end.

    SQLite has no time zones and PostgreSQL's ``timestamptz`` returns the session's zone; storing
    naive UTC and attaching UTC on the way out gives the same value (and the same text) on both.
    """

    from sqlalchemy import DateTime as _DateTime

    impl = _DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise InvalidValueError(field="datetime", value=value.isoformat(),
                                    expected="a timezone-aware date and time")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def _kind(column_type: TypeEngine[Any]) -> str:
    if isinstance(column_type, UTCDateTime):
        return "datetime"
    if isinstance(column_type, Boolean):
        return "bool"
    if isinstance(column_type, Integer):
        return "int"
    if isinstance(column_type, Float):
        return "float"
    if isinstance(column_type, Date):
        return "date"
    return "str"


def to_text(value: Any) -> str | None:
    """The canonical text of a stored value (``None`` stays ``None``).

    Examples
    --------
    >>> to_text(True), to_text(3), to_text(0.1), to_text(date(2026, 1, 2))
    ('true', '3', '0.1', '2026-01-02')
    """
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise InvalidValueError(field="datetime", value=value.isoformat(),
                                    expected="a timezone-aware date and time")
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value)
    if hasattr(value, "value") and not isinstance(value, (int, str)):  # an enum
        return str(value.value)
    return str(value)


def python_value(column: Column[Any], value: Any, *, field: str) -> Any:
    """``value`` (a Python value or its text, as a form sends it) as the column's type."""
    if value is None or (isinstance(value, str) and value == "" and _kind(column.type) != "str"):
        return None
    kind = _kind(column.type)
    try:
        if kind == "bool":
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in ("true", "yes", "1"):
                return True
            if text in ("false", "no", "0"):
                return False
            raise ValueError(text)
        if kind == "int":
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise ValueError(value)
            return int(value)
        if kind == "float":
            return float(value)
        if kind == "date":
            if isinstance(value, datetime):
                raise ValueError(value)
            return value if isinstance(value, date) else date.fromisoformat(str(value))
        if kind == "datetime":
            stamp = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
            if stamp.tzinfo is None:
                raise ValueError(value)
            return stamp.astimezone(UTC)
    except (TypeError, ValueError):
        expected = {"bool": "true or false", "int": "a whole number", "float": "a number",
                    "date": "a date YYYY-MM-DD",
                    "datetime": "a date and time with its UTC offset, ISO 8601"}[kind]
        raise InvalidValueError(field=field, value=value, expected=expected) from None
    return to_text(value)


def from_text(column: Column[Any], text: str | None) -> Any:
    """The Python value of canonical ``text`` for ``column`` (inverse of :func:`to_text`)."""
    return None if text is None else python_value(column, text, field=column.name)


def digest_text(text: str | None, key: bytes | None = None) -> str | None:
    """What the audit trail keeps of an identifying value: a digest, never the value.

    With the database's secret ``key`` (:class:`hepar.store.AuditSecret`): its HMAC-SHA256,
    ``hmac-sha256:<hex>``, which nobody without the key can reverse by trying candidates; without
    (rows written before migration 0005): its plain SHA-256, ``sha256:<hex>``.
    """
    if text is None:
        return None
    if key is None:
        return "sha256:" + hashlib.sha256(text.encode()).hexdigest()
    return "hmac-sha256:" + hmac.new(key, text.encode(), hashlib.sha256).hexdigest()
