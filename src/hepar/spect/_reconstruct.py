"""Quantitative reconstruction: projections + CT -> activity concentration (Bq/mL).

Steps (each documented in its module):

1. Grid and geometry from the projections (:mod:`._geometry`); the CT resampled onto it through
   :func:`hepar.imaging.resample_to` and turned into :math:`\\mu` at the imaging line
   (:func:`hepar.physics.hu_to_mu_per_cm`); the body outline (CT > -500 HU, one voxel wider)
   bounds where activity may be.
2. Additive term per view (:mod:`._scatter`, :mod:`._crosstalk`): 166Ho, the upper-window
   continuum estimate and the 177Lu crosstalk; 177Lu, TEW.
3. Per-view scale: net photopeak sensitivity (camera) x frame time x decay during the frame
   (:func:`frame_decay_factors`); 1 for a normalised reconstruction.
4. OSEM (:mod:`._osem`) with the rotation projector (:mod:`._projector`), then the optional
   Gaussian post-filter.
5. Dead time (camera calibration, :mod:`._dead_time`): the OSEM total :math:`A_m` was seen
   through the kept fraction :math:`e^{-\\tau\\alpha A D_v}` of each view (it changes from view
   to view as the source decays); the true activity solves the decay-weighted
   :math:`A_m = A \\sum_v D_v e^{-\\tau\\alpha A D_v} / \\sum_v D_v` on the low-activity branch,
   a total past the paralysable model's maximum count rate is refused, and the image is scaled
   by :math:`A/A_m`. Only the reconstructed isotope's activity enters the input rate.
6. Normalised reconstruction instead: the image is scaled so its total equals the given
   activity (the clinical practice for 166Ho; Stella et al. 2021).
7. Conversion MBq per voxel -> Bq/mL.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy.ndimage import binary_dilation, gaussian_filter

from hepar.errors import InvalidValueError
from hepar.imaging import Volume, VolumeUnit, resample_to
from hepar.physics import (
    BQ_PER_MBQ,
    MM_PER_CM,
    SYMBIA_DETECTOR,
    canonical_nuclide_name,
    collimator_spec,
    hu_to_mu_per_cm,
)

from ._calibration import (
    HO166_BACKGROUND_KEY,
    CameraCalibration,
    build_up_key,
    crosstalk_key,
    dead_time_alpha_cps_per_mbq,
    frame_decay_factors,
)
from ._crosstalk import ho166_additive_estimate
from ._dead_time import correct_dead_time
from ._geometry import spect_geometry
from ._osem import osem, subset_views
from ._projections import Projections
from ._projector import CollimatorResponse, RotationProjector
from ._scatter import smooth_views, tew_estimate
from ._windows import IMAGING_LINE_KEV, isotope_windows

__all__ = [
    "PHOTOPEAK_BUILD_UP_PER_MFP", "PHOTOPEAK_SCATTER_FWHM_MM", "Reconstruction", "reconstruct",
]

#: CT number above which a voxel belongs to the body (air and lung below).
BODY_HU = -500.0
#: Clearance between body and collimator (mm) assumed when the file records no radius.
DEFAULT_CLEARANCE_MM = 25.0
#: Default linear build-up b of the attenuation term per isotope (scattered photons of the
#: imaging line that the photopeak window accepts, per mean free path), used when the camera
#: calibration has none (:func:`~hepar.spect.calibrate_build_up` fits it on a phantom). 177Lu:
#: 0 (TEW removes its scatter). 166Ho: the 81 keV (15 %) window has no lower scatter window
#: and 80.6 keV photons lose little energy in small-angle scatter, so their scatter is modelled
#: by build-up; 0.21 is what calibrate_build_up finds on a simulated 20 cm water cylinder
#: (tests/spect), a placeholder until a site calibrates on its own phantom.
PHOTOPEAK_BUILD_UP_PER_MFP = {"Ho-166": 0.21, "Lu-177": 0.0}
#: Extra spread (FWHM, mm) of the build-up (scattered) photons on the detector.
PHOTOPEAK_SCATTER_FWHM_MM = {"Ho-166": 80.0, "Lu-177": 0.0}
_FWHM_PER_SIGMA = 2.0 * math.sqrt(2.0 * math.log(2.0))


@dataclass(frozen=True, eq=False)
class Reconstruction:
    """A quantitative SPECT reconstruction.

    Attributes
    ----------
    activity
        Activity concentration (``"Bq/mL"``) at acquisition start on the SPECT grid, in the CT's
        frame of reference.
    total_activity_mbq
        Activity in the field of view at acquisition start.
    isotope, iterations, subsets
        What was reconstructed, and how.
    calibration
        ``"camera"`` (sensitivity, dead time, decay) or ``"normalised"`` (scaled to a given
        activity).
    notes
        Choices made on the way (defaults used, corrections skipped).
    """

    activity: Volume
    total_activity_mbq: float
    isotope: str
    iterations: int
    subsets: int
    calibration: Literal["camera", "normalised"]
    notes: tuple[str, ...]


def _positive_int(name: str, value: int, maximum: int | None = None) -> None:
    if not isinstance(value, int) or value < 1 or (maximum is not None and value > maximum):
        raise InvalidValueError(
            field=name, value=value,
            expected="a whole number >= 1" + (f" and <= {maximum}" if maximum else ""))


def _ct_on_grid(ct_hu: Volume, grid: Volume) -> np.ndarray:
    """CT numbers on ``grid``; outside the CT: air (-1000 HU)."""
    shifted = ct_hu.with_array(np.asarray(ct_hu.array, float) + 1000.0)
    on_grid = resample_to(shifted, grid, method="linear")
    return np.asarray(on_grid.array, float) - 1000.0


def _additive(projections: Projections, iso: str, camera: CameraCalibration | None,
              notes: list[str]) -> np.ndarray:
    counts = np.asarray(projections.counts, dtype=np.float64)
    windows = projections.windows
    found = isotope_windows(windows, iso)
    pixel = projections.pixel_spacing_mm
    peak = windows[found.photopeak]
    if iso == "Lu-177":
        side = [(smooth_views(counts[i], pixel), windows[i]) if i is not None else None
                for i in (found.lower, found.upper)]
        if side[0] is None and side[1] is None:
            raise InvalidValueError(field="energy windows", value=[w.name for w in windows],
                                    expected=f"a scatter window beside {peak.name!r} for TEW")
        notes.append("scatter and 166Ho continuum: triple-energy window (Ogawa et al. 1991)")
        return tew_estimate(peak, side[0], side[1])
    if found.upper is None:
        raise InvalidValueError(field="energy windows", value=[w.name for w in windows],
                                expected="a 166Ho upper scatter window near 118 keV")
    up = windows[found.upper]
    m118 = smooth_views(counts[found.upper], pixel)
    cross = camera.crosstalk if camera is not None else {}
    k = cross.get(HO166_BACKGROUND_KEY)
    if k is None:
        k = peak.width_kev / up.width_kev
        notes.append(f"166Ho background ratio k = {k:.3f} from the window widths (no camera "
                     "calibration)")
    lu_found = isotope_windows(windows, "Lu-177") if any(
        w.lower_kev <= IMAGING_LINE_KEV["Lu-177"] <= w.upper_kev for w in windows) else None
    keys = (crosstalk_key("Lu-177", peak.centre_kev, 208.0),
            crosstalk_key("Lu-177", up.centre_kev, 208.0))
    if lu_found is not None and all(key in cross for key in keys) and (
            lu_found.lower is not None or lu_found.upper is not None):
        lu_peak = windows[lu_found.photopeak]
        side = [(smooth_views(counts[i], pixel), windows[i]) if i is not None else None
                for i in (lu_found.lower, lu_found.upper)]
        lu_net = smooth_views(counts[lu_found.photopeak], pixel) - tew_estimate(
            lu_peak, side[0], side[1])
        continuum, lu = ho166_additive_estimate(
            m118, lu_net, background_ratio=k, lu_81_per_208=cross[keys[0]],
            lu_118_per_208=cross[keys[1]])
        notes.append(f"177Lu crosstalk from the TEW-net {lu_peak.name!r} window, ratios "
                     + ", ".join(f"{key} = {cross[key]:.4f}" for key in keys))
        return continuum + lu
    if lu_found is not None:
        notes.append("177Lu crosstalk not corrected: the camera calibration has no 177Lu/166Ho "
                     "window ratios")
    return k * m118


def reconstruct(
    projections: Projections,
    *,
    ct_hu: Volume,
    isotope: str,
    camera: CameraCalibration | None = None,
    normalise_to_mbq: float | None = None,
    iterations: int = 4,
    subsets: int = 8,
    collimator: str = "ME",
    post_filter_fwhm_mm: float | None = None,
    progress: Callable[[int, int], None] | None = None,
    build_up_per_mfp: float | None = None,
) -> Reconstruction:
    """Reconstruct ``isotope`` from ``projections`` with CT attenuation, CDR and scatter.

    Parameters
    ----------
    projections
        The acquisition (all windows).
    ct_hu
        CT of the same session (unit HU, same frame of reference).
    isotope
        ``"Ho-166"`` or ``"Lu-177"``.
    camera, normalise_to_mbq
        Exactly one: the camera calibration (quantitative), or the activity in the field of
        view at acquisition start to normalise to.
    iterations, subsets
        OSEM iterations and subsets.
    collimator
        Collimator name (:data:`hepar.physics.COLLIMATORS`).
    post_filter_fwhm_mm
        Optional 3-D Gaussian post-filter.
    progress
        ``progress(done, total)`` after each OSEM sub-iteration.
    build_up_per_mfp
        Photopeak scatter build-up b; from the camera calibration, else
        :data:`PHOTOPEAK_BUILD_UP_PER_MFP`, when not given.

    Returns
    -------
    Reconstruction
    """
    if (camera is None) == (normalise_to_mbq is None):
        raise InvalidValueError(
            field="camera / normalise_to_mbq", value=(camera is not None, normalise_to_mbq),
            expected="exactly one of a camera calibration or an activity to normalise to")
    if normalise_to_mbq is not None and not (math.isfinite(normalise_to_mbq)
                                             and normalise_to_mbq > 0):
        raise InvalidValueError(field="normalise_to_mbq", value=normalise_to_mbq,
                                expected="a positive activity in MBq")
    _positive_int("iterations", iterations)
    _positive_int("subsets", subsets, projections.n_views)
    if post_filter_fwhm_mm is not None and not post_filter_fwhm_mm >= 0:
        raise InvalidValueError(field="post_filter_fwhm_mm", value=post_filter_fwhm_mm,
                                expected="a FWHM >= 0 mm")
    iso = canonical_nuclide_name(isotope)
    if iso not in IMAGING_LINE_KEV:
        raise InvalidValueError(field="isotope", value=isotope,
                                expected=f"one of {sorted(IMAGING_LINE_KEV)}")
    spec = collimator_spec(collimator)
    if camera is not None and camera.collimator.upper() != spec.name.upper():
        raise InvalidValueError(field="camera.collimator", value=camera.collimator,
                                expected=f"{spec.name} (the collimator of this reconstruction)")
    ct_hu.require_unit(VolumeUnit.HU, name="ct_hu")
    found = isotope_windows(projections.windows, iso)
    peak = projections.windows[found.photopeak]
    notes: list[str] = []
    geometry = spect_geometry(projections, ct_hu)
    notes.append(f"rotation axis from {geometry.axis_source}")
    grid = geometry.grid
    hu = _ct_on_grid(ct_hu, grid)
    energy = IMAGING_LINE_KEV[iso]
    mu = (np.asarray(hu_to_mu_per_cm(hu, energy)) / MM_PER_CM).astype(np.float32)
    body = hu > BODY_HU
    body = binary_dilation(body, structure=np.ones((1, 3, 3), bool))
    if not body.any():
        raise InvalidValueError(field="ct_hu", value="no voxel above -500 HU on the SPECT grid",
                                expected="a CT of the patient overlapping the SPECT")
    dz, _, dx = grid.spacing_mm
    if projections.radius_mm is not None:
        radius = np.asarray(projections.radius_mm, float)
    else:
        n = grid.shape[1]
        yy, xx = np.mgrid[:n, :n]
        c = (n - 1) / 2.0
        r_body = float(np.hypot(xx - c, yy - c)[body.any(axis=0)].max()) * dx
        radius = np.full(projections.n_views, r_body + DEFAULT_CLEARANCE_MM)
        notes.append(f"no radius recorded: circular orbit of {radius[0]:.0f} mm assumed")
    response = CollimatorResponse(
        spec.hole_diameter_mm, spec.effective_length_mm(energy),
        SYMBIA_DETECTOR.intrinsic_fwhm_mm(energy))
    build_up = PHOTOPEAK_BUILD_UP_PER_MFP[iso]
    if build_up_per_mfp is not None:
        build_up = build_up_per_mfp
    elif camera is not None and build_up_key(iso) in camera.crosstalk:
        build_up = camera.crosstalk[build_up_key(iso)]
    notes.append(f"photopeak scatter build-up b = {build_up:.3f} per mean free path")
    views = subset_views(projections.angles_deg, subsets)
    projector = RotationProjector(
        mu_per_mm=mu, support=body, angles_deg=projections.angles_deg, radius_mm=radius,
        spacing_mm=(dz, dx), response=response,
        build_up_per_mfp=build_up, scatter_fwhm_mm=PHOTOPEAK_SCATTER_FWHM_MM[iso],
        subsets=views)
    additive = _additive(projections, iso, camera, notes)
    rows = geometry.rows
    counts = np.asarray(projections.counts[found.photopeak], dtype=np.float32)
    decay = frame_decay_factors(projections, iso)
    sensitivity = 1.0
    if camera is not None:
        sensitivity = camera.photopeak_sensitivity(iso, peak)
    scale_all = sensitivity * projections.frame_duration_s * decay
    data = [projector.frame_of(counts[v], rows) for v in views]
    add = [projector.frame_of(additive[v].astype(np.float32), rows) for v in views]
    scale = [scale_all[v] for v in views]
    x = osem(projector, data, add, scale, iterations=iterations, progress=progress)
    activity = projector.to_volume(x).astype(np.float64)  # MBq per voxel
    if post_filter_fwhm_mm:
        sigma = [post_filter_fwhm_mm / _FWHM_PER_SIGMA / s for s in grid.spacing_mm]
        activity = gaussian_filter(activity, sigma, mode="constant")
    measured = float(activity.sum())
    if camera is not None:
        calibration: Literal["camera", "normalised"] = "camera"
        alpha = dead_time_alpha_cps_per_mbq(iso, camera.dead_time_alpha_cps_per_mbq, spec.name)
        rate = camera.dead_time_s * alpha
        if rate > 0 and measured > 0:
            dead = correct_dead_time(measured, rate, decay)
            activity *= dead.activity_mbq / measured
            notes.append(
                f"dead time: kept fraction {dead.kept_fraction:.4f} (first view "
                f"{dead.kept_first:.4f}, last {dead.kept_last:.4f}; tau {camera.dead_time_s:g} s, "
                f"alpha {alpha:.4g} cps/MBq), low-activity branch (count rate peaks at "
                f"{dead.peak_activity_mbq:.0f} MBq); a 1 % error in the counts is "
                f"{dead.error_gain:.2f} % after the correction")
        notes.append(f"camera sensitivity {sensitivity:.4g} cps/MBq in {peak.name!r}")
    else:
        calibration = "normalised"
        assert normalise_to_mbq is not None
        if measured > 0:
            activity *= normalise_to_mbq / measured
        notes.append(f"normalised to {normalise_to_mbq:g} MBq in the field of view")
    total = float(activity.sum())
    concentration = activity * BQ_PER_MBQ / grid.voxel_volume_ml
    volume = Volume(concentration.astype(np.float32), grid.affine, VolumeUnit.BQ_PER_ML,
                    grid.frame_of_reference_uid,
                    {"isotope": iso, "acquisition_start": projections.acquisition_start})
    return Reconstruction(volume, total, iso, iterations, subsets, calibration, tuple(notes))
