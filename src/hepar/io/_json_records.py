"""JSON files of clinical records (candidate, RECIST reads, QoL answers, adverse events) into the
typed records of :mod:`hepar.clinical`: the file edge of the clinical use cases."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel

from hepar.clinical import validate_record
from hepar.errors import FileFormatError, InvalidValueError

__all__ = ["read_json", "read_record", "read_records"]

R = TypeVar("R", bound=BaseModel)


def read_json(path: str | Path) -> Any:
    """The parsed content of a JSON file; a missing or malformed file is a clear error."""
    file = Path(path)
    if not file.is_file():
        raise FileFormatError(field="file", value=str(path), expected="an existing JSON file")
    try:
        return json.loads(file.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise FileFormatError(
            field="file",
            value=str(path),
            expected=f"valid JSON ({error.msg} at line {error.lineno}, column {error.colno})",
        ) from None
    except (OSError, UnicodeDecodeError) as error:
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
