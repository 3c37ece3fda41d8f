"""``hepar recon`` refuses bad input with one ``error:`` line, exit status 2 and nothing
written: options, paths, and files that disagree with each other (issue 8: a frame count that
disagrees with the header, a missing energy window, a CT that does not cover the SPECT field of
view, mismatched frames of reference)."""

from __future__ import annotations

import dataclasses
import shutil

import pydicom
import pytest
from spect_cli_settings import REFERENCE

from hepar.cli import main
from hepar.io import read_ct_series, read_nm_projections, write_ct_series, write_nm_projections


@pytest.fixture(scope="module")
def bad_files(study, tmp_path_factory):
    """Broken variants of the scout's files, each wrong in one way."""
    root = tmp_path_factory.mktemp("bad")
    scan = study["scans"]["ho166_scout"]
    projections = study["patient"] / scan["projections"]
    files = {}
    # NumberOfFramesInRotation that disagrees with the frames
    dataset = pydicom.dcmread(projections)
    dataset.RotationInformationSequence[0].NumberOfFramesInRotation += 1
    files["frames"] = root / "frames.dcm"
    dataset.save_as(files["frames"])
    # NumberOfFrames that disagrees with the pixel data
    dataset = pydicom.dcmread(projections)
    dataset.NumberOfFrames = int(dataset.NumberOfFrames) - 1
    files["number_of_frames"] = root / "number_of_frames.dcm"
    dataset.save_as(files["number_of_frames"])
    # no 81 keV window (the 166Ho photopeak)
    read = read_nm_projections(projections)
    keep = [i for i, w in enumerate(read.windows) if not w.lower_kev <= 80.6 <= w.upper_kev]
    no_peak = dataclasses.replace(read, counts=read.counts[keep],
                                  windows=tuple(read.windows[i] for i in keep))
    files["no_window"] = write_nm_projections(no_peak, root / "no_window.dcm")
    # a CT holding only the lowest quarter of the slices
    ct = read_ct_series(study["patient"] / scan["ct"])
    quarter = ct.shape[0] // 4
    from hepar.imaging import Volume

    cropped = Volume(ct.array[:quarter], ct.affine, ct.unit, ct.frame_of_reference_uid)
    files["short_ct"] = root / "short_ct"
    write_ct_series(cropped, files["short_ct"])
    # a CT of full length but only the middle half of its columns (x): the body's flanks are
    # outside it, so the posterior and anterior views see activity the CT does not cover
    import numpy as np

    nx = ct.shape[2]
    start = nx // 4
    shift = np.eye(4)
    shift[2, 3] = start  # index order (slice, row, column): the column origin moves
    narrow = Volume(ct.array[:, :, start:nx - start], ct.affine @ shift, ct.unit,
                    ct.frame_of_reference_uid)
    files["narrow_ct"] = root / "narrow_ct"
    write_ct_series(narrow, files["narrow_ct"])
    # a camera file that is not JSON, and one with 166Ho only
    files["not_json"] = root / "camera.json"
    files["not_json"].write_text("{not json")
    files["ho_only"] = root / "camera_ho.json"
    assert main(["calibrate", str(study["sources"]["Ho-166"]), "--activity-mbq", "100",
                 "--reference-time", REFERENCE.isoformat(), "--out", str(files["ho_only"])]) == 0
    return files


CASES = {
    # name: (changes to the good command, text the error line must hold)
    "neither camera nor normalisation": ({"--camera": None}, "camera = None"),
    "camera and normalisation": ({"--normalise-to-mbq": "200"}, "normalise_to_mbq = 200.0"),
    "no iterations": ({"--iterations": "0"}, "iterations = 0"),
    "negative subsets": ({"--subsets": "-1"}, "subsets = -1"),
    "negative normalisation": ({"--camera": None, "--normalise-to-mbq": "-5"},
                               "normalise_to_mbq = -5.0"),
    "isotope not reconstructed": ({"--isotope": "Tc-99m"}, "isotope = 'Tc-99m'"),
    "projections missing": ({"PROJ": "missing.dcm"}, "projections = "),
    "CT missing": ({"--ct": "missing_ct"}, "ct = "),
    "camera missing": ({"--camera": "missing.json"}, "camera = "),
    "camera not JSON": ({"--camera": "@not_json"}, "expected a JSON camera file"),
    "camera without the isotope": ({"--camera": "@ho_only", "--isotope": "Lu-177"},
                                   "a sensitivity for Lu-177"),
    "frames in rotation vs header": ({"PROJ": "@frames"}, "NumberOfFramesInRotation"),
    "frame count vs pixel data": ({"PROJ": "@number_of_frames"}, "NumberOfFrames"),
    "missing photopeak window": ({"PROJ": "@no_window"}, "a photopeak window containing 80.6"),
    "CT not covering the field of view": ({"--ct": "@short_ct"},
                                          "a CT covering the SPECT field of view"),
    "CT not covering the field of view in x": ({"--ct": "@narrow_ct"},
                                               "a CT covering the SPECT field of view"),
    "frames of reference differ": ({"--ct": "TREATMENT_CT"}, "frame_of_reference_uid"),
    "a reconstruction as projections": ({"PROJ": "RECON"}, "ImageType"),
    "bad collimator": ({"--collimator": "PINHOLE"}, "collimator = 'PINHOLE'"),
    "output exists": ({"--out": "EXISTS"}, "out = "),
    "overwrite of a foreign folder": ({"--out": "EXISTS", "--overwrite": True},
                                      "refusing to replace anything else"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_is_one_error_line_exit_2_and_nothing_written(study, bad_files, tmp_path,
                                                                capsys, name):
    changes, text = CASES[name]
    scan = study["scans"]["ho166_scout"]
    options = {"PROJ": str(study["patient"] / scan["projections"]),
               "--ct": str(study["patient"] / scan["ct"]), "--camera": str(study["camera"]),
               "--out": str(tmp_path / "recon")}
    options.update(changes)
    for key, value in list(options.items()):
        if isinstance(value, str) and value.startswith("@"):
            options[key] = str(bad_files[value[1:]])
        elif value == "TREATMENT_CT":
            options[key] = str(study["patient"] / study["scans"]["ho166_treatment"]["ct"])
        elif value == "RECON":
            options[key] = str(_reconstruction(tmp_path))
        elif value == "EXISTS":
            (tmp_path / "precious").mkdir(exist_ok=True)
            (tmp_path / "precious" / "keep.txt").write_text("keep me")
            options[key] = str(tmp_path / "precious")
        elif value in ("missing.dcm", "missing_ct", "missing.json"):
            options[key] = str(tmp_path / value)
    before = sorted(p.name for p in tmp_path.iterdir())
    args = ["recon", options.pop("PROJ")]
    for key, value in options.items():
        if value is True:
            args.append(key)
        elif value is not None:
            args += [key, value]
    assert main(args) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("error: ") and text in lines[0], lines[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no output, no temporary
    if (tmp_path / "precious").exists():
        assert (tmp_path / "precious" / "keep.txt").read_text() == "keep me"


def _reconstruction(tmp_path):
    import numpy as np

    from hepar.imaging import Volume, affine_from_geometry
    from hepar.io import write_nm_reconstruction

    folder = tmp_path.parent / f"{tmp_path.name}_other"
    folder.mkdir(exist_ok=True)
    volume = Volume(np.ones((2, 3, 3)), affine_from_geometry(origin_lps_mm=(0, 0, 0),
                                                             spacing_mm=(4, 4, 4)),
                    "Bq/mL", "2.25.1")
    return write_nm_reconstruction(volume, folder / "recon.dcm")


def test_a_failed_write_leaves_nothing_behind(study, tmp_path, monkeypatch, capsys):
    # Writing fails after reconstructing (a full disk, say): no OUT and no temporary folder.
    import hepar.io

    def fail(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(hepar.io, "write_nifti", fail)
    scan = study["scans"]["ho166_scout"]
    status = main(["recon", str(study["patient"] / scan["projections"]), "--ct",
                   str(study["patient"] / scan["ct"]), "--normalise-to-mbq", "200",
                   "--iterations", "1", "--subsets", "2", "--out", str(tmp_path / "recon")])
    # the CLI's error contract (hepar.cli._errors): an OS error is one line, never a traceback
    err = capsys.readouterr().err
    assert status != 0
    assert err.count("\n") == 1 and err.startswith("error:") and "disk full" in err
    assert list(tmp_path.iterdir()) == []
    shutil.rmtree(tmp_path, ignore_errors=True)
