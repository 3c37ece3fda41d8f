"""The demo study end to end on a tiny virtual patient (what `make demo` runs, smaller)."""

from __future__ import annotations

import json

import pytest

from hepar.cli import main
from hepar.errors import InvalidValueError
from hepar.services.demo_study import DEMO_MARKER, run_demo


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    steps: list[str] = []
    summary = run_demo(out, seed=2, preset_name="tiny", overwrite=True, progress=steps.append)
    return out, summary, steps


def test_every_step_runs_and_the_summary_is_written(demo):
    out, summary, steps = demo
    assert len(steps) == 8
    assert json.loads((out / "demo_summary.json").read_text()) == json.loads(
        json.dumps(summary, default=str))
    assert (out / "dose" / "dose_rtdose.dcm").is_file()
    assert (out / "patient" / "truth.json").is_file()
    assert summary["files"]["projections"]["kind"] == "nm_projections"
    assert summary["screening"]["eligible"] is True
    assert summary["follow_up"]["best_overall_response"] in {"CR", "PR", "SD", "PD", "NE"}


def test_planned_activity_follows_the_utrecht_rule(demo):
    # REFERENCE.md: 60 Gy mean to the treated liver needs 3781 MBq per kg (15.87 mJ/MBq).
    _, summary, _ = demo
    plan = summary["plan"]
    assert plan["activity_mbq"] == pytest.approx(3781.0 * plan["treated_mass_kg"], rel=0.01)


def test_dose_matches_the_simulators_independent_truth(demo):
    # Both are local deposition (EANM SOP) on the true activity: the dosimetry code and the
    # phantom's own truth computation must agree within 2 % (voxel-mean vs mass-weighted mean
    # over a liver with lesions of a slightly different density).
    _, summary, _ = demo
    comparison = summary["truth_comparison"]
    assert comparison["computed_treated_liver_mean_dose_gy"] == pytest.approx(
        comparison["true_treated_liver_mean_dose_gy"], rel=0.02)


def test_demo_refuses_to_overwrite_a_folder_it_did_not_write(tmp_path):
    (tmp_path / "precious.txt").write_text("keep me")
    with pytest.raises(InvalidValueError, match=DEMO_MARKER):
        run_demo(tmp_path, preset_name="tiny", overwrite=True)
    assert (tmp_path / "precious.txt").read_text() == "keep me"


def test_demo_command_without_overwrite_on_a_full_folder_exits_2(demo, capsys):
    out, _, _ = demo
    assert main(["demo", "--out", str(out), "--preset", "tiny"]) == 2
    assert "expected a new or empty folder" in capsys.readouterr().err
