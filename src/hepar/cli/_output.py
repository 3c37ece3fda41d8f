"""Printing command output: JSON that is always valid (never ``NaN`` or ``Infinity``).

JSON (RFC 8259) has no NaN or Infinity; ``json.dumps`` writes them unless told not to, and a
reader then fails on the command's output. Every ``--json`` of the CLI goes through
:func:`echo_json`, which refuses to print such a value (the inputs are checked so that none
arises: one that still does is an internal error, reported with its traceback log).
"""

from __future__ import annotations

import json
from typing import Any

import typer

__all__ = ["echo_json", "json_text"]


def json_text(data: Any) -> str:
    """``data`` as indented JSON, UTF-8 kept readable; ``ValueError`` on NaN or Infinity."""
    return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False, default=str)


def echo_json(data: Any) -> None:
    """Print ``data`` as JSON on stdout (see :func:`json_text`)."""
    typer.echo(json_text(data))
