"""``hepar recon`` end to end on the files ``hepar phantom`` and ``hepar calibrate`` write, and
the reconstruction used directly by ``hepar plan --spect`` and ``hepar dose --spect``."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pydicom
import pytest

from hepar.cli import main
from hepar.io import read_ct_series, read_nifti, read_nm_reconstruction


@pytest.fixture(scope="module")
def scout_recon(study, tmp_path_factory):
    out = tmp_path_factory.mktemp("recon") / "scout"
    scan = study["scans"]["ho166_scout"]
    code = main(["recon", str(study["patient"] / scan["projections"]), "--ct",
                 str(study["patient"] / scan["ct"]), "--camera", str(study["camera"]),
                 "--out", str(out), "--json"])
    assert code == 0
    return out


def test_recon_writes_dicom_nifti_and_its_record(study, scout_recon):
    record = json.loads((scout_recon / "recon.json").read_text())
    assert sorted(p.name for p in scout_recon.iterdir()) == [
        "recon.dcm", "recon.json", "recon_bq_per_ml.nii.gz"]
    assert record["calibration"] == "camera"
    assert record["isotope"] == "Ho-166"
    assert (record["iterations"], record["subsets"]) == (4, 8)
    assert record["version"]
    scan = study["scans"]["ho166_scout"]
    projections = study["patient"] / scan["projections"]
    digest = hashlib.sha256(projections.read_bytes()).hexdigest()
    assert {"role": "projections", "path": str(projections), "sha256": digest} in record["inputs"]
    assert {r["role"] for r in record["inputs"]} == {"projections", "ct", "camera"}
    ct_files = [r for r in record["inputs"] if r["role"] == "ct"]
    assert len(ct_files) == len(list((study["patient"] / scan["ct"]).iterdir()))


def test_recon_total_is_the_activity_the_simulator_put_in_the_field_of_view(study, scout_recon):
    # A test of the file path (camera file, decay, units, DICOM scaling), not of OSEM accuracy
    # (tests/spect): a lost factor (s vs ms, per head, Bq vs MBq) is >= 2x off. 15 % covers the
    # tiny preset's 14.4 mm pixels; issue 8 asks 5 % on clinical data (benchmark).
    record = json.loads((scout_recon / "recon.json").read_text())
    truth = study["scans"]["ho166_scout"]["activity_in_fov_mbq"]
    assert record["total_activity_mbq"] == pytest.approx(truth, rel=0.15)


def test_recon_dicom_is_nm_recon_tomo_in_bq_per_ml_on_the_cts_frame(study, scout_recon):
    scan = study["scans"]["ho166_scout"]
    dataset = pydicom.dcmread(scout_recon / "recon.dcm")
    assert list(dataset.ImageType)[2] == "RECON TOMO"
    assert dataset.Units == "BQML"
    ct = read_ct_series(study["patient"] / scan["ct"])
    assert dataset.FrameOfReferenceUID == ct.frame_of_reference_uid
    assert dataset.StudyInstanceUID == ct.metadata["study_instance_uid"]
    assert dataset.AcquisitionDate == scan["acquisition_start"][:10].replace("-", "")
    volume = read_nm_reconstruction(scout_recon / "recon.dcm")
    nifti = read_nifti(scout_recon / "recon_bq_per_ml.nii.gz")
    record = json.loads((scout_recon / "recon.json").read_text())
    mbq = 1e-6 * volume.voxel_volume_ml
    # uint16 storage: each voxel within slope / 2 = 7.6e-6 of the range (PS3.3 C.8.4.9)
    assert float(volume.array.sum()) * mbq == pytest.approx(record["total_activity_mbq"],
                                                            rel=1e-3)
    np.testing.assert_allclose(volume.array, nifti.array,
                               atol=float(nifti.array.max()) / 65535)
    assert volume.metadata["isotope"] == "Ho-166"


def test_normalised_recon_holds_the_given_activity_and_says_so(study, tmp_path, capsys):
    scan = study["scans"]["ho166_treatment"]
    out = tmp_path / "normalised"
    assert main(["recon", str(study["patient"] / scan["projections"]), "--ct",
                 str(study["patient"] / scan["ct"]), "--normalise-to-mbq", "2000",
                 "--iterations", "2", "--subsets", "4", "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert "calibration: normalised" in captured.out
    assert captured.err == ""  # no progress bar when stderr is not a terminal
    record = json.loads((out / "recon.json").read_text())
    assert record["calibration"] == "normalised"
    assert record["total_activity_mbq"] == pytest.approx(2000.0, rel=1e-6)
    assert (record["iterations"], record["subsets"]) == (2, 4)


def test_plan_and_dose_take_the_reconstruction_as_it_is_written(study, scout_recon, tmp_path,
                                                                capsys):
    masks = study["masks"]["scout"]
    assert main(["plan", "--spect", str(scout_recon / "recon.dcm"), "--liver-mask",
                 masks["liver"], "--lung-mask", masks["lungs"], "--json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert plan["activity_mbq"] > 0 and 0 <= plan["lung_shunt_fraction"] < 1
    out = tmp_path / "dose"
    assert main(["dose", "--spect", str(scout_recon / "recon_bq_per_ml.nii.gz"), "--time-h",
                 "3", "--liver-mask", masks["liver"], "--out", str(out), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert (out / "dose_rtdose.dcm").is_file()
    assert summary["frame_of_reference_uid"] == json.loads(
        (scout_recon / "recon.json").read_text())["frame_of_reference_uid"]


def test_overwrite_replaces_only_a_reconstruction_folder(study, scout_recon, tmp_path, capsys):
    scan = study["scans"]["ho166_scout"]
    args = ["recon", str(study["patient"] / scan["projections"]), "--ct",
            str(study["patient"] / scan["ct"]), "--normalise-to-mbq", "200", "--iterations",
            "1", "--subsets", "2", "--out"]
    out = tmp_path / "again"
    assert main([*args, str(out)]) == 0
    assert main([*args, str(out)]) == 2
    assert main([*args, str(out), "--overwrite"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["again"]
    capsys.readouterr()
