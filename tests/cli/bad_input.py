"""The bad-input contract of every command (README.md, "Errors and exit status"), checked one
input at a time: exit status 2, exactly one stderr line starting with ``error:``, the option or
field named, no traceback, and the output folder absent (or unchanged when it existed before).

Imported by the tests of this folder (pytest puts the folder on sys.path).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from hepar.cli import main


def snapshot(folder: Path | None) -> dict[str, str] | None:
    """Relative path -> content digest of everything under ``folder`` (``None``: it is absent)."""
    if folder is None or not folder.exists():
        return None
    if folder.is_file():
        return {"": hashlib.sha256(folder.read_bytes()).hexdigest()}
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file()
        else "dir"
        for p in sorted(folder.rglob("*"))
    }


def staging_leftovers(folder: Path) -> list[str]:
    """Hidden staging folders (``.<name>.hepar-...``) left beside ``folder``."""
    parent = folder.parent
    return sorted(p.name for p in parent.iterdir() if ".hepar-" in p.name) if parent.is_dir() \
        else []


def check_bad_input(capsys: Any, argv: list[str], named: str, out: Path | None = None) -> str:
    """Run ``hepar argv`` in-process and check the contract; return the error line."""
    before = snapshot(out)
    capsys.readouterr()
    status = main([str(a) for a in argv])
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert status == 2, (argv, status, captured.err, captured.out[-500:])
    assert len(lines) == 1, (argv, lines)
    assert lines[0].startswith("error: "), lines
    assert "Traceback" not in captured.err and "internal error" not in captured.err, lines
    assert named.lower() in lines[0].lower(), (named, lines[0])
    if out is not None:
        assert snapshot(out) == before, (argv, "output changed")
        assert staging_leftovers(out) == [], staging_leftovers(out)
    return lines[0]


def write_json(folder: Path, name: str, data: Any) -> Path:
    """``data`` as a JSON file ``folder/name``; strings are written as they are (raw JSON)."""
    path = folder / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path
