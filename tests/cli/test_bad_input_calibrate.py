"""``hepar calibrate``: a bad activity, reference time, isotope, collimator, acquisition file or
``--out`` is one ``error:`` line with exit status 2, checked before the acquisition is read, and
no camera file (nor a temporary one) is written (issue 9)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from bad_input import check_bad_input, snapshot
from cli_images import truncated
from cli_nm import REFERENCE, SOURCE_MBQ


def _cases(files, tmp_path):
    source, camera = files["source"], files["camera"]
    out = tmp_path / "camera.json"
    existing = tmp_path / "existing.json"
    existing.write_text('{"earlier": "camera"}', encoding="utf-8")
    a_file = tmp_path / "notes.txt"
    a_file.write_text("not DICOM", encoding="utf-8")
    half = truncated(source, tmp_path, 0.5)
    not_json = tmp_path / "not_camera.json"
    not_json.write_text("{not json", encoding="utf-8")
    ct_slice = sorted(files["ct"].glob("*.dcm"))[0]
    when = REFERENCE.isoformat()

    def run(*extra, acquisition=source, activity=str(SOURCE_MBQ), reference=when, target=out):
        argv = ["calibrate", acquisition]
        if activity is not None:
            argv += ["--activity-mbq", activity]
        if reference is not None:
            argv += ["--reference-time", reference]
        if target is not None:
            argv += ["--out", target]
        return [*argv, *extra]

    decade = (REFERENCE - timedelta(days=3650)).isoformat()
    return [
        ("zero activity", run(activity="0"), "activity_mbq", out),
        ("negative activity", run(activity="-100"), "activity_mbq", out),
        ("NaN activity", run(activity="nan"), "activity_mbq", out),
        ("infinite activity", run(activity="inf"), "activity_mbq", out),
        ("non-numeric activity", run(activity="100MBq"), "--activity-mbq", out),
        ("missing activity", run(activity=None), "--activity-mbq", out),
        ("time without offset", run(reference="2015-04-18T08:00:00"), "reference_time", out),
        ("time not ISO", run(reference="18/04/2015 08:00"), "reference_time", out),
        ("reference ten years before", run(reference=decade), "reference_time", out),
        ("unknown isotope", run("--isotope", "Xx-999"), "isotope", out),
        ("unknown collimator", run("--collimator", "PINHOLE"), "collimator", out),
        ("missing acquisition", run(acquisition=tmp_path / "none.dcm"), "acquisition", out),
        ("acquisition is a folder", run(acquisition=tmp_path), "acquisition", out),
        ("acquisition not DICOM", run(acquisition=a_file), "notes.txt", out),
        ("truncated acquisition", run(acquisition=half), half.name, out),
        ("a CT slice as acquisition", run(acquisition=ct_slice), ct_slice.name, out),
        ("existing --out", run(target=existing), "out", existing),
        ("--out is a folder", run(target=tmp_path), "out", None),
        ("--out not JSON", run(target=tmp_path / "camera.txt"), "out", tmp_path / "camera.txt"),
        ("--out in a missing folder", run(target=tmp_path / "no" / "camera.json"), "out",
         tmp_path / "no"),
        ("--out under /proc", run(target="/proc/camera.json"), "/proc", None),
        ("--out inside a file", run(target=a_file / "camera.json"), "out", a_file),
        ("missing --out", run(target=None), "--out", None),
        ("--combine-with missing", run("--combine-with", tmp_path / "none.json"),
         "combine_with", out),
        ("--combine-with not JSON", run("--combine-with", not_json), "not_camera.json", out),
        ("--combine-with the same isotope", run("--combine-with", camera), "Ho-166", out),
    ]


CASE_COUNT = 26


@pytest.mark.parametrize("index", range(CASE_COUNT))
def test_bad_calibrate_input(nm_files, tmp_path, capsys, index):
    cases = _cases(nm_files, tmp_path)
    assert len(cases) == CASE_COUNT
    _case, argv, named, out = cases[index]
    camera_before = snapshot(nm_files["camera"])
    before = sorted(p.name for p in tmp_path.iterdir())
    check_bad_input(capsys, argv, named, out=out)
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing, not even a temp
    assert snapshot(nm_files["camera"]) == camera_before
