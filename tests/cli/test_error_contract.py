"""The CLI's error contract in one place (hepar.cli._errors) and the output folders
(hepar.io.atomic_output_folder): internal errors, fast start-up, clean-up on interruption."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from bad_input import check_bad_input

from hepar.cli import main
from hepar.io import atomic_output_folder, check_output_folder, remove_on_failure

HEAVY = ("numpy", "scipy", "pydicom", "SimpleITK", "nibabel", "highdicom", "yaml", "pydantic",
         "sqlalchemy", "dask", "rich")
#: What a lab-value grading may import: the clinical records are pydantic models (and Typer
#: converts option values with pydantic), the rest of HEAVY never.
GRADING_ALLOWED = ("pydantic",)


def _heavy_after(code: str) -> list[str]:
    """The HEAVY modules imported after running ``code`` in a fresh interpreter."""
    script = (f"import sys, json, io, contextlib\n{code}\n"
              f"print(json.dumps([m for m in {list(HEAVY)!r} if m in sys.modules]))")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            check=True)
    return json.loads(result.stdout.splitlines()[-1])


def test_importing_the_cli_imports_no_heavy_library():
    # `hepar --version` and `hepar ctcae grade` must answer fast: the heavy libraries are
    # imported inside the commands (HELPERS.md), checked in a fresh interpreter.
    assert _heavy_after("import hepar.cli") == []


def test_version_imports_no_heavy_library():
    code = "from hepar.cli import main\nassert main(['--version']) == 0"
    assert _heavy_after(code) == []


def test_grading_a_lab_value_imports_no_imaging_or_database_library():
    # hepar.services.clinical_ctcae imported hepar.io (pydicom, SimpleITK, scipy: seconds)
    # for the file edge of `ctcae events` only.
    code = ("from hepar.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "    assert main(['ctcae', 'grade', '--term', 'Blood bilirubin increased', "
            "'--value', '30', '--unit', 'umol/L', '--uln', '20', '--json']) == 0")
    assert [m for m in _heavy_after(code) if m not in GRADING_ALLOWED] == []


def test_an_internal_error_is_one_line_with_its_log(monkeypatch, tmp_path, capsys):
    import hepar.services.nuclide_data as nuclide_data

    def broken(name):
        return 1 / 0

    monkeypatch.setattr(nuclide_data, "nuclide_record", broken)
    monkeypatch.setenv("HEPAR_LOG_DIR", str(tmp_path))
    assert main(["nuclide", "Ho-166"]) == 1
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and "internal error" in lines[0] and "ZeroDivisionError" in lines[0]
    (log,) = tmp_path.glob("hepar-internal-error-*.log")
    assert str(log) in lines[0]
    assert "Traceback" in log.read_text(encoding="utf-8")


def test_invalid_yaml_protocol_is_one_line(tmp_path, capsys):
    protocol = tmp_path / "site.yaml"
    protocol.write_text("name: site\ncriteria:\n  - id: I1\n   type: [\n", encoding="utf-8")
    line = check_bad_input(capsys, ["plan", "--treated-mass-kg", "1.2", "--protocol", protocol],
                           "protocol")
    assert "line" in line


@pytest.mark.parametrize(("argv", "named"), [
    (["ctcae", "grade", "--term", "x", "--unit", "g/L", "--value", "abc"], "--value"),
    (["phantom", "x", "--seed", "abc"], "--seed"),
    (["no-such-command"], "no-such-command"),
    (["info", "x", "--bogus"], "--bogus"),
    (["qol", "change"], "BASELINE"),
])
def test_usage_errors_are_one_error_line(capsys, argv, named):
    check_bad_input(capsys, argv, named)


def test_json_output_is_never_nan(capsys):
    assert main(["nuclide", "Lu-177", "--json"]) == 0
    json.loads(capsys.readouterr().out, parse_constant=lambda name: pytest.fail(name))


def test_staging_folder_removed_on_keyboard_interrupt(tmp_path):
    with pytest.raises(KeyboardInterrupt), atomic_output_folder(tmp_path / "out") as staging:
        (staging / "half.nii.gz").write_bytes(b"half")
        raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []


def test_staging_folder_removes_parents_it_made(tmp_path):
    with pytest.raises(RuntimeError), atomic_output_folder(tmp_path / "a" / "b" / "out"):
        raise RuntimeError("failed")
    assert list(tmp_path.iterdir()) == []


def test_overwrite_keeps_the_old_folder_until_the_new_one_is_complete(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "old.csv").write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError), atomic_output_folder(out, overwrite=True) as staging:
        (staging / "new.csv").write_text("new", encoding="utf-8")
        raise RuntimeError("failed")
    assert [p.name for p in out.iterdir()] == ["old.csv"]
    with atomic_output_folder(out, overwrite=True) as staging:
        (staging / "new.csv").write_text("new", encoding="utf-8")
    assert [p.name for p in out.iterdir()] == ["new.csv"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_remove_on_failure_keeps_an_existing_folder(tmp_path):
    out = tmp_path / "demo"
    out.mkdir()
    (out / "keep.txt").write_text("x", encoding="utf-8")
    with pytest.raises(RuntimeError), remove_on_failure(out):
        raise RuntimeError("failed")
    assert (out / "keep.txt").exists()


@pytest.mark.parametrize("target", ["/proc/x", "/sys/x", "/dev/x"])
def test_pseudo_file_systems_are_refused(target):
    from hepar.errors import InvalidValueError

    with pytest.raises(InvalidValueError, match="regular file system"):
        check_output_folder(target)


def test_keep_previous_puts_the_earlier_folder_back_on_keyboard_interrupt(tmp_path):
    from hepar.io import keep_previous_until_done

    out = tmp_path / "study"
    out.mkdir()
    (out / "earlier.txt").write_text("earlier", encoding="utf-8")
    with pytest.raises(KeyboardInterrupt), keep_previous_until_done(out) as target:
        assert not target.exists()  # aside while the new one is written
        target.mkdir()
        (target / "half.txt").write_text("half", encoding="utf-8")
        raise KeyboardInterrupt
    assert [p.name for p in tmp_path.iterdir()] == ["study"]
    assert [p.name for p in out.iterdir()] == ["earlier.txt"]


def test_output_check_tries_a_real_write(tmp_path):
    # root passes every permission test (os.access), yet cannot create a name longer than the
    # file system allows: the check creates and removes what the writer will create
    with pytest.raises(Exception, match="File name too long"):
        check_output_folder(tmp_path / ("x" * 250))
    assert list(tmp_path.iterdir()) == []
