"""NIfTI: LPS (z, y, x) <-> RAS (i, j, k), units in the header, shear and other bad files."""

from __future__ import annotations

import nibabel as nib
import numpy as np
import pytest
from io_testdata import FRAME, make_ct_volume

from hepar.errors import (
    FileFormatError,
    GeometryError,
    HeparWarning,
    InvalidValueError,
    UnitMismatchError,
)
from hepar.io import read_nifti, write_nifti


@pytest.mark.parametrize("left_handed", [False, True])
def test_round_trip_keeps_geometry_values_unit_and_frame(tmp_path, left_handed):
    volume = make_ct_volume(left_handed=left_handed)
    path = write_nifti(volume, tmp_path / "ct.nii.gz")
    read = read_nifti(path)
    np.testing.assert_array_equal(read.affine, volume.affine)  # float64 copy in the extension
    np.testing.assert_array_equal(read.array, volume.array)  # float64 stored as is
    # Another reader sees the float32 header: ~1e-7 relative, far inside 1e-3 mm.
    header_affine = nib.load(path).affine
    np.testing.assert_allclose(header_affine @ (2, 3, 4, 1), np.r_[
        [-1, -1, 1] * volume.world_mm((4, 3, 2)), 1], atol=1e-3)
    assert read.unit.value == "HU" and read.frame_of_reference_uid == FRAME


def test_a_header_changed_by_another_tool_wins_over_the_stored_copy(tmp_path):
    volume = make_ct_volume()
    path = write_nifti(volume, tmp_path / "ct.nii")
    image = nib.load(path)
    moved = image.affine.copy()
    moved[2, 3] += 50.0  # another tool shifted the image 50 mm up (RAS z = LPS z)
    image.set_sform(moved, code="scanner")
    image.set_qform(moved, code="scanner")
    nib.save(image, tmp_path / "moved.nii")
    read = read_nifti(tmp_path / "moved.nii")
    np.testing.assert_allclose(read.origin_lps_mm, np.add(volume.origin_lps_mm, (0, 0, 50)),
                               atol=1e-3)


def test_nifti_affine_maps_i_j_k_to_ras(tmp_path):
    volume = make_ct_volume()
    image = nib.load(write_nifti(volume, tmp_path / "ct.nii"))
    # NIfTI-1: data[i, j, k] with i fastest; affine (i, j, k) -> RAS = (-L, -P, S) in LPS terms.
    k, j, i = 4, 7, 2
    x, y, z = volume.world_mm((k, j, i))
    np.testing.assert_allclose(image.affine @ (i, j, k, 1), (-x, -y, z, 1), atol=1e-4)
    assert image.get_fdata()[i, j, k] == volume.array[k, j, i]
    assert image.shape == (12, 10, 6)


def test_sheared_nifti_names_the_file_and_the_field(tmp_path):
    affine = np.diag([2.0, 2.0, 3.0, 1.0])
    affine[0, 1] = 0.5  # column axis leans into the row axis
    image = nib.Nifti1Image(np.zeros((4, 4, 4), np.float32), affine)
    image.header.set_xyzt_units("mm")
    nib.save(image, tmp_path / "shear.nii")
    with pytest.raises(GeometryError, match=r"shear.nii: sform \(srow_x, srow_y, srow_z\) = .*"
                       r"expected orthogonal voxel axes"):
        read_nifti(tmp_path / "shear.nii", unit="Bq/mL")


def test_foreign_nifti_needs_a_unit_and_gets_a_new_frame(tmp_path):
    nib.save(nib.Nifti1Image(np.ones((4, 5, 6), np.float32), np.eye(4)), tmp_path / "a.nii")
    with pytest.raises(InvalidValueError, match=r"a.nii: unit = None: expected unit="), \
            pytest.warns(HeparWarning, match="millimetres assumed"):
        read_nifti(tmp_path / "a.nii")
    with pytest.warns(HeparWarning) as caught:
        volume = read_nifti(tmp_path / "a.nii", unit="Bq/mL")
    messages = " ".join(str(w.message) for w in caught)
    assert "no frame of reference" in messages and "millimetres assumed" in messages
    assert len(volume.metadata["warnings"]) == 2
    assert volume.shape == (6, 5, 4) and volume.unit.value == "Bq/mL"


def test_unit_argument_must_agree_with_the_stored_unit(tmp_path):
    path = write_nifti(make_ct_volume(), tmp_path / "ct.nii")
    # The value is what the file holds (HU); expected is what the caller needs (Bq/mL).
    with pytest.raises(UnitMismatchError, match=r"ct.nii: unit = 'HU': expected 'Bq/mL'"):
        read_nifti(path, unit="Bq/mL")


def test_not_nifti_four_d_and_bad_names_are_refused(tmp_path):
    (tmp_path / "x.nii").write_text("plain text")
    with pytest.raises(FileFormatError, match=r"x.nii: file = "):
        read_nifti(tmp_path / "x.nii", unit="HU")
    nib.save(nib.Nifti1Image(np.zeros((2, 2, 2, 3), np.float32), np.eye(4)), tmp_path / "t.nii")
    with pytest.raises(FileFormatError, match=r"t.nii: dim = \[2, 2, 2, 3\]: expected a 3-D"):
        read_nifti(tmp_path / "t.nii", unit="HU")
    with pytest.raises(InvalidValueError, match=r"path = .*ct.img.*\.nii or \.nii\.gz"):
        write_nifti(make_ct_volume(), tmp_path / "ct.img")
