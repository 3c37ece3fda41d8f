"""JSON text of a command's output (shared by the commands' ``--json`` options)."""

from __future__ import annotations

import json
from typing import Any

__all__ = ["to_json"]


def to_json(data: Any) -> str:
    """JSON text of command output (UTF-8 kept readable)."""
    return json.dumps(data, indent=2, ensure_ascii=False)
