"""The hepar command: version, nuclide contract, one-line errors with exit status 2."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from hepar import __version__
from hepar.cli import main


def test_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"hepar {__version__}"


@pytest.mark.parametrize("spelling", ["Ho-166", "166Ho", "ho166"])
def test_nuclide_json_contract(capsys, spelling):
    assert main(["nuclide", spelling, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["name"] == "Ho-166"
    assert data["half_life_h"] == pytest.approx(26.8)
    # J Nucl Med 2016;57(S2):199: 15.87 mJ/MBq absorbed locally per MBq fully decayed.
    assert data["absorbed_energy_mj_per_mbq"] == pytest.approx(15.87, rel=0.01)
    assert data["mean_electron_energy_mev"] > 0.6
    assert {"energy_kev", "abundance"} <= set(data["photons"][0])
    assert any(abs(p["energy_kev"] - 80.6) < 0.1 for p in data["photons"])


def test_nuclide_table_output(capsys):
    assert main(["nuclide", "Lu-177"]) == 0
    assert "Lu-177" in capsys.readouterr().out


def test_user_error_is_one_line_on_stderr_with_status_2():
    result = subprocess.run(
        [sys.executable, "-c", "import sys; from hepar.cli import entry_point; entry_point()",
         "nuclide", "unobtainium"],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: nuclide = 'unobtainium': expected a nuclide name such as 'Ho-166', '166Ho' or "
        "'ho166'"
    ]
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "argv",
    [["nuclide"], ["phantom", "x", "--seed", "abc"], ["no-such-command"], ["info", "x", "--bogus"]],
)
def test_usage_errors_exit_2_without_a_traceback(argv):
    # DESIGN.md: a user never sees a traceback for their own mistake.
    result = subprocess.run(
        [sys.executable, "-c", "from hepar.cli import entry_point; entry_point()", *argv],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip()


def test_usage_error_through_main_returns_2(capsys):
    assert main(["nuclide"]) == 2
    assert "Missing argument" in capsys.readouterr().err
