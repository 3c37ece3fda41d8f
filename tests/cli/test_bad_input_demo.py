"""``hepar demo``: bad options and unusable ``--out`` are refused before any simulation, and a
refused run leaves no folder behind (issue 9: ``demo --preset foo`` left one)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from bad_input import check_bad_input, snapshot


def _cases(tmp_path):
    a_file = tmp_path / "a_file"
    a_file.write_text("x", encoding="utf-8")
    used = tmp_path / "used"
    used.mkdir()
    (used / "thesis.tex").write_text("not a demo", encoding="utf-8")
    out = tmp_path / "demo"
    return [
        ("unknown preset", ["--out", out, "--preset", "foo"], "preset", out),
        ("empty preset", ["--out", out, "--preset", ""], "preset", out),
        ("negative seed", ["--out", out, "--seed", "-1"], "seed", out),
        ("non-numeric seed", ["--out", out, "--seed", "abc"], "--seed", out),
        ("fractional seed", ["--out", out, "--seed", "2.5"], "--seed", out),
        ("huge seed", ["--out", out, "--seed", str(10**40)], "seed", out),
        ("--out is a file", ["--out", a_file], "--out", a_file),
        ("--out not empty", ["--out", used], "--overwrite", used),
        ("--overwrite of a folder demo did not write", ["--out", used, "--overwrite"], "demo",
         used),
        ("--out under /proc", ["--out", "/proc/hepar-demo"], "/proc", None),
        ("--out under /sys", ["--out", "/sys/hepar-demo"], "/sys", None),
        ("--out inside a file", ["--out", a_file / "demo"], "--out", a_file),
        ("unknown option", ["--out", out, "--fast"], "--fast", out),
        ("--out without a value", ["--out"], "--out", None),
        ("flag with a value", ["--out", out, "--json=1"], "--json", out),
        ("preset and seed both bad", ["--out", out, "--preset", "foo", "--seed", "-1"], "seed",
         out),
        ("study in a folder demo did not write", ["--out", used, "--patients", "2"], "--out",
         used),
        ("study --overwrite of a folder demo did not write", ["--out", used, "--patients", "2",
                                                             "--overwrite"], "--out", used),
        ("study --out is a file", ["--out", a_file, "--patients", "2"], "--out", a_file),
        ("study --out under /proc", ["--out", "/proc/hepar-study", "--patients", "2"], "/proc",
         None),
        ("study of 1001 patients", ["--out", out, "--patients", "1001"], "--patients", out),
        ("study of no patients", ["--out", out, "--patients", "0"], "--patients", out),
        ("study with no workers", ["--out", out, "--patients", "2", "--workers", "0"],
         "--workers", out),
        ("--out name too long", ["--out", tmp_path / ("d" * 250)], "--out", None),
    ]


@pytest.mark.parametrize("index", range(24))
def test_bad_demo_input(tmp_path, capsys, index):
    _case, args, named, out = _cases(tmp_path)[index]
    check_bad_input(capsys, ["demo", *args], named, out=out)
    assert not (tmp_path / "demo").exists()


@pytest.mark.slow
def test_sigterm_during_demo_leaves_no_folder(tmp_path):
    out = tmp_path / "demo"
    process = subprocess.Popen(
        [sys.executable, "-c", "from hepar.cli import entry_point; entry_point()", "demo",
         "--out", str(out), "--preset", "tiny"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None and not (
            out / "patient").exists() and not any(".hepar-" in p.name for p in out.glob("*")):
        time.sleep(0.05)
    assert process.poll() is None, "the demo finished before it could be stopped"
    time.sleep(0.5)
    os.kill(process.pid, signal.SIGTERM)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 128 + signal.SIGTERM, err
    assert "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def _start_demo(out, *extra):
    return subprocess.Popen(
        [sys.executable, "-c", "from hepar.cli import entry_point; entry_point()", "demo",
         "--out", str(out), "--preset", "tiny", *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def _stop_while_replacing(tmp_path, out, process):
    """SIGTERM once the earlier folder is aside and the new one is being written."""
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and process.poll() is None:
        if any(".hepar-previous-" in p.name for p in tmp_path.iterdir()) and out.exists():
            break
        time.sleep(0.05)
    assert process.poll() is None, "the demo finished before it could be stopped"
    time.sleep(1.0)
    os.kill(process.pid, signal.SIGTERM)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 128 + signal.SIGTERM, err
    assert "Traceback" not in err


@pytest.mark.slow
@pytest.mark.parametrize(("marker", "extra"), [(".hepar-demo", []),
                                                (".hepar-study", ["--patients", "1"])])
def test_sigterm_during_overwrite_keeps_the_earlier_demo(tmp_path, marker, extra):
    # issue 9 follow-up: --overwrite removed the earlier folder first, so a stopped run lost it
    out = tmp_path / "demo"
    out.mkdir()
    (out / marker).write_text("written by hepar demo\n", encoding="utf-8")
    (out / "demo_summary.json").write_text('{"earlier": true}', encoding="utf-8")
    before = snapshot(out)
    _stop_while_replacing(tmp_path, out, _start_demo(out, "--overwrite", *extra))
    assert snapshot(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["demo"]


@pytest.mark.slow
def test_overwrite_replaces_an_earlier_demo_whole(tmp_path):
    out = tmp_path / "demo"
    first = _start_demo(out, "--json")
    first.communicate(timeout=600)  # (not wait(): the JSON could fill the pipe)
    assert first.returncode == 0
    (out / "extra.txt").write_text("added after the run", encoding="utf-8")
    process = _start_demo(out, "--overwrite", "--json")
    _, err = process.communicate(timeout=600)
    assert process.returncode == 0, err
    assert not (out / "extra.txt").exists()  # nothing of the earlier folder stays
    assert (out / "demo_summary.json").is_file()
    assert [p.name for p in tmp_path.iterdir()] == ["demo"]  # no folder left aside
