"""``hepar plan``: bad options, times, masses, images and masks are refused (issue 9); the new
options for NIfTI inputs (``--unit``, ``--frame-of-reference``, ``--like``) work."""

from __future__ import annotations

import json

import pytest
from bad_input import check_bad_input
from cli_images import FRAME

from hepar.cli import main

T0, T1 = "2025-03-03T08:00+01:00", "2025-03-04T10:48+01:00"
QUICK = ["plan", "--treated-mass-kg", "1.2", "--json"]
QUICK_CASES = [
    ("calibration after administration", ["--calibration-time", T1, "--administration-time", T0],
     "calibration_time"),
    ("calibration 10 years earlier", ["--calibration-time", "2015-03-03T08:00+01:00",
                                      "--administration-time", T1],
     "calibration_to_administration_max_h"),
    ("calibration time alone", ["--calibration-time", T0], "administration_time"),
    ("administration time alone", ["--administration-time", T1], "calibration_time"),
    ("time without offset", ["--calibration-time", "2025-03-03T08:00",
                             "--administration-time", T1], "calibration_time"),
    ("time not a time", ["--calibration-time", "tomorrow", "--administration-time", T1],
     "calibration_time"),
    ("non-numeric lsf", ["--lsf", "abc"], "--lsf"),
    ("lsf 1", ["--lsf", "1"], "lsf"),
    ("lsf NaN", ["--lsf", "nan"], "lsf"),
    ("target dose 0", ["--target-dose-gy", "0"], "target_dose_gy"),
    ("target dose inf", ["--target-dose-gy", "inf"], "target_dose_gy"),
    ("lung mass negative", ["--lung-mass-kg", "-1"], "lung_mass_kg"),
    ("bad protocol name", ["--protocol", "nonesuch"], "protocol"),
    ("injection without images", ["--injection", "right=r.nii.gz"], "injection"),
    ("unit without images", ["--unit", "Bq/mL"], "unit"),
]
MASS_CASES = [
    ("1e9 kg", "1e9", "treated_mass_kg_max"),
    ("1e-300 kg", "1e-300", "treated_mass_kg_min"),
    ("0 kg", "0", "treated_mass_kg_min"),
    ("NaN kg", "nan", "treated_mass_kg"),
    ("inf kg", "inf", "treated_mass_kg"),
    ("text kg", "heavy", "--treated-mass-kg"),
]


@pytest.mark.parametrize(("case", "args", "named"), QUICK_CASES, ids=[c[0] for c in QUICK_CASES])
def test_bad_quick_plan(capsys, case, args, named):
    check_bad_input(capsys, [*QUICK, *args], named)


@pytest.mark.parametrize(("case", "mass", "named"), MASS_CASES, ids=[c[0] for c in MASS_CASES])
def test_absurd_masses_name_the_setting(capsys, case, mass, named):
    check_bad_input(capsys, ["plan", "--treated-mass-kg", mass], named)


def _image_cases(images):
    spect, liver, lungs = images["spect"], images["liver"], images["lungs"]
    base = ["plan", "--spect", spect, "--lung-mask", lungs, "--json"]
    return [
        ("NaN liver mask", [*base, "--liver-mask", images["nan_mask"]], "liver"),
        ("empty liver mask", [*base, "--liver-mask", images["empty"]], "liver"),
        ("liver mask out of the field", [*base, "--liver-mask", images["far_mask"]], "liver"),
        ("NIfTI without a unit", ["plan", "--spect", images["spect_plain"], "--liver-mask", liver,
                                  "--lsf", "0.05"], "--unit"),
        ("SPECT in Gy", ["plan", "--spect", images["gy"], "--liver-mask", liver, "--lsf", "0"],
         "unit"),
        ("negative SPECT", ["plan", "--spect", images["negative_spect"], "--liver-mask", liver,
                            "--lsf", "0"], "spect"),
        ("missing SPECT file", ["plan", "--spect", images["spect"].parent / "no.nii.gz",
                                "--liver-mask", liver, "--lsf", "0"], "no.nii.gz"),
        ("truncated SPECT", ["plan", "--spect", images["cut_spect"], "--liver-mask", liver,
                             "--lsf", "0"], "cut_"),
        ("no lung mask and no lsf", ["plan", "--spect", spect, "--liver-mask", liver],
         "lung_mask"),
        ("scout activity 1e9", [*base, "--liver-mask", liver, "--scout-activity-mbq", "1e9"],
         "activity_mbq_max"),
        ("negative scout time", [*base, "--liver-mask", liver, "--scout-activity-mbq", "250",
                                 "--scout-time-h", "-1"], "scout_time_h"),
        ("frame and like together", [*base, "--liver-mask", liver, "--frame-of-reference", "1.2",
                                     "--like", images["ct"]], "like"),
        ("like not an image", ["plan", "--spect", images["spect_plain"], "--unit", "Bq/mL",
                               "--liver-mask", liver, "--lsf", "0", "--like",
                               images["liver"].parent / "absent"], "like"),
        ("frame that contradicts the file", [*base, "--liver-mask", liver,
                                             "--frame-of-reference", "1.2.3"],
         "frame_of_reference"),
        ("mass and images", [*base, "--liver-mask", liver, "--treated-mass-kg", "1"],
         "treated_mass_kg"),
        ("injection without a name", [*base, "--liver-mask", liver, "--injection", "=x.nii.gz"],
         "injection"),
    ]




@pytest.fixture(scope="module")
def image_cases(images, tmp_path_factory):
    from cli_images import truncated

    folder = tmp_path_factory.mktemp("cut")
    return _image_cases({**images, "cut_spect": truncated(images["spect"], folder, 0.5)})


@pytest.mark.parametrize("index", range(16))
def test_bad_image_plan(capsys, image_cases, index):
    _case, argv, named = image_cases[index]
    check_bad_input(capsys, argv, named)


def test_plain_nifti_with_unit_and_like_plans(images, capsys):
    argv = ["plan", "--spect", images["spect_plain"], "--unit", "Bq/mL", "--liver-mask",
            images["liver"], "--lsf", "0.05", "--ct", images["ct"], "--json"]
    assert main([str(a) for a in argv]) == 2  # the plain NIfTI has no frame: the CT is refused
    assert "--like" in capsys.readouterr().err
    assert main([str(a) for a in [*argv, "--like", images["ct"]]]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["treated_mass_kg"] > 0
    assert main([str(a) for a in [*argv, "--frame-of-reference", FRAME]]) == 0
