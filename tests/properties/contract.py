"""The contract every property test checks: a run ends with exit 0 and valid, finite JSON, or
with exit 2 and one ``error:`` line; never a traceback, never an internal error."""

from __future__ import annotations

import json
import re
from typing import Any

from hepar.cli import main


def _no_constant(name: str) -> Any:
    raise AssertionError(f"output JSON holds {name}")


def check_run(capsys: Any, argv: list[str]) -> int:
    capsys.readouterr()
    status = main([str(a) for a in argv])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err, captured.err
    if status == 0:
        if "--json" in argv:
            json.loads(captured.out, parse_constant=_no_constant)
        else:
            found = re.findall(r"\b(?:nan|NaN|inf|Infinity)\b", captured.out)
            assert not found, (found, captured.out[-300:])
        return status
    lines = captured.err.splitlines()
    assert status == 2, (argv, status, captured.err)
    assert len(lines) == 1 and lines[0].startswith("error: "), lines
    return status
