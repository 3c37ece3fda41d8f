"""Reading the JSON files of the clinical commands into typed records (shared by the clinical use
cases: screen, recist, qol, ctcae)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel

from hepar.clinical import validate_record
from hepar.errors import FileFormatError

__all__ = ["read_json", "read_record"]

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
