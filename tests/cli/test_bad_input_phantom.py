"""``hepar phantom``: bad options and unusable OUT_DIR are refused before any simulation, and
SIGTERM during a run leaves no temporary folder (issue 9)."""

from __future__ import annotations

import json
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
    (used / "keep.txt").write_text("earlier patient", encoding="utf-8")
    bad_yaml = tmp_path / "site.yaml"
    bad_yaml.write_text("criteria: [\n", encoding="utf-8")
    out = tmp_path / "new"
    return [
        ("negative seed", [out, "--seed", "-1"], "seed", out),
        ("non-numeric seed", [out, "--seed", "abc"], "--seed", out),
        ("fractional seed", [out, "--seed", "1.5"], "--seed", out),
        ("huge seed", [out, "--seed", str(10**30)], "seed", out),
        ("unknown preset", [out, "--preset", "huge"], "preset", out),
        ("empty preset", [out, "--preset", ""], "preset", out),
        ("cohort 0", [out, "--cohort", "0"], "--cohort", out),
        ("negative cohort", [out, "--cohort", "-3"], "--cohort", out),
        ("non-numeric cohort", [out, "--cohort", "many"], "--cohort", out),
        ("unknown protocol", [out, "--cohort", "2", "--protocol", "nonesuch"], "protocol", out),
        ("invalid YAML protocol", [out, "--cohort", "2", "--protocol", bad_yaml], "protocol", out),
        ("OUT_DIR is a file", [a_file], "OUT_DIR", a_file),
        ("OUT_DIR not empty", [used], "OUT_DIR", used),
        ("OUT_DIR under /proc", ["/proc/hepar-phantom"], "/proc", None),
        ("OUT_DIR inside a file", [a_file / "patient"], "OUT_DIR", a_file),
        ("missing OUT_DIR", [], "OUT_DIR", None),
        ("unknown option", [out, "--sex", "f"], "--sex", out),
        ("--overwrite of a folder phantom did not write", [used, "--overwrite"], "phantom",
         used),
        ("OUT_DIR name too long for the file system", [tmp_path / ("p" * 250)], "OUT_DIR",
         None),
    ]


@pytest.mark.parametrize("index", range(19))
def test_bad_phantom_input(tmp_path, capsys, index):
    _case, args, named, out = _cases(tmp_path)[index]
    check_bad_input(capsys, ["phantom", *args, "--preset", "tiny"] if "--preset" not in args
                    else ["phantom", *args], named, out=out)


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_signal_during_phantom_leaves_nothing(tmp_path, signum):
    # issue 9: SIGTERM during phantom left a 13 MB hidden temporary folder
    out = tmp_path / "patient"
    process = subprocess.Popen(
        [sys.executable, "-c", "from hepar.cli import entry_point; entry_point()", "phantom",
         str(out), "--preset", "tiny", "--quiet"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        if any(".hepar-" in p.name for p in tmp_path.iterdir()):
            break
        time.sleep(0.05)
    assert process.poll() is None, "the phantom finished before it could be stopped"
    time.sleep(0.3)  # let it write some files into the staging folder
    os.kill(process.pid, signum)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 128 + signum
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith(("error: stopped by signal",
                                                     "error: interrupted")), lines
    assert "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def _phantom(out, seed, *extra):
    return subprocess.Popen(
        [sys.executable, "-c", "from hepar.cli import entry_point; entry_point()", "phantom",
         str(out), "--preset", "tiny", "--quiet", "--seed", str(seed), *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def test_overwrite_replaces_a_phantom_folder_whole(tmp_path):
    out = tmp_path / "patient"
    assert _phantom(out, 1).wait(timeout=300) == 0
    (out / "note.txt").write_text("added after the run", encoding="utf-8")
    process = _phantom(out, 2, "--overwrite", "--json")
    stdout, err = process.communicate(timeout=300)
    assert process.returncode == 0, err
    assert json.loads(stdout)["seed"] == 2
    assert json.loads((out / "truth.json").read_text(encoding="utf-8"))["seed"] == 2
    assert not (out / "note.txt").exists()  # nothing of the earlier folder stays
    assert [p.name for p in tmp_path.iterdir()] == ["patient"]


@pytest.mark.slow
def test_sigterm_during_overwrite_keeps_the_earlier_folder(tmp_path):
    out = tmp_path / "patient"
    assert _phantom(out, 1).wait(timeout=300) == 0
    before = snapshot(out)
    process = _phantom(out, 2, "--overwrite")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        if any(".hepar-" in p.name for p in tmp_path.iterdir()):
            break
        time.sleep(0.05)
    assert process.poll() is None, "the phantom finished before it could be stopped"
    time.sleep(0.3)
    os.kill(process.pid, signal.SIGTERM)
    process.communicate(timeout=60)
    assert process.returncode == 128 + signal.SIGTERM
    assert snapshot(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["patient"]
