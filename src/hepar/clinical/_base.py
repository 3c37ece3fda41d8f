"""Shared building blocks of the clinical records: a frozen pydantic base, lenient enums, and the
conversion of pydantic's validation errors into :class:`hepar.errors.InvalidValueError`.

Records are validated by pydantic where they are built. A caller that turns user input (a JSON
file, an API body) into a record uses :func:`validate_record`, which raises one
:class:`~hepar.errors.InvalidValueError` naming the field (``lesions[1].id``), the value and what
was expected, the shape the CLI prints and the API answers with.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from hepar.errors import HeparError, InvalidValueError

__all__ = [
    "LenientEnum",
    "Record",
    "as_hepar_error",
    "register_aliases",
    "require_unique_ids",
    "validate_record",
]


def _normalise(text: str) -> str:
    text = text.strip().lower().replace("µ", "u").replace("μ", "u")
    text = re.sub(r"[\s_]+", " ", text)
    return text


_ALIASES: dict[type, dict[str, str]] = {}


def register_aliases(enum: type[LenientEnum], aliases: Mapping[str, str]) -> None:
    """Let ``enum`` accept other spellings: ``{"alias": "value"}``."""
    _ALIASES[enum] = {_normalise(k): _normalise(v) for k, v in aliases.items()}


class LenientEnum(StrEnum):
    """A closed vocabulary that also accepts its values as strings, case-insensitively.

    Extra spellings are registered with :func:`register_aliases` (normalised: lower case, ``µ`` as
    ``u``, runs of spaces and underscores as one space).

    Examples
    --------
    >>> class Colour(LenientEnum):
    ...     RED = "red"
    >>> Colour("  RED ")
    <Colour.RED: 'red'>
    """

    @classmethod
    def _missing_(cls, value: object) -> LenientEnum | None:
        if not isinstance(value, str):
            return None
        wanted = _normalise(value)
        wanted = _ALIASES.get(cls, {}).get(wanted, wanted)
        for member in cls:
            if _normalise(member.value) == wanted or member.name.lower() == wanted:
                return member
        return None

    @classmethod
    def choices(cls) -> str:
        """The accepted values, for error messages."""
        return ", ".join(repr(member.value) for member in cls)


class Record(BaseModel):
    """Base of every clinical record: immutable, unknown fields rejected, no NaN or infinity in a
    number (JSON has none; a record holding one would give a wrong answer or invalid output).

    Numbers, yes/no fields and counts of the records are declared strict where a person would be
    surprised by a conversion (``true`` is not WHO status 1, ``"42"`` is not 42 mm): pydantic's
    ``StrictInt``, ``StrictFloat`` (an integer is still a float) and ``StrictBool``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True,
                              allow_inf_nan=False)


R = TypeVar("R", bound=BaseModel)


def _location(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif text:
            text += f".{part}"
        else:
            text = str(part)
    return text


def _expected(error: Mapping[str, Any]) -> str:
    message = str(error.get("msg", "a valid value"))
    kind = error.get("type", "")
    if kind == "missing":
        return "a value (this field is required)"
    if kind == "extra_forbidden":
        return "no field of this name (unknown fields are not accepted)"
    for prefix in ("Value error, ", "Assertion failed, ", "Input should be "):
        if message.startswith(prefix):
            message = message[len(prefix) :]
    return message


def _join(where: str, inner: str) -> str:
    if not where or where.endswith(inner):
        return where or inner
    last = re.split(r"[.\[]", where)[-1]
    if inner.startswith((f"{last}.", f"{last}[")):
        return where + inner[len(last) :]
    return f"{where}.{inner}"


_TYPE_TAGS = {"bool", "float", "int", "str", "none", "date", "datetime", "dict", "list"}


def _is_union_tag(part: object) -> bool:
    return isinstance(part, str) and ("[" in part or part in _TYPE_TAGS)


def _union_problems(problems: list[Any]) -> tuple[tuple[Any, ...], str, int] | None:
    """When the first problems are the failed alternatives of one union field: its location, the
    alternatives, and how many problems they were."""
    first = tuple(problems[0].get("loc", ()))
    if len(first) < 2 or not _is_union_tag(first[-1]):
        return None
    group = [
        p
        for p in problems
        if tuple(p.get("loc", ()))[:-1] == first[:-1] and _is_union_tag(p["loc"][-1])
    ]
    if len(group) < 2:
        return None
    return first[:-1], " or ".join(_expected(p) for p in group), len(group)


def as_hepar_error(error: ValidationError, *, source: str | None = None) -> HeparError:
    """Turn the first problem of a pydantic ``ValidationError`` into a :class:`HeparError`.

    When a validator raised a :class:`HeparError` itself, its field, value and expectation are
    kept (prefixed by where in the record it happened).
    """
    problems = list(error.errors())
    union = _union_problems(problems)
    if union is not None:
        loc, options, count = union
        rest = len(problems) - count
        return InvalidValueError(
            field=_location(loc) or error.title,
            value=problems[0].get("input"),
            expected=options + (f" ({rest} more problem(s) in the same input)" if rest else ""),
            source=source,
        )
    first = problems[0]
    where = _location(tuple(first.get("loc", ())))
    more = f" ({len(problems) - 1} more problem(s) in the same input)" if len(problems) > 1 else ""
    inner = (first.get("ctx") or {}).get("error")
    if isinstance(inner, HeparError):
        field = _join(where, inner.field)
        return type(inner)(
            field=field, value=inner.value, expected=inner.expected + more, source=source
        )
    value = first.get("input")
    if first.get("type") == "missing":
        value = None
    return InvalidValueError(
        field=where or error.title, value=value, expected=_expected(first) + more, source=source
    )


def validate_record(model: type[R], data: Any, *, source: str | None = None) -> R:
    """Build a record of type ``model`` from loose data (a dict from JSON, say).

    Parameters
    ----------
    model
        The record class.
    data
        A mapping (or an instance of ``model``, returned as is).
    source
        Where the data came from (a file name), quoted in the error message.

    Raises
    ------
    InvalidValueError
        Naming the first wrong field, its value and what was expected.

    Examples
    --------
    >>> class Dose(Record):
    ...     dose_gy: float
    >>> validate_record(Dose, {"dose_gy": -1}).dose_gy
    -1.0
    >>> try:
    ...     validate_record(Dose, {"dose_gy": "x"})
    ... except InvalidValueError as error:
    ...     print(error.field, "=", repr(error.value))
    dose_gy = 'x'
    """
    if isinstance(data, model):
        return data
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise as_hepar_error(error, source=source) from None


def require_unique_ids(ids: Iterable[str], *, field: str, what: str = "id") -> set[str]:
    """Return the set of ``ids``; raise naming ``field[index]`` at the first repeated one."""
    seen: set[str] = set()
    for index, item_id in enumerate(ids):
        if item_id in seen:
            raise InvalidValueError(
                field=f"{field}[{index}].id", value=item_id, expected=f"a unique {what}"
            )
        seen.add(item_id)
    return seen
