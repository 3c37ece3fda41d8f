"""Camera calibration as a record: sensitivity per isotope and window, dead time, crosstalk.

:func:`calibrate_camera` reads a planar or SPECT acquisition of a source of known activity
(single isotope, ideally in air or a small scattering medium) and returns a
:class:`CameraCalibration`:

* **Decay.** The activity :math:`A_{ref}` at ``reference_time`` is decay-corrected to the
  acquisition start, :math:`A_0 = A_{ref} e^{-\\lambda (t_0 - t_{ref})}`, and over each frame:
  a view taken from :math:`kT` to :math:`(k+1)T` after the start (step ``k`` of its head) sees
  on average :math:`A_0 e^{-\\lambda kT}(1 - e^{-\\lambda T})/(\\lambda T)`.
* **Dead time.** Paralysable model :math:`C = R e^{-\\tau R}` with input rate :math:`R = \\alpha
  A` (REFERENCE.md; :data:`hepar.physics.HO166_DEAD_TIME_S`,
  :data:`hepar.physics.HO166_DEAD_TIME_ALPHA_CPS_PER_MBQ`); each view's counts are divided by
  its kept fraction :math:`e^{-\\tau \\alpha A(t)}`. For 177Lu, :math:`\\alpha` is scaled by the
  ratio of collimated photons absorbed in the crystal per decay (lines of 20-600 keV, geometric
  collimator efficiency and crystal absorption) to that of 166Ho, since the input rate is
  proportional to the photons that reach and interact in the crystal.
* **Sensitivity** (cps per MBq, per head): counts in a window divided by the dead-time and
  decay-weighted exposure :math:`\\sum_v T D_v L_v A_0`. The photopeak entry is *net*: the
  window-based background estimate (166Ho: :math:`k C_{118}`; 177Lu: TEW) is removed, because
  the reconstruction models that background separately; the other windows are gross.
* **166Ho background ratio k** (counts of the broad background in the 81 keV window per count
  in the 118 keV window): the ratio of the two windows' counts in the detector area farther
  than :data:`TAIL_DISTANCE_MM` from the source image, where the compact photopeak image has no
  counts and only the spatially broad downscatter/bremsstrahlung remains. If that area is too
  small, the window-width ratio (a flat continuum) is used and a note says so.
* **Crosstalk ratios**: counts in each window per count in the isotope's reference window
  (166Ho: the 118 keV window; 177Lu: the TEW-net counts of the 208 keV photopeak), keyed
  ``"<isotope> <centre>keV/<reference centre>keV"`` (e.g. ``"Lu-177 81keV/208keV"``). They are
  measured on single-isotope acquisitions and combined with :func:`combine_calibrations`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.ndimage import distance_transform_edt

from hepar.errors import InvalidValueError
from hepar.physics import (
    HO166_DEAD_TIME_ALPHA_CPS_PER_MBQ,
    HO166_DEAD_TIME_S,
    MAX_ATTENUATION_ENERGY_KEV,
    MIN_ATTENUATION_ENERGY_KEV,
    MM_PER_CM,
    S_PER_H,
    SYMBIA_DETECTOR,
    DetectorMaterial,
    canonical_nuclide_name,
    collimator_spec,
    decay_factor,
    detector_attenuation_per_cm,
    nuclide,
)

from ._projections import EnergyWindow, Projections
from ._scatter import tew_estimate
from ._windows import IMAGING_LINE_KEV, isotope_windows

__all__ = [
    "TAIL_DISTANCE_MM",
    "CameraCalibration",
    "WindowSensitivity",
    "build_up_key",
    "calibrate_camera",
    "combine_calibrations",
    "crosstalk_key",
    "dead_time_alpha_cps_per_mbq",
    "frame_decay_factors",
    "view_steps",
]

#: Distance (mm) from the source image beyond which a source-in-air view holds only the broad
#: 166Ho background (about 4x the ME system FWHM at 20 cm).
TAIL_DISTANCE_MM = 80.0
#: Threshold (fraction of the view maximum) that outlines the source image.
_SOURCE_THRESHOLD = 0.1
#: Key of the 166Ho background ratio k in :attr:`CameraCalibration.crosstalk`.
HO166_BACKGROUND_KEY = "Ho-166 81keV/118keV background"


def build_up_key(isotope: str) -> str:
    """Key of the photopeak scatter build-up b in :attr:`CameraCalibration.crosstalk`."""
    return f"{isotope} photopeak build-up per mfp"


def crosstalk_key(isotope: str, window_centre_kev: float, reference_centre_kev: float) -> str:
    """Key of a window ratio: ``crosstalk_key("Lu-177", 81, 208) == "Lu-177 81keV/208keV"``."""
    return f"{isotope} {window_centre_kev:.0f}keV/{reference_centre_kev:.0f}keV"


@dataclass(frozen=True)
class WindowSensitivity:
    """Count rate per MBq of one isotope in one energy window (one head).

    ``net`` marks a photopeak sensitivity from which the window-based background estimate was
    removed; ``lower_kev``/``upper_kev`` give the window's limits when known.
    """

    isotope: str
    window: str
    sensitivity_cps_per_mbq: float
    lower_kev: float | None = None
    upper_kev: float | None = None
    net: bool = False


@dataclass(frozen=True)
class CameraCalibration:
    """A gamma camera's quantitative calibration (see the module docstring for the method).

    Parameters
    ----------
    sensitivities
        Per isotope and window.
    dead_time_s, dead_time_alpha_cps_per_mbq
        Paralysable model for 166Ho, :math:`C = \\alpha A e^{-\\tau \\alpha A}`.
    collimator
        Collimator the calibration holds for.
    crosstalk
        Window ratios (see :func:`crosstalk_key`) and the 166Ho background ratio.
    source_activity_mbq
        The source's activity at the acquisition start.
    acquisition_start
        Start of the calibration acquisition.
    notes
        How it was obtained.
    """

    sensitivities: tuple[WindowSensitivity, ...]
    dead_time_s: float
    dead_time_alpha_cps_per_mbq: float
    collimator: str
    crosstalk: dict[str, float]
    source_activity_mbq: float
    acquisition_start: datetime
    notes: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if self.acquisition_start.tzinfo is None:
            raise InvalidValueError(field="acquisition_start",
                                    value=self.acquisition_start.isoformat(),
                                    expected="a timezone-aware datetime")
        if self.dead_time_s < 0 or self.dead_time_alpha_cps_per_mbq < 0:
            raise InvalidValueError(
                field="dead_time", value=(self.dead_time_s, self.dead_time_alpha_cps_per_mbq),
                expected="non-negative tau and alpha")
        for s in self.sensitivities:
            if not (math.isfinite(s.sensitivity_cps_per_mbq) and s.sensitivity_cps_per_mbq >= 0):
                raise InvalidValueError(field=f"sensitivity {s.isotope} {s.window}",
                                        value=s.sensitivity_cps_per_mbq,
                                        expected="a finite count rate >= 0 cps/MBq")

    def photopeak_sensitivity(self, isotope: str, window: EnergyWindow) -> float:
        """Net photopeak sensitivity of ``isotope`` for ``window`` (by name, else by energy)."""
        iso = canonical_nuclide_name(isotope)
        mine = [s for s in self.sensitivities if s.isotope == iso]
        for s in mine:
            if s.window == window.name and s.net:
                return s.sensitivity_cps_per_mbq
        line = IMAGING_LINE_KEV.get(iso)
        for s in mine:
            if s.net and s.lower_kev is not None and s.upper_kev is not None and line and \
                    s.lower_kev <= line <= s.upper_kev:
                return s.sensitivity_cps_per_mbq
        raise InvalidValueError(
            field="camera.sensitivities", value=[(s.isotope, s.window) for s in self.sensitivities],
            expected=f"a photopeak sensitivity for {iso} in window {window.name!r}",
        )

    def to_json_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary (datetimes as ISO 8601)."""
        return {
            "sensitivities": [
                {"isotope": s.isotope, "window": s.window,
                 "sensitivity_cps_per_mbq": s.sensitivity_cps_per_mbq,
                 "lower_kev": s.lower_kev, "upper_kev": s.upper_kev, "net": s.net}
                for s in self.sensitivities
            ],
            "dead_time_s": self.dead_time_s,
            "dead_time_alpha_cps_per_mbq": self.dead_time_alpha_cps_per_mbq,
            "collimator": self.collimator,
            "crosstalk": dict(self.crosstalk),
            "source_activity_mbq": self.source_activity_mbq,
            "acquisition_start": self.acquisition_start.isoformat(),
            "notes": list(self.notes),
        }

    @classmethod
    def from_json_dict(cls, d: dict[str, Any]) -> CameraCalibration:
        """Inverse of :meth:`to_json_dict`; a missing or malformed key raises
        :class:`~hepar.errors.InvalidValueError` naming it."""
        def need(key: str) -> Any:
            if key not in d:
                raise InvalidValueError(field=f"camera calibration.{key}", value=None,
                                        expected="present")
            return d[key]
        try:
            sens = tuple(
                WindowSensitivity(str(s["isotope"]), str(s["window"]),
                                  float(s["sensitivity_cps_per_mbq"]),
                                  None if s.get("lower_kev") is None else float(s["lower_kev"]),
                                  None if s.get("upper_kev") is None else float(s["upper_kev"]),
                                  bool(s.get("net", False)))
                for s in need("sensitivities"))
            start = datetime.fromisoformat(str(need("acquisition_start")))
            return cls(
                sensitivities=sens, dead_time_s=float(need("dead_time_s")),
                dead_time_alpha_cps_per_mbq=float(need("dead_time_alpha_cps_per_mbq")),
                collimator=str(need("collimator")),
                crosstalk={str(k): float(v) for k, v in dict(need("crosstalk")).items()},
                source_activity_mbq=float(need("source_activity_mbq")),
                acquisition_start=start, notes=tuple(str(n) for n in d.get("notes", ())),
            )
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, InvalidValueError):
                raise
            raise InvalidValueError(field="camera calibration", value=str(exc),
                                    expected="the keys and types hepar calibrate writes") from None


def combine_calibrations(*calibrations: CameraCalibration) -> CameraCalibration:
    """One record from single-isotope calibrations of the same camera and collimator.

    Sensitivities and crosstalk ratios are merged (later records win on equal keys); dead-time
    parameters, source activity and start come from the first record.
    """
    if not calibrations:
        raise InvalidValueError(field="calibrations", value=(), expected="at least one")
    first = calibrations[0]
    names = {c.collimator.upper() for c in calibrations}
    if len(names) > 1:
        raise InvalidValueError(field="collimator", value=sorted(names),
                                expected="calibrations of one collimator")
    sens: dict[tuple[str, str], WindowSensitivity] = {}
    cross: dict[str, float] = {}
    notes: list[str] = []
    for c in calibrations:
        sens.update({(s.isotope, s.window): s for s in c.sensitivities})
        cross.update(c.crosstalk)
        notes.extend(c.notes)
    return replace(first, sensitivities=tuple(sens.values()), crosstalk=cross,
                   notes=tuple(dict.fromkeys(notes)))


# -- physics helpers shared with the reconstruction ---------------------------------------------
def view_steps(projections: Projections) -> NDArray[np.int_]:
    """Angular step of each view: its rank among the views of the same head, in array order."""
    steps = np.zeros(projections.n_views, dtype=int)
    for head in np.unique(projections.detector_of_view):
        idx = np.nonzero(projections.detector_of_view == head)[0]
        steps[idx] = np.arange(idx.size)
    return steps


def frame_decay_factors(projections: Projections, isotope: str) -> NDArray[np.float64]:
    """Mean activity during each view relative to the acquisition start.

    .. math:: D_v = e^{-\\lambda k_v T}\\,\\frac{1 - e^{-\\lambda T}}{\\lambda T}
    """
    lam = math.log(2.0) / (nuclide(isotope).half_life_h * S_PER_H)
    t = projections.frame_duration_s
    start = view_steps(projections) * t
    return np.asarray(np.exp(-lam * start) * -math.expm1(-lam * t) / (lam * t))


def _collimated_absorbed_per_decay(isotope: str, collimator: str) -> float:
    spec = collimator_spec(collimator)
    h = SYMBIA_DETECTOR.crystal_thickness_mm
    total = 0.0
    for line in nuclide(isotope).photons:
        e = line.energy_kev
        if not MIN_ATTENUATION_ENERGY_KEV <= e <= MAX_ATTENUATION_ENERGY_KEV:
            continue
        try:
            geometric = spec.geometric_efficiency(e)
        except InvalidValueError:  # the septa do not stop this line: it is not imaged
            continue
        mu = float(detector_attenuation_per_cm(DetectorMaterial.SODIUM_IODIDE, e)) / MM_PER_CM
        total += line.abundance * geometric * -math.expm1(-mu * h)
    return total


def dead_time_alpha_cps_per_mbq(isotope: str, alpha_ho166_cps_per_mbq: float,
                                collimator: str = "ME") -> float:
    """Input count rate per MBq of ``isotope``: the 166Ho value scaled by collimated, absorbed
    photons per decay (see the module docstring).

    Examples
    --------
    >>> dead_time_alpha_cps_per_mbq("Ho-166", 8.1)
    8.1
    """
    iso = canonical_nuclide_name(isotope)
    if iso == "Ho-166":
        return alpha_ho166_cps_per_mbq
    return alpha_ho166_cps_per_mbq * (_collimated_absorbed_per_decay(iso, collimator)
                                      / _collimated_absorbed_per_decay("Ho-166", collimator))


def _tail_ratio(peak: NDArray[np.float64], ref: NDArray[np.float64],
                pixel_mm: tuple[float, float]) -> float | None:
    """Ratio sum(peak)/sum(ref) over pixels far from the source image (see module docstring)."""
    num = den = 0.0
    for v in range(peak.shape[0]):
        image = peak[v]
        if image.max() <= 0:
            continue
        source = image >= _SOURCE_THRESHOLD * image.max()
        distance = distance_transform_edt(~source, sampling=pixel_mm)
        far = distance > TAIL_DISTANCE_MM
        num += float(image[far].sum())
        den += float(ref[v][far].sum())
    if den <= 0 or num <= 0 or den < 100:
        return None
    return num / den


def calibrate_camera(
    acquisition: Projections,
    *,
    activity_mbq: float,
    reference_time: datetime,
    isotope: str | None = None,
    collimator: str = "ME",
) -> CameraCalibration:
    """Calibrate the camera from an acquisition of a source of known activity.

    Parameters
    ----------
    acquisition
        Planar (one view per head) or SPECT projections of a single-isotope source.
    activity_mbq
        The source's activity at ``reference_time``.
    reference_time
        Timezone-aware time of the activity measurement (dose calibrator).
    isotope
        The source's nuclide; the acquisition's isotope by default.
    collimator
        Collimator name (:data:`hepar.physics.COLLIMATORS`).

    Returns
    -------
    CameraCalibration
    """
    if not (math.isfinite(activity_mbq) and activity_mbq > 0):
        raise InvalidValueError(field="activity_mbq", value=activity_mbq,
                                expected="a positive activity in MBq")
    if reference_time.tzinfo is None:
        raise InvalidValueError(field="reference_time", value=reference_time.isoformat(),
                                expected="a timezone-aware datetime (ISO 8601 with offset)")
    name = isotope or acquisition.isotope
    if name is None:
        raise InvalidValueError(field="isotope", value=None,
                                expected="the source's nuclide (not recorded in the file)")
    iso = canonical_nuclide_name(name)
    spec = collimator_spec(collimator)
    windows = acquisition.windows
    found = isotope_windows(windows, iso)
    half_life = nuclide(iso).half_life_h
    a0 = activity_mbq * decay_factor(reference_time, acquisition.acquisition_start, half_life)
    decay = frame_decay_factors(acquisition, iso)
    tau = HO166_DEAD_TIME_S
    alpha_ho = HO166_DEAD_TIME_ALPHA_CPS_PER_MBQ
    alpha = dead_time_alpha_cps_per_mbq(iso, alpha_ho, spec.name)
    kept = np.exp(-tau * alpha * a0 * decay)
    exposure = float(np.sum(acquisition.frame_duration_s * decay * kept)) * a0  # MBq s
    counts = np.asarray(acquisition.counts, dtype=np.float64)
    per_window = counts.sum(axis=(1, 2, 3))
    notes = [
        f"{iso} source of {activity_mbq:g} MBq at {reference_time.isoformat()}, "
        f"{a0:.4g} MBq at acquisition start {acquisition.acquisition_start.isoformat()}",
        f"paralysable dead time tau = {tau:g} s, alpha = {alpha:.4g} cps/MBq; mean kept "
        f"fraction {float(np.mean(kept)):.4f}",
    ]
    peak_window = windows[found.photopeak]
    cross: dict[str, float] = {}
    if iso == "Ho-166":
        if found.upper is None:
            raise InvalidValueError(field="energy windows", value=[w.name for w in windows],
                                    expected="a 166Ho upper scatter window near 118 keV")
        up = windows[found.upper]
        k = _tail_ratio(counts[found.photopeak], counts[found.upper],
                        acquisition.pixel_spacing_mm)
        if k is None:
            k = peak_window.width_kev / up.width_kev
            notes.append("background ratio k from the window widths (flat continuum): too few "
                         "counts far from the source")
        else:
            notes.append(f"background ratio k = {k:.4f} from counts farther than "
                         f"{TAIL_DISTANCE_MM:g} mm from the source image")
        cross[HO166_BACKGROUND_KEY] = k
        net = per_window[found.photopeak] - k * per_window[found.upper]
        reference = found.upper
    else:
        side = [(counts[i].sum(axis=0), windows[i]) if i is not None else None
                for i in (found.lower, found.upper)]
        if side[0] is None and side[1] is None:
            raise InvalidValueError(field="energy windows", value=[w.name for w in windows],
                                    expected=f"a scatter window beside {peak_window.name!r}")
        net = per_window[found.photopeak] - float(np.sum(tew_estimate(peak_window, side[0],
                                                                      side[1])))
        reference = found.photopeak
    ref_centre = windows[reference].centre_kev
    # 166Ho: per count in the 118 keV window; 177Lu: per TEW-net count in the 208 keV window
    ref_counts = per_window[reference] if iso == "Ho-166" else net
    for i, w in enumerate(windows):
        if i != reference and ref_counts > 0:
            cross[crosstalk_key(iso, w.centre_kev, ref_centre)] = float(
                per_window[i] / ref_counts)
    sens = []
    for i, w in enumerate(windows):
        value = (net if i == found.photopeak else per_window[i]) / exposure
        sens.append(WindowSensitivity(iso, w.name, float(max(value, 0.0)), w.lower_kev,
                                      w.upper_kev, i == found.photopeak))
    return CameraCalibration(
        sensitivities=tuple(sens), dead_time_s=tau, dead_time_alpha_cps_per_mbq=alpha_ho,
        collimator=spec.name, crosstalk=cross, source_activity_mbq=float(a0),
        acquisition_start=acquisition.acquisition_start, notes=tuple(notes),
    )
