"""Simulate a SPECT acquisition: expected counts per window and view, then Poisson noise.

For view ``v`` (taken at angular step ``k``, starting ``k T`` after the acquisition start, for a
frame time ``T``) and window ``w`` the expected counts are

.. math::
    \\bar N_{w,v} = T\\, L_v \\sum_n D_{n,k} \\Big[\\sum_\\ell S_{w,\\ell}\\, P_{\\ell,v}
      + a_s \\sum_\\ell Y_\\ell\\, f^{sc}_{w,\\ell}\\, (K_s * Q_{\\ell,v})
      + B_{w,n}\\, (K_b * R_{n,v})\\Big]

* :math:`P_{\\ell,v}`: the projector's attenuated, depth-blurred image of line :math:`\\ell`
  (:class:`~hepar.phantoms.FineGridProjector`), :math:`S_{w,\\ell}` its primary sensitivity
  (:meth:`Camera.line_sensitivity_cps_per_mbq`).
* Scatter, by a linear build-up model: a photon emitted towards the detector through
  :math:`\\mu d` mean free paths is accompanied by :math:`a_s\\,\\mu d` scattered photons that still
  reach the crystal (:math:`B(\\mu d) \\approx 1 + a_s \\mu d`); :math:`Q` is the attenuated
  activity weighted by :math:`\\mu d` summed along the ray, :math:`Y_\\ell` the collimated,
  absorbed photons per decay, :math:`f^{sc}` the window fraction of the first-order Compton
  spectrum (:func:`~hepar.phantoms.compton_window_fraction`), and :math:`K_s` a normalised
  mono-exponential kernel on the detector (the scatter response of the convolution-subtraction
  method, Axelsson, Msaki & Israelsson, J Nucl Med 1984;25:490).
* Broad background of nuclide n: :math:`R` is its activity attenuated at the background's
  energy summed along the ray, spread by a wide Gaussian :math:`K_b`, with window rate
  :math:`B_{w,n}` (:class:`~hepar.phantoms.BroadBackground`). This carries the 166Ho
  downscatter and bremsstrahlung into every window (its crosstalk into the 177Lu windows) and
  the 177Lu downscatter into the 81 keV window, next to 177Lu's first-order scatter.
* :math:`D_{n,k} = e^{-\\lambda_n kT}(1 - e^{-\\lambda_n T})/(\\lambda_n T)`: decay during the
  frame; :math:`L_v = e^{-\\tau \\sum_n \\alpha_n A_n(kT)}`: the paralysable dead-time loss of
  the head (:class:`~hepar.phantoms.Camera`).

Counts are then drawn as independent Poisson variables per window (a real camera's windows
share events where they overlap; that correlation is not modelled).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import fft as sfft
from scipy.ndimage import gaussian_filter

from hepar.errors import GeometryError, InvalidValueError
from hepar.imaging import Volume, VolumeUnit
from hepar.physics import (
    BQ_PER_MBQ,
    MAX_ATTENUATION_ENERGY_KEV,
    MIN_ATTENUATION_ENERGY_KEV,
    MM_PER_CM,
    S_PER_H,
    hu_to_mu_per_cm,
    nuclide,
)
from hepar.spect._projections import EnergyWindow, Projections

from ._camera import Camera
from ._geometry import detector_axes, view_plan
from ._projector import EmissionTerm, FineGridProjector
from ._spectrum import broad_background_for, compton_window_fraction

__all__ = [
    "AcquisitionProtocol",
    "ScatterModel",
    "SimulatedAcquisition",
    "SimulationOptions",
    "Source",
    "simulate_acquisition",
]


@dataclass(frozen=True)
class Source:
    """Activity of one nuclide on the phantom grid, per voxel in MBq, at acquisition start."""

    nuclide: str
    activity_mbq: NDArray[np.floating]


@dataclass(frozen=True)
class AcquisitionProtocol:
    """How the camera acquires: windows, views, time per view, orbit.

    Parameters
    ----------
    name
        Series description (``"166Ho SPECT"``).
    windows
        Energy windows recorded.
    n_views
        Views, all heads together (120 over 360 degrees with two heads: 3 degree steps).
    frame_duration_s
        Time per view.
    start_angle_deg
        Angle of head 1 at the first view.
    radius_mm
        Circular orbit radius (axis to collimator face), or ``None`` for a body-contouring
        orbit with ``clearance_mm`` between the body and the collimator.
    """

    name: str
    windows: tuple[EnergyWindow, ...]
    n_views: int = 120
    frame_duration_s: float = 30.0
    start_angle_deg: float = 0.0
    radius_mm: float | None = None
    clearance_mm: float = 25.0

    def __post_init__(self) -> None:
        if not self.windows:
            raise InvalidValueError(field="windows", value=(), expected="at least one window")
        if not self.frame_duration_s > 0:
            raise InvalidValueError(
                field="frame_duration_s", value=self.frame_duration_s, expected="a positive time"
            )
        if self.radius_mm is not None and not self.radius_mm > 0:
            raise InvalidValueError(
                field="radius_mm", value=self.radius_mm, expected="a positive radius or None"
            )


@dataclass(frozen=True)
class ScatterModel:
    """Linear build-up scatter model.

    ``build_up_per_mfp`` (:math:`a_s`) = 0.55 gives a scatter-to-primary ratio of about 0.35 in
    a 20 % 99mTc window for a source under 10 cm of water (1.5 mean free paths), a scatter
    fraction of about a quarter, the magnitude usually quoted for 99mTc imaging; it is a model
    parameter, not a fit. ``kernel_length_mm`` is the decay length of the exponential kernel.
    """

    build_up_per_mfp: float = 0.55
    kernel_length_mm: float = 25.0


@dataclass(frozen=True)
class SimulationOptions:
    """Switches of the simulator (all on for a realistic acquisition; tests switch some off).

    ``min_line_yield``: photon lines contributing less than this many detected-window photons
    per decay (abundance x largest window fraction) are left out of the primaries.
    """

    attenuation: bool = True
    collimator: bool = True
    scatter: bool = True
    background: bool = True
    dead_time: bool = True
    decay: bool = True
    noise: bool = True
    min_line_yield: float = 2.0e-3
    workers: int | None = None


@dataclass(frozen=True, eq=False)
class SimulatedAcquisition:
    """A simulated acquisition and what went into it.

    Attributes
    ----------
    projections
        What the camera records: Poisson counts (or expected counts when noise is off).
    expected_counts
        Noise-free counts ``(window, view, row, column)``.
    window_totals
        Expected counts summed over views and pixels per window, split by
        ``"<kind>:<nuclide>"`` with kind ``primary``, ``scatter`` or ``background``.
    dead_time_kept
        Fraction of counts kept by the dead-time model at each view.
    activity_in_fov_mbq
        Activity of each nuclide in the field of view at acquisition start.
    """

    projections: Projections
    expected_counts: NDArray[np.float32]
    window_totals: dict[str, list[float]]
    dead_time_kept: NDArray[np.float64]
    activity_in_fov_mbq: dict[str, float]
    model: dict[str, Any] = field(default_factory=dict)


def _terms_for(
    sources: Sequence[Source], camera: Camera, protocol: AcquisitionProtocol,
    options: SimulationOptions, scatter_model: ScatterModel,
) -> tuple[list[EmissionTerm], list[NDArray[np.float64]], list[str],
           list[EmissionTerm], list[NDArray[np.float64]], list[str],
           list[EmissionTerm], list[NDArray[np.float64]], list[str]]:
    def mu_terms(energy: float) -> tuple[float, float]:
        water = float(hu_to_mu_per_cm(0.0, energy)) / MM_PER_CM
        bone = float(hu_to_mu_per_cm(1000.0, energy)) / MM_PER_CM
        return water, bone - water

    primary, p_coef, p_name = [], [], []
    scatter, s_coef, s_name = [], [], []
    background, b_coef, b_name = [], [], []
    windows = protocol.windows
    for index, src in enumerate(sources):
        data = nuclide(src.nuclide)
        for line in data.photons:
            energy = line.energy_kev
            if not MIN_ATTENUATION_ENERGY_KEV <= energy <= MAX_ATTENUATION_ENERGY_KEV:
                continue
            water, bone = mu_terms(energy)
            fractions = [camera.window_fraction(energy, w) for w in windows]
            if line.abundance * max(fractions) >= options.min_line_yield:
                primary.append(EmissionTerm(
                    index, water, bone, camera.collimator.hole_diameter_mm,
                    camera.collimator.effective_length_mm(energy),
                    camera.intrinsic_fwhm_mm(energy),
                ))
                p_coef.append(np.array([camera.line_sensitivity_cps_per_mbq(line, w)
                                        for w in windows]))
                p_name.append(data.name)
            if options.scatter:
                compton = [compton_window_fraction(camera, energy, w) for w in windows]
                if line.abundance * max(compton) >= options.min_line_yield:
                    scatter.append(EmissionTerm(index, water, bone))
                    s_coef.append(scatter_model.build_up_per_mfp * BQ_PER_MBQ
                                  * camera.detected_per_decay(line) * np.array(compton))
                    s_name.append(data.name)
        broad = broad_background_for(data.name)
        if options.background and broad is not None:
            water, bone = mu_terms(broad.attenuation_energy_kev)
            background.append(EmissionTerm(index, water, bone))
            b_coef.append(np.array([broad.rate_cps_per_mbq(camera, w) for w in windows]))
            b_name.append(data.name)
    return (primary, p_coef, p_name, scatter, s_coef, s_name, background, b_coef, b_name)


def _exponential_kernel(length_mm: float, pixel_mm: float) -> NDArray[np.float64]:
    half = max(1, math.ceil(6.0 * length_mm / pixel_mm))
    r = np.hypot(*np.meshgrid(np.arange(-half, half + 1), np.arange(-half, half + 1))) * pixel_mm
    kernel = np.exp(-r / length_mm)
    return np.asarray(kernel / kernel.sum())


def _convolve_same(images: NDArray[np.float32], kernel: NDArray[np.float64]) -> NDArray[np.float32]:
    """Linear (zero-padded) convolution of each (row, column) image with ``kernel``, same size."""
    rows, cols = images.shape[-2:]
    kr, kc = kernel.shape
    shape = (sfft.next_fast_len(rows + kr - 1), sfft.next_fast_len(cols + kc - 1))
    spectrum = sfft.rfft2(images, shape, axes=(-2, -1)) * sfft.rfft2(kernel, shape)
    full = sfft.irfft2(spectrum, shape, axes=(-2, -1))
    r0, c0 = kr // 2, kc // 2
    return np.maximum(full[..., r0:r0 + rows, c0:c0 + cols], 0.0).astype(np.float32)


def _check_grid(grid: Volume) -> None:
    direction = grid.direction
    if not np.allclose(direction, np.eye(3)[:, ::-1], atol=1e-6):
        raise GeometryError(
            field="grid affine", value=np.round(direction, 4).tolist(),
            expected="axial slices with columns along +x (L), rows along +y (P) and slices "
            "along +z (S) (resample the phantom first)",
        )
    dz, dy, dx = grid.spacing_mm
    if not (math.isclose(dz, dx, rel_tol=1e-6) and math.isclose(dy, dx, rel_tol=1e-6)):
        raise GeometryError(
            field="grid spacing_mm", value=grid.spacing_mm, expected="an isotropic grid"
        )


def simulate_acquisition(
    *,
    hu: Volume,
    sources: Sequence[Source],
    camera: Camera,
    protocol: AcquisitionProtocol,
    acquisition_start: datetime,
    rng: np.random.Generator,
    options: SimulationOptions | None = None,
    scatter_model: ScatterModel | None = None,
    axis_xy_mm: tuple[float, float] | None = None,
    isotope: str | None = None,
) -> SimulatedAcquisition:
    """Simulate a step-and-shoot SPECT acquisition of ``sources`` in the body ``hu``.

    Parameters
    ----------
    hu
        Noise-free CT numbers on the (fine, isotropic) phantom grid; gives the attenuation.
        Its frame of reference becomes the projections'.
    sources
        Activity maps on the same grid, per voxel in MBq at ``acquisition_start``.
    camera, protocol
        The camera and how it acquires.
    acquisition_start
        Timezone-aware start time.
    rng
        Random generator for the Poisson noise.
    options, scatter_model
        Model switches and scatter parameters.
    axis_xy_mm
        LPS (x, y) of the rotation axis; the grid's in-plane centre by default.
    isotope
        The isotope the scanner records; the first source's nuclide by default.

    Returns
    -------
    SimulatedAcquisition
    """
    options = options or SimulationOptions()
    scatter_model = scatter_model or ScatterModel()
    hu.require_unit(VolumeUnit.HU, name="hu")
    _check_grid(hu)
    if acquisition_start.tzinfo is None:
        raise InvalidValueError(
            field="acquisition_start", value=acquisition_start.isoformat(),
            expected="a timezone-aware datetime",
        )
    if not sources:
        raise InvalidValueError(field="sources", value=(), expected="at least one source")
    names = [nuclide(src.nuclide).name for src in sources]
    if len(set(names)) != len(names):
        raise InvalidValueError(field="sources", value=names, expected="one source per nuclide")
    plan = view_plan(protocol.n_views, camera.n_heads, start_angle_deg=protocol.start_angle_deg)
    nz, ny, nx = hu.shape
    centre = hu.world_mm(((nz - 1) / 2.0, (ny - 1) / 2.0, (nx - 1) / 2.0))
    axis = (float(centre[0]), float(centre[1])) if axis_xy_mm is None else axis_xy_mm
    projector = FineGridProjector(
        spacing_mm=hu.spacing_mm[0], grid_shape=hu.shape,
        origin_mm=tuple(float(v) for v in hu.origin_lps_mm), axis_xy_mm=axis, matrix=camera.matrix,
        pixel_mm=camera.pixel_mm, workers=options.workers,
    )
    (primary, p_coef, p_name, scatter, s_coef, s_name,
     background, b_coef, b_name) = _terms_for(sources, camera, protocol, options, scatter_model)
    radius = (None if protocol.radius_mm is None
              else np.full(plan.n_views, float(protocol.radius_mm)))
    images, radii = projector.project(
        hu=np.asarray(hu.array), activities=[src.activity_mbq for src in sources],
        primary=primary, scatter=scatter, background=background,
        angles_deg=plan.angles_deg, radius_mm=radius, clearance_mm=protocol.clearance_mm,
        attenuation=options.attenuation, blur=options.collimator,
    )
    # broad spatial responses of scatter and background, on the detector
    pixel = camera.pixel_mm
    scatter_images = images.scatter_source
    if len(scatter):
        kernel = _exponential_kernel(scatter_model.kernel_length_mm, pixel)
        scatter_images = _convolve_same(scatter_images, kernel)
    background_images = images.background_source.copy()
    for c, name in enumerate(b_name):
        broad = broad_background_for(name)
        assert broad is not None
        sigma = broad.spatial_sigma_mm / pixel
        background_images[c] = gaussian_filter(
            background_images[c], (0.0, sigma, sigma), mode="constant"
        )
    # time: decay during each frame, dead time of each step
    duration = protocol.frame_duration_s
    steps = plan.step_of_view
    activity_fov = {name: float(np.sum(src.activity_mbq, dtype=np.float64))
                    for name, src in zip(names, sources, strict=True)}
    decay: dict[str, NDArray[np.float64]] = {}
    rate = np.zeros(plan.n_views)
    for name in names:
        lam = math.log(2.0) / (nuclide(name).half_life_h * S_PER_H)  # 1/s
        start = steps * duration
        if options.decay:
            decay[name] = np.exp(-lam * start) * -math.expm1(-lam * duration) / (lam * duration)
            present = activity_fov[name] * np.exp(-lam * start)
        else:
            decay[name] = np.ones(plan.n_views)
            present = np.full(plan.n_views, activity_fov[name])
        rate += camera.dead_time_rate_cps_per_mbq(name) * present
    kept = np.exp(-camera.dead_time_s * rate) if options.dead_time else np.ones(plan.n_views)
    per_view = duration * kept  # s
    n_windows = len(protocol.windows)
    expected = np.zeros((n_windows, plan.n_views, camera.matrix, camera.matrix), np.float32)
    totals: dict[str, list[float]] = {}
    groups = (("primary", images.primary, p_coef, p_name),
              ("scatter", scatter_images, s_coef, s_name),
              ("background", background_images, b_coef, b_name))
    for kind, stack, coefs, term_names in groups:
        for c, (coef, name) in enumerate(zip(coefs, term_names, strict=True)):
            weight = (per_view * decay[name]).astype(np.float32)
            weighted = stack[c] * weight[:, None, None]
            image_total = float(weighted.sum(dtype=np.float64))
            key = f"{kind}:{name}"
            sums = totals.setdefault(key, [0.0] * n_windows)
            for w in range(n_windows):
                if coef[w] > 0:
                    expected[w] += np.float32(coef[w]) * weighted
                    sums[w] += float(coef[w]) * image_total
    counts: NDArray[Any]
    if options.noise:
        counts = rng.poisson(expected).astype(np.uint32)
    else:
        counts = expected
    # where the first frame of each head lies in patient space (DICOM Detector Information:
    # ImagePositionPatient of its upper-left pixel on the collimator face, and its orientation)
    half = (camera.matrix - 1) / 2.0 * pixel
    heads = []
    for head in range(1, camera.n_heads + 1):
        first = int(np.nonzero(plan.detector_of_view == head)[0][0])
        normal, column = detector_axes(float(plan.angles_deg[first]))
        n3, c3 = np.array([normal[0], normal[1], 0.0]), np.array([column[0], column[1], 0.0])
        corner = (np.array([axis[0], axis[1], float(centre[2])]) + radii[first] * n3
                  - half * c3 + half * np.array([0.0, 0.0, 1.0]))
        heads.append({"detector": head,
                      "image_position_patient": [round(float(v), 4) for v in corner],
                      "image_orientation_patient": [round(float(c3[0]), 12),
                                                    round(float(c3[1]), 12), 0.0,
                                                    0.0, 0.0, -1.0]})
    projections = Projections(
        counts=counts, angles_deg=plan.angles_deg, detector_of_view=plan.detector_of_view,
        windows=tuple(protocol.windows), pixel_spacing_mm=(pixel, pixel),
        acquisition_start=acquisition_start, frame_duration_s=duration, radius_mm=radii,
        isotope=isotope or names[0], frame_of_reference_uid=hu.frame_of_reference_uid,
        metadata={"series_description": protocol.name, "simulated": True,
                  "collimator": camera.collimator.name,
                  "rotation_axis_lps_mm": [axis[0], axis[1], float(centre[2])],
                  "detector_geometry": heads},
    )
    model = {
        "projector": "fine-grid frame sampling (hepar.phantoms.FineGridProjector)",
        "grid_spacing_mm": hu.spacing_mm[0],
        "rotation_axis_lps_mm": [axis[0], axis[1], float(centre[2])],
        "detector_geometry": heads,
        "collimator": camera.collimator.name,
        "scatter_build_up_per_mfp": scatter_model.build_up_per_mfp if options.scatter else 0.0,
        "options": {k: getattr(options, k) for k in (
            "attenuation", "collimator", "scatter", "background", "dead_time", "decay", "noise")},
    }
    return SimulatedAcquisition(projections, expected, totals, kept, activity_fov, model)
