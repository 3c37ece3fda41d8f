"""The demo study end to end on a tiny virtual patient (what `make demo` runs, smaller):
calibrate, reconstruct, plan from the reconstructed scout, dose from the reconstructed
post-treatment scan, with the true maps only as the comparison."""

from __future__ import annotations

import json

import pytest

from hepar.cli import main
from hepar.errors import InvalidValueError
from hepar.services.demo_study import DEMO_MARKER, DEMO_STEPS, run_demo

#: demo_summary.json keys that are a public contract (README, hepar demo).
CONTRACT_KEYS = {"patient", "files", "screening", "plan", "dose", "follow_up",
                 "truth_comparison", "notes"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    steps: list[str] = []
    summary = run_demo(out, seed=2, preset_name="tiny", overwrite=True, progress=steps.append)
    return out, summary, steps


def test_every_step_runs_and_the_summary_is_written(demo):
    out, summary, steps = demo
    assert steps == list(DEMO_STEPS)
    assert json.loads((out / "demo_summary.json").read_text()) == json.loads(
        json.dumps(summary, default=str))
    assert CONTRACT_KEYS | {"calibration", "reconstruction"} == set(summary)
    assert (out / "dose" / "dose_rtdose.dcm").is_file()
    assert (out / "patient" / "truth.json").is_file()
    assert (out / "calibration" / "camera.json").is_file()
    assert summary["files"]["projections"]["kind"] == "nm_projections"
    assert summary["files"]["calibration"]["kind"] == "nm_static"
    assert summary["screening"]["eligible"] is True
    assert summary["follow_up"]["best_overall_response"] in {"CR", "PR", "SD", "PD", "NE"}


def test_plan_and_dose_come_from_the_reconstruction_not_the_true_maps(demo):
    out, summary, _ = demo
    # both from the camera calibration: the post-treatment scan is acquired once below about
    # 1.4 GBq in the field of view (hepar.phantoms.POST_TREATMENT_SCAN_MAX_MBQ), where the
    # paralysable dead-time correction is well defined
    for name, calibration in (("scout", "camera"), ("treatment", "camera")):
        record = json.loads((out / "recon" / name / "recon.json").read_text())
        assert record["calibration"] == calibration
        assert summary["reconstruction"][name]["total_activity_mbq"] == record[
            "total_activity_mbq"]
    dose = json.loads((out / "dose" / "summary.json").read_text())
    treatment = json.loads((out / "recon" / "treatment" / "recon.json").read_text())
    assert dose["frame_of_reference_uid"] == treatment["frame_of_reference_uid"]
    assert not any("true activity maps" in note for note in summary["notes"])
    assert "reconstruction" in summary["truth_comparison"]["comparison"]


def test_planned_activity_follows_the_utrecht_rule(demo):
    # REFERENCE.md: 60 Gy mean to the treated liver needs 3781 MBq per kg (15.87 mJ/MBq).
    _, summary, _ = demo
    plan = summary["plan"]
    assert plan["activity_mbq"] == pytest.approx(3781.0 * plan["treated_mass_kg"], rel=0.01)


def test_mask_and_density_check_is_labelled_and_agrees(demo):
    # Issue 14 point 5: local deposition on the TRUE map against the simulator's own
    # local-deposition truth -- the same 15.87 mJ/MBq on both sides, so only masks and density
    # differ: within 2 % (voxel mean vs mass-weighted mean over lesions of another density).
    _, summary, _ = demo
    check = summary["truth_comparison"]["mask_density_check"]
    assert "NOT a test of quantification" in check["what"]
    assert check["true_map_treated_liver_mean_dose_gy"] == pytest.approx(
        check["true_treated_liver_mean_dose_gy"], rel=0.02)


def test_dose_from_the_reconstruction_is_compared_with_the_truth(demo):
    # The real comparison: projections -> reconstruction -> dose against the simulator's true
    # dose. Issue 8 asks 5 % on total activity and 10 % on non-tumour liver concentration
    # (clinical preset, benchmark); on the tiny preset (14.4 mm pixels, a 1 kg liver of some
    # 9 pixels across) spill-out at the liver edge adds to that, so 25 % here.
    _, summary, _ = demo
    comparison = summary["truth_comparison"]
    assert comparison["computed_treated_liver_mean_dose_gy"] == pytest.approx(
        comparison["true_treated_liver_mean_dose_gy"], rel=0.25)
    assert comparison["dose_error_pct"] == pytest.approx(100 * (
        comparison["computed_treated_liver_mean_dose_gy"]
        / comparison["true_treated_liver_mean_dose_gy"] - 1), abs=1e-3)
    for found in comparison["reconstructed_activity"].values():
        assert found["true_in_field_of_view_mbq"] > 0


def test_demo_refuses_to_overwrite_a_folder_it_did_not_write(tmp_path):
    (tmp_path / "precious.txt").write_text("keep me")
    with pytest.raises(InvalidValueError, match=DEMO_MARKER):
        run_demo(tmp_path, preset_name="tiny", overwrite=True)
    assert (tmp_path / "precious.txt").read_text() == "keep me"


def test_demo_command_without_overwrite_on_a_full_folder_exits_2(demo, capsys):
    out, _, _ = demo
    assert main(["demo", "--out", str(out), "--preset", "tiny"]) == 2
    assert capsys.readouterr().err.startswith("error: --out = ")
