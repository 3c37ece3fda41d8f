"""Small synthetic images for the bad-input tests of plan, dose and info (built with hepar.io's
writers on a 16^3 grid; no committed binary data, no patient data). Also imported by
tests/properties (pytest puts this folder on sys.path)."""

from __future__ import annotations

from pathlib import Path

import nibabel as nib
import numpy as np
import pytest

from hepar.imaging import Mask, Volume, affine_from_geometry
from hepar.io import write_ct_series, write_nifti, write_nm_reconstruction, write_seg

FRAME = "1.2.826.0.1.3680043.10.1.9"
SHAPE = (16, 16, 16)


def volume(array, unit, *, frame=FRAME, origin=(-40.0, -40.0, -40.0)):
    affine = affine_from_geometry(origin_lps_mm=origin, spacing_mm=(5.0, 5.0, 5.0))
    return Volume(np.asarray(array, dtype=float), affine, unit, frame)


@pytest.fixture(scope="session")
def images(tmp_path_factory) -> dict[str, Path]:
    """The images of :func:`build_images`, once per session."""
    return build_images(tmp_path_factory.mktemp("images"))


def build_images(folder: Path) -> dict[str, Path]:
    """NIfTI inputs: a Bq/mL SPECT with and without a stored unit/frame, masks good and bad, a
    DICOM CT series, an NM RECON TOMO and a SEG on the same frame."""
    liver = np.zeros(SHAPE)
    liver[3:11, 3:13, 3:13] = 1.0
    lungs = np.zeros(SHAPE)
    lungs[12:15, 3:13, 3:13] = 1.0
    spect = np.where(liver > 0, 2.0e5, 0.0)
    spect[lungs > 0] = 1.0e3
    paths: dict[str, Path] = {}
    for name, array, unit in (("spect", spect, "Bq/mL"), ("liver", liver, "1"),
                              ("lungs", lungs, "1"), ("empty", np.zeros(SHAPE), "1"),
                              ("ct_hu", np.zeros(SHAPE), "HU")):
        paths[name] = write_nifti(volume(array, unit), folder / f"{name}.nii.gz")
    nan_mask = liver.copy()
    nan_mask[5, 5, 5] = np.nan
    paths["nan_mask"] = write_nifti(volume(nan_mask, "1"), folder / "nan_mask.nii.gz")
    paths["far_mask"] = write_nifti(volume(liver, "1", origin=(900.0, 900.0, 900.0)),
                                    folder / "far_mask.nii.gz")
    paths["negative_spect"] = write_nifti(volume(-spect, "Bq/mL"), folder / "negative.nii.gz")
    paths["gy"] = write_nifti(volume(spect, "Gy"), folder / "gy.nii.gz")
    # a NIfTI written by another program: no unit, no frame of reference
    affine = np.array([[-5.0, 0, 0, 40.0], [0, -5.0, 0, 40.0], [0, 0, 5.0, -40.0], [0, 0, 0, 1]])
    image = nib.Nifti1Image(spect.transpose(2, 1, 0).astype(np.float32), affine)
    image.set_sform(affine, code="scanner")
    paths["spect_plain"] = folder / "spect_plain.nii.gz"
    nib.save(image, paths["spect_plain"])
    ct = volume(np.where(liver > 0, 50.0, -1000.0), "HU")
    files = write_ct_series(ct, folder / "ct")
    paths["ct"] = folder / "ct"
    paths["ct_slice"] = files[0]
    paths["nm"] = write_nm_reconstruction(volume(spect, "Bq/mL"), folder / "recon.dcm",
                                          isotope="Ho-166")
    paths["seg"] = write_seg([Mask("liver", volume(liver, "1"))], folder / "seg.dcm")
    return paths


def truncated(source: Path, folder: Path, fraction: float) -> Path:
    """A copy of ``source`` cut to ``fraction`` of its bytes."""
    data = source.read_bytes()
    path = folder / f"cut_{fraction:g}_{source.name}"
    path.write_bytes(data[: int(len(data) * fraction)])
    return path
