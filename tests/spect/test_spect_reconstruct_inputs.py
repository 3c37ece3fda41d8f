"""reconstruct(): calibration modes and the errors a user can cause (field, value, expected)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC

import numpy as np
import pytest
from spect_helpers import patient, site_calibration

from hepar.errors import GeometryError, HeparError, InvalidValueError
from hepar.imaging import Volume
from hepar.spect import Projections, reconstruct


def _scout() -> tuple[Projections, Volume]:
    scan = next(s for s in patient().scans if s.name == "ho166_scout")
    return scan.acquisition.projections, scan.session.ct


def test_normalised_reconstruction_totals_the_given_activity_and_says_so() -> None:
    projections, ct = _scout()
    calls: list[tuple[int, int]] = []
    result = reconstruct(projections, ct_hu=ct, isotope="166Ho", normalise_to_mbq=250.0,
                         iterations=2, subsets=4, post_filter_fwhm_mm=10.0,
                         progress=lambda done, total: calls.append((done, total)))
    assert result.calibration == "normalised"
    assert result.total_activity_mbq == pytest.approx(250.0, rel=1e-6)
    voxel_ml = result.activity.voxel_volume_ml
    assert float(result.activity.array.sum()) * voxel_ml / 1e6 == pytest.approx(250.0, rel=1e-5)
    assert (result.isotope, result.iterations, result.subsets) == ("Ho-166", 2, 4)
    assert calls[-1] == (8, 8)
    assert any("normalised to 250" in n for n in result.notes)


def test_exactly_one_of_camera_and_normalisation() -> None:
    projections, ct = _scout()
    with pytest.raises(InvalidValueError, match=r"camera / normalise_to_mbq"):
        reconstruct(projections, ct_hu=ct, isotope="Ho-166")
    with pytest.raises(InvalidValueError, match=r"exactly one"):
        reconstruct(projections, ct_hu=ct, isotope="Ho-166", camera=site_calibration(),
                    normalise_to_mbq=100.0)


def test_mismatched_frames_of_reference_are_refused() -> None:
    projections, ct = _scout()
    other = Volume(ct.array, ct.affine, ct.unit, "1.2.3.4")
    with pytest.raises(GeometryError, match=r"frame_of_reference_uid = .*register"):
        reconstruct(projections, ct_hu=other, isotope="Ho-166", normalise_to_mbq=100.0)


def test_a_ct_that_misses_the_field_of_view_is_refused() -> None:
    projections, ct = _scout()
    half = ct.array.shape[0] // 3
    short = Volume(ct.array[:half], ct.affine, ct.unit, ct.frame_of_reference_uid)
    with pytest.raises(GeometryError, match=r"a CT covering the SPECT field of view"):
        reconstruct(projections, ct_hu=short, isotope="Ho-166", normalise_to_mbq=100.0)


def test_a_missing_energy_window_is_named() -> None:
    projections, ct = _scout()
    keep = [0, *range(2, len(projections.windows))]  # drop the 118 keV window
    no_upper = replace(projections, counts=projections.counts[keep],
                       windows=tuple(projections.windows[i] for i in keep))
    with pytest.raises(InvalidValueError, match=r"energy windows = .*118 keV"):
        reconstruct(no_upper, ct_hu=ct, isotope="Ho-166", normalise_to_mbq=100.0)
    no_peak = replace(projections, counts=projections.counts[1:], windows=projections.windows[1:])
    with pytest.raises(InvalidValueError, match=r"photopeak window containing 80\.6 keV"):
        reconstruct(no_peak, ct_hu=ct, isotope="Ho-166", normalise_to_mbq=100.0)


def test_bad_options_are_refused() -> None:
    projections, ct = _scout()
    with pytest.raises(InvalidValueError, match=r"subsets = 99"):
        reconstruct(projections, ct_hu=ct, isotope="Ho-166", normalise_to_mbq=1.0, subsets=99)
    with pytest.raises(InvalidValueError, match=r"iterations = 0"):
        reconstruct(projections, ct_hu=ct, isotope="Ho-166", normalise_to_mbq=1.0, iterations=0)
    with pytest.raises(HeparError, match=r"isotope|nuclide"):
        reconstruct(projections, ct_hu=ct, isotope="Tc-99m", normalise_to_mbq=1.0)
    with pytest.raises(InvalidValueError, match=r"camera.collimator = 'ME'"):
        reconstruct(projections, ct_hu=ct, isotope="Ho-166", camera=site_calibration(),
                    collimator="LEHR")
    with pytest.raises(HeparError, match=r"normalise_to_mbq = -5"):
        reconstruct(projections, ct_hu=ct, isotope="Ho-166", normalise_to_mbq=-5.0)
    hu = ct.with_array(np.asarray(ct.array), "Bq/mL")
    with pytest.raises(HeparError, match=r"HU"):
        reconstruct(projections, ct_hu=hu, isotope="Ho-166", normalise_to_mbq=1.0)


def test_ct_coverage_is_checked_in_plane_too() -> None:
    """A point source 100 mm to the patient's left (x = +100 mm, simulated, no scatter or
    background): a CT holding only x >= 0 covers it (no count outside); one holding only
    x <= 0 misses it in every view whose columns run along x, so the check refuses it. This also
    pins the column convention (column j at u = (j - (n-1)/2) x pixel along (-cos, sin))
    against the simulator's detector geometry."""
    from datetime import datetime

    from spect_helpers import simulate

    from hepar.imaging import VolumeUnit, affine_from_geometry, new_frame_of_reference_uid
    from hepar.phantoms import SimulationOptions, Source
    from hepar.spect import spect_geometry

    n, s = 64, 7.2
    origin = (-(n - 1) / 2 * s,) * 3
    frame = new_frame_of_reference_uid()
    air = Volume(np.full((n, n, n), -1000.0),
                 affine_from_geometry(origin_lps_mm=origin, spacing_mm=(s, s, s)),
                 VolumeUnit.HU, frame)
    activity = np.zeros(air.shape)
    column = n // 2 + round(100.0 / s)
    activity[n // 2, n // 2, column] = 50.0
    acq = simulate(air, [Source("Lu-177", activity)], datetime(2017, 5, 2, tzinfo=UTC),
                   n_views=8, frame_s=10.0, seed=1, radius_mm=250.0,
                   options=SimulationOptions(scatter=False, background=False, noise=False,
                                             dead_time=False, decay=False, workers=1))
    half = n // 2

    def ct(columns: slice, first: int) -> Volume:
        shift = np.eye(4)
        shift[2, 3] = first
        return Volume(air.array[:, :, columns], air.affine @ shift, VolumeUnit.HU, frame)

    left_of_axis = ct(slice(half, n), half)  # x >= 0: holds the source
    right_of_axis = ct(slice(0, half), 0)  # x <= 0: does not
    spect_geometry(acq.projections, left_of_axis)  # covered: no error
    with pytest.raises(GeometryError, match="line of sight misses it"):
        spect_geometry(acq.projections, right_of_axis)
