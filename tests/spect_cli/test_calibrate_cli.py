"""``hepar calibrate`` end to end on real files: a simulated 166Ho source written as NM STATIC."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

import pytest
from spect_cli_settings import REFERENCE, SOURCE_MBQ

from hepar.cli import main
from hepar.io import read_camera_file

#: 166Ho half-life 26.812 h (NUBASE 2020; REFERENCE.md), 177Lu 6.647 d (EJNMMI Phys 2020).
HO166_HALF_LIFE_H = 26.812


def _sensitivity(record, isotope, window):
    return next(s["sensitivity_cps_per_mbq"] for s in record["sensitivities"]
                if s["isotope"] == isotope and s["window"] == window)


def test_camera_file_holds_both_isotopes_dead_time_and_the_inputs_hash(study):
    record = json.loads(study["camera"].read_text())
    assert record["format"] == "hepar-camera-calibration" and record["version"] == 1
    calibration = record["calibration"]
    assert {s["isotope"] for s in calibration["sensitivities"]} == {"Ho-166", "Lu-177"}
    assert calibration["dead_time_s"] > 0 and calibration["dead_time_alpha_cps_per_mbq"] > 0
    source = study["sources"]["Ho-166"]
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    assert {"role": "acquisition", "path": str(source), "sha256": digest} in record["inputs"]
    assert read_camera_file(study["camera"]).collimator == "ME"


def test_the_source_activity_is_decay_corrected_from_its_reference_time(study, tmp_path, capsys):
    # The same acquisition, its activity stated one half-life earlier and doubled: the
    # sensitivity must not change (decay law with the NUBASE half-life; 0.1 % covers the
    # 26.80 h of ICRP 107 against 26.812 h).
    out = tmp_path / "camera_earlier.json"
    earlier = REFERENCE - timedelta(hours=HO166_HALF_LIFE_H)
    assert main(["calibrate", str(study["sources"]["Ho-166"]), "--activity-mbq",
                 str(2 * SOURCE_MBQ), "--reference-time", earlier.isoformat(), "--out",
                 str(out), "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    reference = json.loads(study["camera"].read_text())["calibration"]
    assert _sensitivity(printed, "Ho-166", "Ho166 81keV") == pytest.approx(
        _sensitivity(reference, "Ho-166", "Ho166 81keV"), rel=1e-3)
    assert printed["camera"] == str(out)
    assert set(printed) >= {"sensitivities", "dead_time_s", "dead_time_alpha_cps_per_mbq",
                            "collimator", "crosstalk", "source_activity_mbq",
                            "acquisition_start", "inputs", "version"}


def test_an_existing_camera_file_is_kept_unless_overwrite(study, tmp_path, capsys):
    out = tmp_path / "camera.json"
    out.write_text("keep me")
    args = ["calibrate", str(study["sources"]["Ho-166"]), "--activity-mbq", "100",
            "--reference-time", REFERENCE.isoformat(), "--out", str(out)]
    assert main(args) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: out = ")
    assert out.read_text() == "keep me"
    assert main([*args, "--overwrite"]) == 0
    assert json.loads(out.read_text())["format"] == "hepar-camera-calibration"
    assert [p.name for p in tmp_path.iterdir()] == ["camera.json"]  # no temporary left


@pytest.mark.parametrize("change, field", [
    ({"--activity-mbq": "0"}, "activity_mbq = 0.0"),
    ({"--activity-mbq": "nan"}, "activity_mbq = nan"),
    ({"--reference-time": "2015-04-18T08:00:00"}, "reference_time"),
    ({"--reference-time": "yesterday"}, "reference_time = 'yesterday'"),
    ({"--isotope": "Xx-999"}, "Xx-999"),
    ({"--collimator": "PINHOLE"}, "collimator = 'PINHOLE'"),
    ({"ACQ": "missing.dcm"}, "acquisition = "),
    ({"ACQ": "RECON"}, "ImageType"),
    ({"--out": "no/such/folder/camera.json"}, "out = "),
    ({"--out": "camera.txt"}, "a .json file"),
])
def test_bad_calibration_input_is_one_error_line_and_nothing_written(study, tmp_path, capsys,
                                                                       change, field):
    options = {"ACQ": str(study["sources"]["Ho-166"]), "--activity-mbq": "100",
               "--reference-time": REFERENCE.isoformat(), "--out": "camera.json"}
    options.update(change)
    if options["ACQ"] == "RECON":  # a reconstruction is no acquisition
        options["ACQ"] = str(_any_reconstruction(study, tmp_path))
    if not options["--out"].startswith("/"):
        options["--out"] = str(tmp_path / options["--out"])
    before = sorted(p.name for p in tmp_path.iterdir())
    args = ["calibrate", options.pop("ACQ")]
    for key, value in options.items():
        args += [key, value]
    assert main(args) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and field in lines[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def _any_reconstruction(study, tmp_path):
    import numpy as np

    from hepar.imaging import Volume, affine_from_geometry
    from hepar.io import write_nm_reconstruction

    volume = Volume(np.ones((2, 3, 3)), affine_from_geometry(origin_lps_mm=(0, 0, 0),
                                                             spacing_mm=(4, 4, 4)),
                    "Bq/mL", "2.25.1")
    folder = tmp_path.parent / f"{tmp_path.name}_recon"
    folder.mkdir(exist_ok=True)
    return write_nm_reconstruction(volume, folder / "recon.dcm")


def test_info_describes_the_static_calibration_image_fully(study, capsys):
    assert main(["info", str(study["sources"]["Ho-166"]), "--json"]) == 0
    facts = json.loads(capsys.readouterr().out)
    assert facts["kind"] == "nm_static"
    assert facts["isotope"] == "Ho-166"
    assert facts["frame_duration_s"] == 300.0
    assert facts["n_detectors"] == 2 and facts["n_views"] == 2
    assert facts["shape"][:2] == [7, 2]
    assert {w["name"] for w in facts["energy_windows"]} >= {"Ho166 81keV", "Ho166 118keV"}
    assert facts["acquisition_start"] == (REFERENCE + timedelta(minutes=30)).isoformat()


def test_a_spect_acquisition_of_a_filled_cylinder_calibrates_too(tmp_path, capsys):
    # The issue allows a SPECT of a known source: a Jaszczak-size cylinder, NM TOMO.
    from hepar.io import write_nm_projections
    from hepar.phantoms import simulate_calibration_acquisition

    start = REFERENCE + timedelta(minutes=30)
    acquisition, _ = simulate_calibration_acquisition(
        "Ho-166", 150.0, acquisition_start=start, shape="cylinder", frame_duration_s=10.0)
    path = write_nm_projections(acquisition.projections, tmp_path / "cylinder.dcm",
                                creation_datetime=start)
    assert main(["calibrate", str(path), "--activity-mbq", "150", "--reference-time",
                 start.isoformat(), "--out", str(tmp_path / "camera.json"), "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["acquisition_start"] == start.isoformat()
    assert any(s["isotope"] == "Ho-166" for s in printed["sensitivities"])
