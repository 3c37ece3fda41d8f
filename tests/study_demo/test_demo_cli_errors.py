"""``hepar demo --patients``: a user's mistake is one line ``error: ...`` and exit status 2,
before any work, and never deletes a folder the demo did not write."""

from __future__ import annotations

from pathlib import Path

import pytest

from hepar.cli import main


@pytest.mark.parametrize(("option", "value"), [("--patients", "0"), ("--workers", "0")])
def test_non_positive_counts_are_refused_naming_the_option(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], option: str, value: str) -> None:
    argv = ["demo", "--patients", "3", "--preset", "tiny", "--out", str(tmp_path / "o"),
            option, value]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and option in err[0]
    assert not (tmp_path / "o").exists()


def test_a_foreign_folder_is_refused_even_with_overwrite(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "theirs"
    out.mkdir()
    (out / "keep.txt").write_text("not a demo's", encoding="utf-8")
    for extra in ([], ["--overwrite"]):
        assert main(["demo", "--patients", "3", "--preset", "tiny", "--out", str(out),
                     *extra]) == 2
        assert capsys.readouterr().err.startswith("error: --out = ")
    assert (out / "keep.txt").read_text(encoding="utf-8") == "not a demo's"
