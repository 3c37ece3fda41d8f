"""JSON files of clinical records (candidate, RECIST reads, QoL answers, adverse events) into the
typed records of :mod:`hepar.clinical`: the file edge of the clinical use cases."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel

from hepar.clinical import validate_record
from hepar.errors import FileFormatError, InvalidValueError

__all__ = ["read_json", "read_record", "read_records"]

R = TypeVar("R", bound=BaseModel)


class _StrictJsonError(ValueError):
    def __init__(self, field: str, value: Any, expected: str) -> None:
        super().__init__(expected)
        self.field, self.value, self.expected = field, value, expected


def _no_constant(name: str) -> Any:
    raise _StrictJsonError("number", name, "a finite number (JSON has no NaN or Infinity)")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _StrictJsonError("number", text, "a number within the range of a double (about "
                               "1.8e308)")
    return value


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for key, value in pairs:
        if key in data:
            raise _StrictJsonError(key, value, "each key once in an object (the file repeats "
                                   "it; which one is meant?)")
        data[key] = value
    return data


def read_json(path: str | Path) -> Any:
    """The parsed content of a JSON file; a missing or malformed file is a clear error.

    Stricter than :func:`json.loads`, which reads what RFC 8259 does not allow: ``NaN``,
    ``Infinity``, numbers beyond a double (``1e400`` becomes infinity) and an object with a key
    twice (the last one silently wins). Each of these is refused naming the file.
    """
    file = Path(path)
    if not file.is_file():
        raise FileFormatError(field="file", value=str(path), expected="an existing JSON file")
    try:
        return json.loads(file.read_text(encoding="utf-8"), parse_constant=_no_constant,
                          parse_float=_finite_float, object_pairs_hook=_no_duplicate_keys)
    except _StrictJsonError as error:
        raise FileFormatError(field=error.field, value=error.value, source=str(path),
                              expected=error.expected) from None
    except json.JSONDecodeError as error:
        raise FileFormatError(
            field="file",
            value=str(path),
            expected=f"valid JSON ({error.msg} at line {error.lineno}, column {error.colno})",
        ) from None
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as error:
        raise FileFormatError(
            field="file", value=str(path), expected=f"a readable UTF-8 JSON file ({error})"
        ) from None


def read_record(model: type[R], path: str | Path) -> R:
    """A record of type ``model`` read from a JSON file; errors name the file and the field."""
    return validate_record(model, read_json(path), source=Path(path).name)


def read_records(
    model: type[R], path: str | Path, *, key: str, what: str | None = None
) -> list[R]:
    """A list of ``model`` records from a JSON file holding a list or ``{key: [...]}``.

    A bad record is reported as ``key[index].field``, with the file; ``what`` names the records
    in the message (default: the model's name).
    """
    source = Path(path).name
    data = read_json(path)
    items = data.get(key) if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise InvalidValueError(
            field=key, value=type(items).__name__, source=source,
            expected=f"a list of {what or model.__name__} records",
        )
    records = []
    for index, item in enumerate(items):
        try:
            records.append(validate_record(model, item, source=source))
        except InvalidValueError as error:
            raise type(error)(
                field=f"{key}[{index}].{error.field}", value=error.value,
                expected=error.expected, source=error.source,
            ) from None
    return records
