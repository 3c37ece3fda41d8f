"""Reconstructed SPECT (NM RECON TOMO) and RT Dose: round trips, units, pydicom's RT Dose."""

from __future__ import annotations

import numpy as np
import pydicom
import pytest
from io_testdata import FRAME, make_ct_volume, oblique_affine
from pydicom.data import get_testdata_file

from hepar.errors import GeometryError, HeparWarning, InvalidValueError, UnitMismatchError
from hepar.imaging import Volume
from hepar.io import (
    read_nm_reconstruction,
    read_rtdose,
    write_nm_reconstruction,
    write_rtdose,
)
from hepar.spect import EnergyWindow


def _activity(left_handed=False):
    values = np.random.default_rng(5).uniform(0.0, 2.0e5, size=(5, 6, 7))  # Bq/mL
    return Volume(values, oblique_affine(spacing=(4.8, 4.8, 4.8), left_handed=left_handed),
                  "Bq/mL", FRAME)


def test_nm_reconstruction_round_trip_within_half_a_stored_step(tmp_path):
    volume = _activity()
    window = EnergyWindow.centred("Ho166 81keV", centre_kev=80.6, width_pct=15)
    path = write_nm_reconstruction(volume, tmp_path / "spect.dcm", isotope="Ho-166",
                                   windows=(window,))
    read = read_nm_reconstruction(path)
    # uint16 with slope = max / 65535: values come back within slope / 2.
    np.testing.assert_allclose(read.array, volume.array, atol=volume.array.max() / 65535 / 2)
    np.testing.assert_allclose(read.affine, volume.affine, atol=1e-6)
    assert read.unit.value == "Bq/mL"
    assert read.frame_of_reference_uid == FRAME
    assert read.metadata["isotope"] == "Ho-166"
    assert read.metadata["energy_windows"][0].name == "Ho166 81keV"


def test_nm_reconstruction_is_the_standard_nm_recon_tomo_object(tmp_path):
    dataset = pydicom.dcmread(write_nm_reconstruction(_activity(), tmp_path / "spect.dcm"))
    assert dataset.SOPClassUID == "1.2.840.10008.5.1.4.1.1.20"
    assert list(dataset.ImageType) == ["ORIGINAL", "PRIMARY", "RECON TOMO", "EMISSION"]
    assert dataset.FrameIncrementPointer == 0x00540080  # SliceVector, PS3.3 Table C.8-8
    assert dataset.BitsAllocated == 16  # NM allows 8 or 16 bits (PS3.3 C.8.4.7)
    mapping = dataset.RealWorldValueMappingSequence[0]
    assert mapping.MeasurementUnitsCodeSequence[0].CodeValue == "Bq/ml"  # UCUM
    assert mapping.MeasurementUnitsCodeSequence[0].CodingSchemeDesignator == "UCUM"
    assert len(dataset.DetectorInformationSequence[0].ImagePositionPatient) == 3


def test_left_handed_reconstruction_keeps_every_voxel_in_place(tmp_path):
    volume = _activity(left_handed=True)
    read = read_nm_reconstruction(write_nm_reconstruction(volume, tmp_path / "spect.dcm"))
    step = volume.array.max() / 65535 / 2
    np.testing.assert_allclose(read.array, volume.array[::-1], atol=step)
    np.testing.assert_allclose(read.world_mm((0, 2, 3)), volume.world_mm((4, 2, 3)), atol=1e-6)


def test_dose_and_hu_are_not_written_as_nm(tmp_path):
    with pytest.raises(UnitMismatchError, match=r"volume.unit = 'Gy': expected one of"):
        write_nm_reconstruction(_activity().with_array(np.ones((5, 6, 7)), "Gy"),
                                tmp_path / "x.dcm")


def _dose():
    return Volume(np.random.default_rng(2).uniform(0.0, 180.0, size=(6, 10, 12)),
                  oblique_affine(), "Gy", FRAME)


def test_rtdose_round_trip_on_the_ct_frame(tmp_path):
    dose = _dose()
    path = write_rtdose(dose, tmp_path / "dose.dcm", dose_comment="local deposition, 166Ho")
    read = read_rtdose(path)
    # uint32 x DoseGridScaling (max / (2^32 - 1)): within half a step, 2e-8 Gy here.
    np.testing.assert_allclose(read.array, dose.array, atol=180.0 / (2**32 - 1))
    np.testing.assert_allclose(read.origin_lps_mm, dose.origin_lps_mm, atol=1e-3)
    np.testing.assert_allclose(read.spacing_mm, dose.spacing_mm, atol=1e-3)
    np.testing.assert_allclose(read.direction, dose.direction, atol=1e-12)
    assert read.unit.value == "Gy"
    assert read.frame_of_reference_uid == FRAME
    dataset = pydicom.dcmread(path)
    assert (dataset.DoseUnits, dataset.DoseType, dataset.DoseSummationType) == (
        "GY", "PHYSICAL", "PLAN")
    assert dataset.FrameIncrementPointer == 0x3004000C  # GridFrameOffsetVector
    assert float(dataset.GridFrameOffsetVector[0]) == 0.0


def test_hu_volume_written_as_rt_dose_is_a_unit_mismatch(tmp_path):
    with pytest.raises(UnitMismatchError, match=r"volume.unit = 'HU': expected 'Gy'"):
        write_rtdose(make_ct_volume(), tmp_path / "dose.dcm")
    assert not (tmp_path / "dose.dcm").exists()


def test_negative_dose_and_unknown_summation_type_are_refused(tmp_path):
    dose = _dose()
    with pytest.raises(InvalidValueError, match="non-negative doses"):
        write_rtdose(dose.with_array(-dose.array), tmp_path / "d.dcm")
    with pytest.raises(InvalidValueError, match="dose_summation_type = 'TOTAL'"):
        write_rtdose(dose, tmp_path / "d.dcm", dose_summation_type="TOTAL")


@pytest.mark.filterwarnings("ignore:Invalid value for VR UI")  # the sample's own plan UID
def test_pydicom_rtdose_reads_with_its_geometry_and_scaling():
    path = get_testdata_file("rtdose.dcm")
    raw = pydicom.dcmread(path)
    with pytest.warns(HeparWarning, match="DoseUnits = 'RELATIVE'"):
        dose = read_rtdose(path)
    assert dose.shape == (15, 10, 10)
    np.testing.assert_allclose(dose.spacing_mm, (5.0, 10.0, 10.0))
    np.testing.assert_allclose(dose.origin_lps_mm, (189.43125, 199.43125, -761.87))
    # dose = stored value x DoseGridScaling (PS3.3 C.8.8.3.4.6)
    np.testing.assert_allclose(dose.array, raw.pixel_array * float(raw.DoseGridScaling))
    assert dose.unit.value == "1"  # relative dose is not Gy
    assert dose.frame_of_reference_uid == raw.FrameOfReferenceUID


def test_uneven_grid_frame_offsets_are_named(tmp_path):
    path = write_rtdose(_dose(), tmp_path / "dose.dcm")
    dataset = pydicom.dcmread(path)
    offsets = [float(v) for v in dataset.GridFrameOffsetVector]
    offsets[3] += 1.0
    dataset.GridFrameOffsetVector = offsets
    dataset.save_as(path)
    with pytest.raises(GeometryError, match=r"dose.dcm: GridFrameOffsetVector = .*evenly spaced"):
        read_rtdose(path)
