"""``hepar recon``: a bad option, input file or ``--out`` is one ``error:`` line with exit status
2, checked before any reconstruction, and ``--out`` is absent or unchanged afterwards, with no
staging folder left beside it (issue 9). tests/spect_cli/test_recon_bad_inputs.py holds the
files that disagree with each other (frame counts, windows, CT coverage)."""

from __future__ import annotations

import pytest
from bad_input import check_bad_input
from cli_images import truncated


def _cases(files, tmp_path):
    projections, ct, camera = files["projections"], files["ct"], files["camera"]
    out = tmp_path / "recon"
    a_file = tmp_path / "notes.txt"
    a_file.write_text("not DICOM", encoding="utf-8")
    used = tmp_path / "used"
    used.mkdir()
    (used / "keep.txt").write_text("earlier work", encoding="utf-8")
    not_json = tmp_path / "camera.json"
    not_json.write_text("{not json", encoding="utf-8")
    half = truncated(projections, tmp_path, 0.4)
    ct_slice = sorted(ct.glob("*.dcm"))[0]

    def run(*extra, proj=projections, ct_path=ct, target=out, calibration=camera):
        argv = ["recon", proj, "--ct", ct_path]
        if calibration is not None:
            argv += ["--camera", calibration]
        if target is not None:
            argv += ["--out", target]
        return [*argv, "--iterations", "1", "--subsets", "2", *extra]

    return [
        ("no iterations", run("--iterations", "0"), "iterations", out),
        ("negative subsets", run("--subsets", "-1"), "subsets", out),
        ("non-numeric iterations", run("--iterations", "four"), "--iterations", out),
        ("NaN normalisation", run("--normalise-to-mbq", "nan", calibration=None),
         "normalise_to_mbq", out),
        ("zero normalisation", run("--normalise-to-mbq", "0", calibration=None),
         "normalise_to_mbq", out),
        ("no calibration", run(calibration=None), "camera", out),
        ("camera and normalisation", run("--normalise-to-mbq", "200"), "normalise_to_mbq", out),
        ("isotope not reconstructed", run("--isotope", "Tc-99m"), "isotope", out),
        ("unknown collimator", run("--collimator", "PINHOLE"), "collimator", out),
        ("negative post-filter", run("--post-filter-fwhm-mm", "-3"), "post_filter_fwhm_mm",
         out),
        ("infinite post-filter", run("--post-filter-fwhm-mm", "inf"), "post_filter_fwhm_mm",
         out),
        ("missing projections", run(proj=tmp_path / "none.dcm"), "projections", out),
        ("projections not DICOM", run(proj=a_file), "notes.txt", out),
        ("truncated projections", run(proj=half), half.name, out),
        ("a CT slice as projections", run(proj=ct_slice), ct_slice.name, out),
        ("a planar source as projections", run(proj=files["source"]), "source_ho166.dcm", out),
        ("missing CT", run(ct_path=tmp_path / "no_ct"), "ct", out),
        ("CT of another session", run(ct_path=files["other_ct"]), "frame_of_reference_uid",
         out),
        ("missing camera file", run(calibration=tmp_path / "none.json"), "camera", out),
        ("camera not JSON", run(calibration=not_json), "camera.json", out),
        ("--out exists", run(target=used), "out", used),
        ("--out of another program with --overwrite", run("--overwrite", target=used), "out",
         used),
        ("--out is a file", run(target=a_file), "out", a_file),
        ("--out under /proc", run(target="/proc/hepar-recon"), "/proc", None),
        ("--out inside a file", run(target=a_file / "recon"), "out", a_file),
        ("--out in a missing folder", run(target=tmp_path / "no" / "recon"), "out",
         tmp_path / "no"),
        ("--out name too long", run(target=tmp_path / ("r" * 250)), "out", None),
        ("missing --out", run(target=None), "--out", None),
    ]


CASE_COUNT = 28


@pytest.mark.parametrize("index", range(CASE_COUNT))
def test_bad_recon_input(nm_files, tmp_path, capsys, index):
    cases = _cases(nm_files, tmp_path)
    assert len(cases) == CASE_COUNT
    _case, argv, named, out = cases[index]
    before = sorted(p.name for p in tmp_path.iterdir())
    check_bad_input(capsys, argv, named, out=out)
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no output, no staging
