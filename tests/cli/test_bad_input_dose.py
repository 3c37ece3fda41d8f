"""``hepar dose``: bad options, paths and images are refused before any computation, and the
``--out`` folder is absent or unchanged afterwards (issue 9); ``--overwrite`` replaces it whole."""

from __future__ import annotations

import json

import pytest
from bad_input import check_bad_input, snapshot

from hepar.cli import main


def _cases(images, tmp_path):
    spect, liver = images["spect"], images["liver"]
    a_file = tmp_path / "a_file.txt"
    a_file.write_text("not a folder", encoding="utf-8")
    used = tmp_path / "used"
    used.mkdir()
    (used / "old.csv").write_text("x\n", encoding="utf-8")
    out = tmp_path / "out"
    nan_summary = tmp_path / "summary.json"
    nan_summary.write_text('{"nuclide": "Lu-177", "voi_metrics": [], '
                           '"voi_effective_half_life_h": {"liver": NaN}}', encoding="utf-8")
    base = ["dose", "--spect", spect, "--liver-mask", liver, "--time-h", "20"]
    return [
        ("Y-90 on a 166Ho SPECT", [*base, "--out", out, "--nuclide", "Y-90"], "nuclide", out),
        ("unknown nuclide", [*base, "--out", out, "--nuclide", "Xx-1"], "nuclide", out),
        ("unknown TAC model", [*base, "--out", out, "--tac-model", "foo"], "tac_model", out),
        ("unknown method", [*base, "--out", out, "--method", "monte-carlo"], "method", out),
        ("existing --out", [*base, "--out", used], "--overwrite", used),
        ("--out is a file", [*base, "--out", a_file], "--out", a_file),
        ("--out under /proc", [*base, "--out", "/proc/hepar-x"], "/proc", None),
        ("--out inside a file", [*base, "--out", a_file / "sub"], "--out", a_file),
        ("--out name too long", [*base, "--out", tmp_path / ("o" * 250)], "--out", None),
        ("negative time", ["dose", "--spect", spect, "--time-h", "-2", "--out", out], "time_h",
         out),
        ("NaN time", ["dose", "--spect", spect, "--time-h", "nan", "--out", out], "time_h", out),
        ("non-numeric time", ["dose", "--spect", spect, "--time-h", "x", "--out", out],
         "--time-h", out),
        ("two times for 166Ho", ["dose", "--spect", spect, "--time-h", "1", "--time-h", "2",
                                 "--out", out], "time_h", out),
        ("administered 0 MBq", [*base, "--out", out, "--administered-activity-mbq", "0"],
         "administered_activity_mbq", out),
        ("administered 1e12 MBq", [*base, "--out", out, "--administered-activity-mbq", "1e12"],
         "activity_mbq_max", out),
        ("NIfTI without a unit", ["dose", "--spect", images["spect_plain"], "--out", out],
         "--unit", out),
        ("NaN mask", ["dose", "--spect", spect, "--liver-mask", images["nan_mask"], "--out", out],
         "liver", out),
        ("empty mask", ["dose", "--spect", spect, "--liver-mask", images["empty"], "--out", out],
         "liver", out),
        ("missing SPECT", ["dose", "--spect", tmp_path / "no.nii.gz", "--out", out], "no.nii.gz",
         out),
        ("Lu-177 time count", ["dose", "--nuclide", "Lu-177", "--spect", spect, "--spect", spect,
                               "--time-h", "4", "--out", out], "time_h", out),
        ("no --out", ["dose", "--spect", spect], "--out", None),
        ("effective half-life 0", ["dose", "--nuclide", "Lu-177", "--spect", spect, "--time-h",
                                   "24", "--effective-half-life-h", "0", "--out", out],
         "effective_half_life_h", out),
        ("NaN in an earlier summary", [*base, "--out", out, "--combine-with", nan_summary],
         "combine_with", out),
        ("unknown option", [*base, "--ct", images["ct"], "--out", out, "--spect-x"],
         "--spect-x", out),
    ]


CASE_COUNT = 24


@pytest.mark.parametrize("index", range(CASE_COUNT))
def test_bad_dose_input(images, tmp_path, capsys, index):
    cases = _cases(images, tmp_path)
    assert len(cases) == CASE_COUNT
    _case, argv, named, out = cases[index]
    check_bad_input(capsys, argv, named, out=out)


def test_overwrite_replaces_the_folder_whole(images, tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "stale_from_an_earlier_run.csv").write_text("old\n", encoding="utf-8")
    argv = ["dose", "--spect", images["spect"], "--liver-mask", images["liver"], "--time-h", "20",
            "--out", out, "--overwrite", "--json"]
    assert main([str(a) for a in argv]) == 0
    summary = json.loads(capsys.readouterr().out)
    names = {p.name for p in out.iterdir()}
    assert "stale_from_an_earlier_run.csv" not in names
    assert names == {p.rsplit("/", 1)[-1] for p in summary["files"].values()}
    assert [p.name for p in tmp_path.iterdir() if ".hepar-" in p.name] == []


def test_plain_nifti_spect_with_like_takes_the_ct_frame(images, tmp_path, capsys):
    out = tmp_path / "out"
    argv = ["dose", "--spect", images["spect_plain"], "--unit", "Bq/mL", "--time-h", "20",
            "--ct", images["ct"], "--out", out]
    check_bad_input(capsys, argv, "--like", out=out)  # no frame: the CT cannot be used...
    assert main([str(a) for a in [*argv, "--like", images["ct"], "--json"]]) == 0  # ...now it can
    summary = json.loads(capsys.readouterr().out)
    assert summary["frame_of_reference_uid"] == "1.2.826.0.1.3680043.10.1.9"
    assert snapshot(out) is not None
