"""``hepar info``: the JSON contract (README.md, hepar info), the table, one-line errors."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest
from pydicom.data import get_testdata_file

from hepar.cli import main
from hepar.imaging import Volume, affine_from_geometry
from hepar.io import write_ct_series, write_nifti, write_nm_projections, write_rtdose
from hepar.spect import EnergyWindow, Projections

FRAME = "2.25.99887766554433221100"

#: The keys of ``hepar info --json`` (README.md, hepar info); every key is always present.
CONTRACT_KEYS = [
    "path", "kind", "modality", "sop_class", "shape", "spacing_mm", "origin_lps_mm",
    "orientation", "unit", "energy_windows", "isotope", "acquisition_start", "frame_duration_s",
    "n_views", "n_detectors", "regions", "frame_of_reference_uid", "study_instance_uid",
    "series_instance_uid", "n_files", "warnings",
]


def _info(capsys, *args):
    status = main(["info", *map(str, args), "--json"])
    captured = capsys.readouterr()
    assert status == 0, captured.err
    record = json.loads(captured.out)
    assert list(record) == CONTRACT_KEYS
    return record


def _ct(unit="HU"):
    affine = affine_from_geometry(origin_lps_mm=(-100.0, -80.0, 20.0), spacing_mm=(3.0, 2.0, 2.0))
    return Volume(np.zeros((4, 5, 6)), affine, unit, FRAME)


def _projections():
    return Projections(
        counts=np.ones((2, 4, 3, 3)), angles_deg=np.array([180.0, 177.0, 0.0, 357.0]),
        detector_of_view=np.array([1, 1, 2, 2]),
        windows=(EnergyWindow("Ho166 81keV", 74.0, 87.0), EnergyWindow("scatter", 104.0, 132.0)),
        pixel_spacing_mm=(4.8, 4.8),
        acquisition_start=datetime(2016, 5, 3, 10, 15, 30, tzinfo=timezone(timedelta(hours=2))),
        frame_duration_s=20.0, isotope="Ho-166", frame_of_reference_uid=FRAME,
    )


def test_ct_series_folder(tmp_path, capsys):
    write_ct_series(_ct(), tmp_path / "ct")
    record = _info(capsys, tmp_path / "ct")
    assert record["kind"] == "image_series" and record["modality"] == "CT"
    assert record["shape"] == [4, 5, 6] and record["n_files"] == 4
    assert record["spacing_mm"] == [3.0, 2.0, 2.0]
    assert record["origin_lps_mm"] == [-100.0, -80.0, 20.0]
    assert record["orientation"] == [1.0, 0.0, 0.0, 0.0, 1.0, 0.0]
    assert record["unit"] == "HU" and record["frame_of_reference_uid"] == FRAME
    assert record["energy_windows"] == [] and record["warnings"] == []


def test_nifti_file(tmp_path, capsys):
    record = _info(capsys, write_nifti(_ct("Bq/mL"), tmp_path / "spect.nii.gz"))
    assert record["kind"] == "nifti" and record["modality"] is None
    assert record["shape"] == [4, 5, 6] and record["unit"] == "Bq/mL"
    assert record["spacing_mm"] == pytest.approx([3.0, 2.0, 2.0])
    assert record["frame_of_reference_uid"] == FRAME


def test_nm_projection_file(tmp_path, capsys):
    record = _info(capsys, write_nm_projections(_projections(), tmp_path / "nm.dcm"))
    assert record["kind"] == "nm_projections" and record["modality"] == "NM"
    assert record["shape"] == [2, 4, 3, 3]  # window, view, row, column
    assert record["energy_windows"] == [
        {"name": "Ho166 81keV", "lower_kev": 74.0, "upper_kev": 87.0},
        {"name": "scatter", "lower_kev": 104.0, "upper_kev": 132.0},
    ]
    assert record["acquisition_start"] == "2016-05-03T10:15:30+02:00"
    assert record["frame_duration_s"] == 20.0
    assert (record["n_views"], record["n_detectors"]) == (4, 2)
    assert record["isotope"] == "Ho-166" and record["unit"] == "counts"


def test_table_output_is_readable(tmp_path, capsys):
    path = write_nm_projections(_projections(), tmp_path / "nm.dcm")
    assert main(["info", str(path)]) == 0
    out = capsys.readouterr().out
    for text in ("nm_projections", "window Ho166 81keV", "74-87 keV", "2016-05-03T10:15:30+02:00"):
        assert text in out


def test_rt_dose_and_a_folder_holding_one_file(tmp_path, capsys):
    (tmp_path / "dose").mkdir()
    write_rtdose(_ct("Gy"), tmp_path / "dose" / "dose.dcm")
    record = _info(capsys, tmp_path / "dose")
    assert record["kind"] == "rt_dose" and record["unit"] == "Gy"
    assert record["shape"] == [4, 5, 6]


@pytest.mark.filterwarnings("ignore:Invalid value for VR UI")
@pytest.mark.parametrize(("name", "kind", "modality"), [
    ("CT_small.dcm", "image", "CT"), ("rtdose.dcm", "rt_dose", "RTDOSE"),
    ("rtstruct.dcm", "rt_struct", "RTSTRUCT"), ("liver_1frame.dcm", "seg", "SEG"),
])
def test_pydicom_sample_files(capsys, name, kind, modality):
    record = _info(capsys, get_testdata_file(name))
    assert (record["kind"], record["modality"]) == (kind, modality)
    if name == "rtstruct.dcm":
        assert record["regions"] == ["patient", "Isocenter 1", "Isocenter 2"]
    if name == "CT_small.dcm":
        assert record["acquisition_start"] == "1997-04-30T11:29:36-05:00"


def test_two_series_need_a_choice(tmp_path, capsys):
    write_ct_series(_ct(), tmp_path / "a")
    write_ct_series(_ct(), tmp_path / "b")
    for path in (tmp_path / "b").iterdir():
        shutil.move(path, tmp_path / "a" / f"b_{path.name}")
    assert main(["info", str(tmp_path / "a")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "SeriesInstanceUID = '2 series" in err
    uid = json.loads(_single(capsys, tmp_path / "a" / "b_CT_0001.dcm"))["series_instance_uid"]
    record = _info(capsys, tmp_path / "a", "--series", uid)
    assert record["series_instance_uid"] == uid and record["n_files"] == 4


def _single(capsys, path):
    assert main(["info", str(path), "--json"]) == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("make", ["missing", "text", "empty folder"])
def test_bad_input_is_one_line_with_status_2(tmp_path, capsys, make):
    path = tmp_path / "x"
    if make == "text":
        path.write_text("hello")
    elif make == "empty folder":
        path.mkdir()
    assert main(["info", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1


def test_console_script_exit_status(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", "from hepar.cli import entry_point; entry_point()", "info",
         str(tmp_path / "none")], capture_output=True, text=True, check=False)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith("error: path = ")


def test_what_pydicom_tolerated_is_listed_not_printed(capsys):
    # Lenient reading (STYLE.md habit 7): pydicom's sample RT Dose has an invalid UI value; hepar
    # records it under `warnings` instead of letting a Python warning reach the terminal.
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        record = _info(capsys, get_testdata_file("rtdose.dcm"))
    assert any(w.startswith("pydicom: Invalid value for VR UI") for w in record["warnings"])
