"""Dose maps: local deposition, kernel convolution, density scaling, and their bad inputs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
import scipy.signal
from _dosimetry_volumes import make_volume
from hypothesis import given, settings
from hypothesis import strategies as st

from hepar.dosimetry import (
    density_from_ct,
    energy_per_decay_mev,
    fft_convolve_same,
    kernel_convolution_dose,
    local_deposition_dose,
    permanent_implant_tia,
    voxel_kernel,
)
from hepar.errors import GeometryError, InvalidValueError, UnitMismatchError
from hepar.physics import Material, linear_attenuation_per_cm, nuclide

T0 = datetime(2025, 3, 3, 10, 0, tzinfo=UTC)
HO = nuclide("Ho-166")


def test_local_deposition_gives_60_gy_for_3781_mbq_in_one_kg():
    # REFERENCE.md: 3781 MBq of 166Ho fully decayed in 1 kg (1.06 g/mL) gives 60 Gy with the
    # clinical 15.87 mJ/MBq.
    volume_ml = 1000.0 / 1.06
    voxels = 1000
    per_voxel_ml = volume_ml / voxels
    spacing = per_voxel_ml ** (1 / 3) * 10.0
    concentration = 3781.0e6 / volume_ml  # Bq/mL at administration
    activity = make_volume(np.full((10, 10, 10), concentration), "Bq/mL", spacing)
    tia = permanent_implant_tia(
        activity, half_life_h=HO.half_life_h, scan_time=T0, administration_time=T0
    )
    dose = local_deposition_dose(
        tia, energy_per_decay_mev=energy_per_decay_mev(15.87, HO.half_life_h), density=1.06
    )
    assert dose.unit == "Gy"
    np.testing.assert_allclose(dose.array, 60.0 * 3781.0 * 0.01587 / 60.0, rtol=1e-9)


def test_scan_one_half_life_after_administration_doubles_the_activity_at_administration():
    activity = make_volume(np.full((2, 2, 2), 1.0e5), "Bq/mL")
    late = permanent_implant_tia(
        activity, half_life_h=26.8, scan_time=T0 + timedelta(hours=26.8), administration_time=T0
    )
    now = permanent_implant_tia(activity, half_life_h=26.8, scan_time=T0, administration_time=T0)
    np.testing.assert_allclose(late.array, 2.0 * now.array)


def test_kernel_convolution_equals_local_deposition_in_a_large_uniform_region():
    # Issue 4: away from edges (more than the maximum range, 8.7 mm for 166Ho) the two agree
    # within 1 % — a uniform source deposits, in each voxel, what it emits there.
    kernel = voxel_kernel(
        "Ho-166", 3.0, energy_per_decay_mev=energy_per_decay_mev(15.87, HO.half_life_h)
    )
    array = np.zeros((40, 40, 40))
    array[5:35, 5:35, 5:35] = 2.0e5
    tia = permanent_implant_tia(
        make_volume(array, "Bq/mL", 3.0), half_life_h=HO.half_life_h, scan_time=T0,
        administration_time=T0,
    )
    local = local_deposition_dose(tia, energy_per_decay_mev=kernel.energy_per_decay_mev)
    convolved = kernel_convolution_dose(tia, kernel)
    inner = (slice(9, 31),) * 3  # 4 voxels = 12 mm from every edge of the source
    np.testing.assert_allclose(convolved.array[inner], local.array[inner], rtol=0.01)
    # energy is conserved overall: both maps hold the same energy (the grid has room around it)
    assert convolved.array.sum() == pytest.approx(local.array.sum(), rel=1e-4)


def test_density_scaling_divides_by_the_local_mass():
    kernel = voxel_kernel("Lu-177", 4.0)
    tia = make_volume(np.full((12, 12, 12), 1.0e9), "Bq*s/mL")
    lung = make_volume(np.full((12, 12, 12), 0.26), "g/mL")
    soft = kernel_convolution_dose(tia, kernel)
    scaled = kernel_convolution_dose(tia, kernel, density=lung)
    inner = (slice(3, 9),) * 3
    np.testing.assert_allclose(scaled.array[inner], soft.array[inner] * 1.06 / 0.26, rtol=1e-6)


@settings(max_examples=15, deadline=None)
@given(
    st.tuples(*(st.integers(3, 12) for _ in range(3))),
    st.tuples(*(st.sampled_from([1, 3, 5]) for _ in range(3))),
    st.integers(0, 2**31 - 1),
)
def test_fast_fft_convolution_equals_scipy_fftconvolve(shape, kernel_shape, seed):
    rng = np.random.default_rng(seed)
    image = rng.random(shape)
    kernel = rng.random(kernel_shape)
    expected = scipy.signal.fftconvolve(image, kernel, mode="same")
    # single precision FFT: 1e-5 of the largest value
    np.testing.assert_allclose(
        fft_convolve_same(image, kernel), expected, atol=1e-5 * np.abs(expected).max()
    )


def test_dose_grid_and_density_on_different_frames_are_refused():
    tia = make_volume(np.ones((4, 4, 4)), "Bq*s/mL")
    other = make_volume(np.ones((4, 4, 4)), "g/mL", frame="1.2.3.4")
    with pytest.raises(GeometryError, match=r"density\.frame_of_reference_uid = '1\.2\.3\.4'"):
        local_deposition_dose(tia, energy_per_decay_mev=0.7, density=other)


def test_negative_activity_is_refused_with_the_value():
    activity = make_volume(np.array([[[1.0, -3.5]]]), "Bq/mL")
    with pytest.raises(InvalidValueError, match=r"activity = -3\.5: expected values >= 0"):
        permanent_implant_tia(activity, half_life_h=26.8, scan_time=T0, administration_time=T0)


def test_scan_before_administration_and_wrong_units_are_refused():
    activity = make_volume(np.ones((2, 2, 2)), "Bq/mL")
    with pytest.raises(InvalidValueError, match="scan_time"):
        permanent_implant_tia(
            activity, half_life_h=26.8, scan_time=T0 - timedelta(hours=1), administration_time=T0
        )
    with pytest.raises(UnitMismatchError, match=r"time_integrated_activity\.unit = 'Bq/mL'"):
        local_deposition_dose(activity, energy_per_decay_mev=0.7)


def test_kernel_with_another_voxel_size_is_refused():
    tia = make_volume(np.ones((4, 4, 4)), "Bq*s/mL", 4.0)
    with pytest.raises(InvalidValueError, match=r"kernel\.spacing_mm = \(3\.0, 3\.0, 3\.0\)"):
        kernel_convolution_dose(tia, voxel_kernel("Lu-177", 3.0))


def test_density_from_ct_places_water_lung_and_cortical_bone():
    # bilinear model: 0 HU -> 1 g/mL; -740 HU -> 0.26 g/mL (inflated lung, ICRP 89); the CT number
    # of cortical bone at 70 keV (from the attenuation ratio) -> 1.92 g/mL (ICRU Report 44)
    hu_bone = 1000.0 * (linear_attenuation_per_cm(Material.BONE, 70.0)
                        / linear_attenuation_per_cm(Material.WATER, 70.0) - 1.0)
    ct = make_volume(np.array([[[0.0, -740.0, hu_bone]]]), "HU")
    np.testing.assert_allclose(density_from_ct(ct).array.ravel(), [1.0, 0.26, 1.92], rtol=1e-9)
