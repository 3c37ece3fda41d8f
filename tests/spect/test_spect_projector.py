"""The rotation projector: exact adjoint, conservation, attenuation and resolution against
analytic values."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hepar.physics import MEDIUM_ENERGY, SYMBIA_DETECTOR
from hepar.spect._projector import CollimatorResponse, RotationProjector

N, NZ, PIXEL_MM = 32, 16, 7.2
ANGLES = np.arange(24) * 15.0
SUBSETS = [list(range(s, 24, 4)) for s in range(4)]


def _body(radius_px: float = 12.0) -> np.ndarray:
    yy, xx = np.mgrid[:N, :N]
    c = (N - 1) / 2
    disc = np.hypot(xx - c, yy - c) <= radius_px
    support = np.broadcast_to(disc, (NZ, N, N)).copy()
    support[:2] = False
    return support


def _response() -> CollimatorResponse:
    energy = 80.6
    return CollimatorResponse(MEDIUM_ENERGY.hole_diameter_mm,
                              MEDIUM_ENERGY.effective_length_mm(energy),
                              SYMBIA_DETECTOR.intrinsic_fwhm_mm(energy))


@pytest.mark.parametrize("build_up, scatter_fwhm", [(0.0, 0.0), (0.3, 0.0), (0.3, 50.0)])
@pytest.mark.parametrize("with_response", [True, False])
def test_back_projection_is_the_exact_adjoint(build_up: float, scatter_fwhm: float,
                                              with_response: bool) -> None:
    """<A x, y> = <x, A^T y> to 1e-5 relative (issue 8), for random x and y."""
    support = _body()
    mu = np.where(support, 0.0183, 0.0).astype(np.float32)  # water at 81 keV, 1/mm
    radius = 180.0 + 20.0 * np.sin(np.deg2rad(ANGLES))  # a non-circular orbit
    projector = RotationProjector(
        mu_per_mm=mu, support=support, angles_deg=ANGLES, radius_mm=radius,
        spacing_mm=(PIXEL_MM, PIXEL_MM), response=_response() if with_response else None,
        build_up_per_mfp=build_up, scatter_fwhm_mm=scatter_fwhm, subsets=SUBSETS)
    rng = np.random.default_rng(1)
    for m in range(len(SUBSETS)):
        x = rng.random((projector.n_q, projector.nzr)).astype(np.float32) * projector.mask
        y = rng.random((len(SUBSETS[m]), projector.nu, projector.nzr)).astype(np.float32)
        lhs = float(np.vdot(projector.forward(x, m).astype(np.float64), y))
        rhs = float(np.vdot(x.astype(np.float64), projector.back(y, m)))
        assert abs(lhs - rhs) <= 1e-5 * abs(lhs)


def _point_projector(mu_value: float, response: CollimatorResponse | None) -> RotationProjector:
    support = _body()
    mu = np.where(support, mu_value, 0.0).astype(np.float32)
    return RotationProjector(mu_per_mm=mu, support=support, angles_deg=ANGLES,
                             radius_mm=np.full(ANGLES.size, 200.0),
                             spacing_mm=(PIXEL_MM, PIXEL_MM), response=response)


def _centre_point(projector: RotationProjector) -> np.ndarray:
    volume = np.zeros(projector.shape, np.float32)
    c = N // 2
    volume[NZ // 2, c, c] = 1.0  # half a pixel off the axis in x and y
    return projector.to_support(volume)


def test_a_point_in_air_projects_to_one_count_per_view() -> None:
    """Splatting and the normalised Gaussian response conserve activity: 1 per view."""
    projector = _point_projector(0.0, _response())
    totals = projector.forward(_centre_point(projector), 0).sum(axis=(1, 2))
    np.testing.assert_allclose(totals, 1.0, rtol=1e-4)


def test_attenuation_of_a_point_at_the_centre_of_a_water_cylinder() -> None:
    """exp(-mu L) for a point inside a uniform cylinder (Beer-Lambert), L the chord from the
    point to the cylinder's edge towards each detector: L = -p.n + sqrt((p.n)^2 + R^2 - |p|^2).

    The disc holds the voxels whose centres lie within 12 pixels; its outermost voxels reach
    half a pixel further, so R = 12.5 pixels. Tolerance 2 % (a quarter pixel of path, 1.8 mm).
    """
    mu = 0.0183  # water at 81 keV (REFERENCE.md, xraydb: 0.1832 /cm)
    projector = _point_projector(mu, None)
    totals = projector.forward(_centre_point(projector), 0).sum(axis=(1, 2))
    point = np.array([0.5, 0.5]) * PIXEL_MM  # voxel 16 of 32: half a pixel off the axis in x, y
    radius = 12.5 * PIXEL_MM
    theta = np.deg2rad(ANGLES)
    pn = point[0] * np.sin(theta) + point[1] * np.cos(theta)  # towards the detector (DICOM)
    chord = -pn + np.sqrt(pn**2 + radius**2 - point @ point)
    np.testing.assert_allclose(totals, np.exp(-mu * chord), rtol=0.02)


def test_width_of_a_point_image_follows_the_collimator_geometry() -> None:
    """Variance of the projected point = (R_g(d)^2 + R_i^2)/(8 ln 2) with R_g = d_h (l_e + b)/l_e
    (Cherry, Sorenson & Phelps, 4th ed., ch. 14), at b = 200 mm; 4 %: planes share a blur step
    within 3 % of their variance, and the pixel grid."""
    response = _response()
    projector = _point_projector(0.0, response)
    image = projector.forward(_centre_point(projector), 0)[0]  # (u, z)
    z = np.arange(image.shape[1], dtype=float)
    profile = image.sum(axis=0)
    mean = (profile * z).sum() / profile.sum()
    variance_px2 = (profile * (z - mean) ** 2).sum() / profile.sum()
    le = MEDIUM_ENERGY.effective_length_mm(80.6)
    fwhm_g = MEDIUM_ENERGY.hole_diameter_mm * (le + 200.0) / le
    expected = (fwhm_g**2 + SYMBIA_DETECTOR.intrinsic_fwhm_mm(80.6) ** 2) / (8 * math.log(2))
    assert variance_px2 * PIXEL_MM**2 == pytest.approx(expected, rel=0.04)
