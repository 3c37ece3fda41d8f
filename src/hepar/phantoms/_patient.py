"""A whole virtual patient: anatomy, 177Lu and 166Ho activity, CT and simulated SPECT scans.

Everything derives from one integer seed through independent named streams
(:func:`~hepar.phantoms.stream`), so the same seed gives the same patient, scans and UIDs.

Timeline (site time, Europe/Amsterdam): four 177Lu-dotatate cycles 8 weeks apart from the
patient's calendar start; the 166Ho treatment 8-12 weeks after the last cycle (registry record,
REFERENCE.md); the scout dose 7-14 days before it, imaged 2-4 h after administration; the
treatment imaged the next day (20-26 h) or, when more than
:data:`POST_TREATMENT_SCAN_MAX_MBQ` of 166Ho would then be in the field of view, on the first
later day (same hour, at most 5 days after the treatment) on which it has decayed below that
(:func:`treatment_scan_time`). Optional 177Lu SPECT/CT after the last cycle.

Each session's CT covers the gamma camera's axial field of view (a SPECT/CT acquires its CT over
the SPECT's bed range), not only the torso: past the torso's ends the CT holds air.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
from numpy.typing import NDArray
from scipy.ndimage import gaussian_filter

from hepar.errors import InvalidValueError
from hepar.imaging import Mask, Volume, VolumeUnit, affine_from_geometry
from hepar.physics import decay_factor, nuclide, time_integrated_activity_mbq_h
from hepar.spect._projections import EnergyWindow

from ._acquisition import (
    AcquisitionProtocol,
    SimulatedAcquisition,
    SimulationOptions,
    Source,
    simulate_acquisition,
)
from ._anatomy import Anatomy, Labels, generate_anatomy
from ._camera import Camera
from ._collimator import collimator_for
from ._dose import local_deposition_dose_gy
from ._ho166 import (
    HO166_SCOUT_ACTIVITY_MBQ,
    HoDistribution,
    draw_ho166_distributions,
    planned_treatment_activity_mbq,
)
from ._lu177 import Lu177Kinetics, draw_lu177_kinetics
from ._presets import Preset, preset
from ._seeding import check_seed, deterministic_uid, stream, study_epoch

__all__ = [
    "DUAL_ISOTOPE_WINDOWS",
    "LU177_WINDOWS",
    "POST_TREATMENT_SCAN_MAX_MBQ",
    "PatientOptions",
    "ScanTruth",
    "Session",
    "Timeline",
    "VirtualPatient",
    "generate_virtual_patient",
    "patient_anatomy",
    "patient_timeline",
    "treatment_scan_time",
]

#: Largest 166Ho activity (MBq) in the field of view at which the post-treatment SPECT/CT is
#: acquired. Radioembolization chapter of the "CME Handbook" (p. 130, published 2024 on
#: fliphtml5.com/jiofj/bcbo; its primary source was not reachable from here): "when the
#: activity in the scanner is above approximately 1420 MBq (i.e. dependent on the SPECT/CT
#: system), there is an excess of gamma photons that significantly increases detector dead
#: time. Dependent on the amount of administered activity, it is advised to perform
#: post-treatment 166Ho SPECT/CT between 2 and 5 days after treatment." With the camera's
#: paralysable model (20 % loss at 0.7 GBq, Stella et al., EJNMMI Phys 2021;8:22) 1420 MBq
#: keeps 64 % of the counts, well below the model's maximum count rate (at 1 / (tau alpha),
#: 3.1 GBq), past which the dead-time correction is not defined.
POST_TREATMENT_SCAN_MAX_MBQ = 1420.0
#: Latest post-treatment scan, days after the treatment (the guideline's 2-5 days).
POST_TREATMENT_SCAN_LAST_DAY = 5

#: 166Ho photopeak 81 keV (15 %) and upper scatter 118 keV (12 %) (Stella et al., EJNMMI Phys
#: 2021; REFERENCE.md), with the 177Lu windows recorded alongside (dual-isotope protocol).
HO166_PHOTOPEAK = EnergyWindow.centred("Ho166 81keV", centre_kev=81.0, width_pct=15.0)
HO166_UPPER_SCATTER = EnergyWindow.centred("Ho166 118keV", centre_kev=118.0, width_pct=12.0)
#: 177Lu photopeaks 113 and 208 keV (20 %) with adjacent scatter windows of 10 % of the peak
#: energy (triple-energy-window layout; MIRD Pamphlet 26, Ljungberg et al., J Nucl Med
#: 2016;57:151).
LU177_113 = EnergyWindow.centred("Lu177 113keV", centre_kev=113.0, width_pct=20.0)
LU177_113_LOWER = EnergyWindow("Lu177 113 lower", 113.0 * 0.8, 113.0 * 0.9)
LU177_208 = EnergyWindow.centred("Lu177 208keV", centre_kev=208.0, width_pct=20.0)
LU177_208_LOWER = EnergyWindow("Lu177 208 lower", 208.0 * 0.8, 208.0 * 0.9)
LU177_208_UPPER = EnergyWindow("Lu177 208 upper", 208.0 * 1.1, 208.0 * 1.2)
LU177_WINDOWS = (LU177_113, LU177_113_LOWER, LU177_208, LU177_208_LOWER, LU177_208_UPPER)
DUAL_ISOTOPE_WINDOWS = (HO166_PHOTOPEAK, HO166_UPPER_SCATTER, *LU177_WINDOWS)


@dataclass(frozen=True)
class PatientOptions:
    """Choices that a test or a study may fix instead of drawing them from the seed."""

    n_lesions: int | None = None
    territory: str | None = None
    lung_shunt_fraction: float | None = None
    extrahepatic: bool | None = None
    mismatch_sigma: float = 0.2
    weeks_after_last_cycle: float | None = None
    weight_kg: float | None = None
    simulation: SimulationOptions = field(default_factory=SimulationOptions)


@dataclass(frozen=True, eq=False)
class Session:
    """One SPECT/CT imaging session: its own frame of reference and CT."""

    name: str
    study_instance_uid: str
    frame_of_reference_uid: str
    ct_datetime: datetime
    ct: Volume


@dataclass(frozen=True, eq=False)
class ScanTruth:
    """One simulated SPECT acquisition and the truth behind it.

    ``activity_mbq`` holds the true activity per voxel (MBq) of each nuclide at acquisition
    start on the simulation grid.
    """

    name: str
    isotope: str
    session: Session
    acquisition: SimulatedAcquisition
    activity_mbq: dict[str, NDArray[np.float64]]

    @property
    def acquisition_start(self) -> datetime:
        """Start of the acquisition (timezone-aware)."""
        return self.acquisition.projections.acquisition_start

    @property
    def activity_in_fov_mbq(self) -> float:
        """Activity of the scan's isotope in the field of view at acquisition start."""
        return self.acquisition.activity_in_fov_mbq[self.isotope]


@dataclass(frozen=True, eq=False)
class VirtualPatient:
    """A virtual patient with its scans and truth (see :func:`generate_virtual_patient`)."""

    seed: int
    preset: Preset
    patient_id: str
    weight_kg: float
    anatomy: Anatomy
    labels: Labels
    ct_labels: Labels
    lu177: Lu177Kinetics
    scout: HoDistribution
    treatment: HoDistribution
    scout_time: datetime
    treatment_time: datetime
    sessions: tuple[Session, ...]
    scans: tuple[ScanTruth, ...]
    dose_gy: dict[str, NDArray[np.float64]]

    @property
    def grid(self) -> Volume:
        """The simulation (truth) grid."""
        return self.labels.grid

    def masks(self, *, on_ct: bool = True) -> list[Mask]:
        """Ground-truth masks on the CT grid (default) or on the simulation grid."""
        return self.anatomy.masks(self.ct_labels if on_ct else self.labels)

    def session(self, name: str) -> Session:
        """The session called ``name``."""
        for s in self.sessions:
            if s.name == name:
                return s
        raise InvalidValueError(field="session", value=name,
                                expected=f"one of {[s.name for s in self.sessions]}")


def _grid(anatomy: Anatomy, spacing: float, frame_uid: str) -> Volume:
    """The isotropic simulation grid: covers the body, centred on the rotation axis, even nz."""
    a, b = anatomy.body_semi_axes_mm
    z0, z1 = anatomy.z_range_mm
    nx = 2 * math.ceil((a + spacing) / spacing)
    ny = 2 * math.ceil((b + spacing) / spacing)
    nz = 2 * math.ceil((z1 - z0) / (2 * spacing))
    zc = (z0 + z1) / 2.0
    origin = (-(nx - 1) / 2 * spacing, -(ny - 1) / 2 * spacing, zc - (nz - 1) / 2 * spacing)
    affine = affine_from_geometry(origin_lps_mm=origin, spacing_mm=(spacing,) * 3)
    return Volume(np.zeros((nz, ny, nx), np.uint8), affine, VolumeUnit.FRACTION, frame_uid)


def _ct_grid(anatomy: Anatomy, p: Preset, frame_uid: str) -> Volume:
    """The CT series grid: the preset's matrix in-plane, and axially the torso or the gamma
    camera's axial field of view (detector rows x pixel, centred on the torso as the simulator
    centres the detector), whichever is longer."""
    z0, z1 = anatomy.z_range_mm
    length = max(z1 - z0, p.detector_matrix * p.pixel_mm)
    nz = math.ceil(length / p.ct_slice_mm)
    n, d = p.ct_matrix, p.ct_pixel_mm
    origin = (-(n - 1) / 2 * d, -(n - 1) / 2 * d, (z0 + z1) / 2 - (nz - 1) / 2 * p.ct_slice_mm)
    affine = affine_from_geometry(origin_lps_mm=origin, spacing_mm=(p.ct_slice_mm, d, d))
    return Volume(np.zeros((nz, n, n), np.uint8), affine, VolumeUnit.FRACTION, frame_uid)


def _ct(anatomy: Anatomy, labels: Labels, p: Preset, rng: np.random.Generator) -> Volume:
    """CT numbers with the scanner's blur (Gaussian, 1.2 mm FWHM in-plane) and noise."""
    hu = labels.property_map("hu")
    _, dy, dx = labels.grid.spacing_mm
    sigma_mm = 1.2 / 2.3548
    hu = gaussian_filter(hu, (0.0, sigma_mm / dy, sigma_mm / dx), mode="nearest")
    hu = hu + rng.normal(0.0, p.ct_noise_hu, hu.shape) * (labels.structure > 0)
    return labels.grid.with_array(np.round(np.clip(hu, -1024, 3071)), VolumeUnit.HU)


def _at_local(day: datetime, hour: float) -> datetime:
    return day.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(hours=hour)


@dataclass(frozen=True)
class Timeline:
    """Administration and scan times of a patient (site time zone)."""

    lu177_cycles: tuple[datetime, ...]
    scout: datetime
    treatment: datetime
    scout_scan: datetime
    treatment_scan: datetime


def patient_timeline(seed: int, weeks_after_last_cycle: float | None = None) -> Timeline:
    """The patient's calendar, from its seed (see the module docstring)."""
    timing = stream(seed, "timeline")
    epoch = study_epoch(seed)
    cycles = tuple(_at_local(epoch + timedelta(weeks=8 * k, days=int(timing.integers(-3, 4))),
                             10.0) for k in range(4))
    weeks = weeks_after_last_cycle
    weeks = float(timing.uniform(8.0, 12.0)) if weeks is None else weeks
    if not 0 < weeks <= 52:
        raise InvalidValueError(field="weeks_after_last_cycle", value=weeks,
                                expected="more than 0 and at most 52 weeks")
    treatment_day = cycles[-1] + timedelta(weeks=weeks)
    treatment = _at_local(treatment_day, 11.0)
    scout = _at_local(treatment_day - timedelta(days=int(timing.integers(7, 15))), 11.0)
    return Timeline(cycles, scout, treatment,
                    scout + timedelta(hours=float(timing.uniform(2.0, 4.0))),
                    treatment + timedelta(hours=float(timing.uniform(20.0, 26.0))))


def treatment_scan_time(planned_scan: datetime, treatment: datetime,
                        activity_at: Callable[[datetime], float]) -> datetime:
    """When the post-treatment SPECT/CT is acquired (see :data:`POST_TREATMENT_SCAN_MAX_MBQ`).

    Parameters
    ----------
    planned_scan
        The drawn scan time (the day after the treatment).
    treatment
        The treatment administration.
    activity_at
        166Ho activity (MBq) in the field of view at a time.

    Returns
    -------
    datetime
        ``planned_scan`` if the activity then is at most the limit, else the first later day
        (same hour) on which it is, and at most :data:`POST_TREATMENT_SCAN_LAST_DAY` days after
        the treatment.

    Examples
    --------
    >>> from datetime import datetime, timedelta, timezone
    >>> t0 = datetime(2017, 5, 2, 11, tzinfo=timezone.utc)
    >>> decayed = lambda t: 6000.0 * 0.5 ** ((t - t0) / timedelta(hours=26.8))
    >>> (treatment_scan_time(t0 + timedelta(hours=22), t0, decayed) - t0).days
    3
    """
    scan = planned_scan
    last = treatment + timedelta(days=POST_TREATMENT_SCAN_LAST_DAY)
    while activity_at(scan) > POST_TREATMENT_SCAN_MAX_MBQ and scan + timedelta(days=1) <= last:
        scan += timedelta(days=1)
    return scan


def patient_anatomy(seed: int, options: PatientOptions | None = None
                    ) -> tuple[float, Anatomy]:
    """Body weight (kg) and anatomy of the patient, from its seed."""
    options = options or PatientOptions()
    rng = stream(seed, "anatomy")
    weight = options.weight_kg or float(np.clip(rng.normal(76.0, 13.0), 48.0, 120.0))
    return weight, generate_anatomy(rng, n_lesions=options.n_lesions,
                                    territory=options.territory, weight_kg=weight)


def generate_virtual_patient(
    seed: int, preset_name: str = "tiny", options: PatientOptions | None = None
) -> VirtualPatient:
    """Generate one virtual patient with all its simulated scans.

    Parameters
    ----------
    seed
        The patient's seed; the same seed gives the same patient.
    preset_name
        ``"tiny"`` (tests) or ``"clinical"``.
    options
        Fixed choices instead of seeded draws.
    """
    seed = check_seed(seed)
    p = preset(preset_name)
    options = options or PatientOptions()
    weight, anatomy = patient_anatomy(seed, options)
    timeline = patient_timeline(seed, options.weeks_after_last_cycle)
    cycles = timeline.lu177_cycles
    scout_time, treatment_time = timeline.scout, timeline.treatment
    scout_scan, treatment_scan = timeline.scout_scan, timeline.treatment_scan
    lu_scans = [cycles[-1] + timedelta(hours=h) for h in p.lu177_scan_hours]
    # sessions and grids (patient lies identically in every session)
    sessions_spec = [(f"lu177_{h:g}h", t) for h, t in zip(p.lu177_scan_hours, lu_scans,
                                                           strict=True)]
    frame0 = deterministic_uid(seed, "frame", "truth")
    labels = anatomy.labels(_grid(anatomy, p.grid_spacing_mm, frame0))
    ct_labels = anatomy.labels(_ct_grid(anatomy, p, frame0))
    # activity
    lu177 = draw_lu177_kinetics(stream(seed, "lu177"), cycles)
    planned = planned_treatment_activity_mbq(anatomy, labels)
    scout, treatment = draw_ho166_distributions(
        stream(seed, "ho166"), anatomy, planned, scout_activity_mbq=HO166_SCOUT_ACTIVITY_MBQ,
        mismatch_sigma=options.mismatch_sigma, lung_shunt_fraction=options.lung_shunt_fraction,
        extrahepatic=options.extrahepatic,
    )
    scout_map = scout.activity_map_mbq(anatomy, labels)
    treatment_map = treatment.activity_map_mbq(anatomy, labels)
    ho_half = nuclide("Ho-166").half_life_h
    scout_total, treatment_total = float(scout_map.sum()), float(treatment_map.sum())
    treatment_scan = treatment_scan_time(
        treatment_scan, treatment_time,
        lambda t: scout_total * decay_factor(scout_time, t, ho_half)
        + treatment_total * decay_factor(treatment_time, t, ho_half))
    sessions_spec += [("scout", scout_scan), ("treatment", treatment_scan)]
    camera = Camera(collimator=collimator_for("Ho-166"), matrix=p.detector_matrix,
                    pixel_mm=p.pixel_mm)
    hu_true = anatomy.ct_numbers(labels)
    sessions: list[Session] = []
    scans: list[ScanTruth] = []
    for name, when in sessions_spec:
        kind = "lu177" if name.startswith("lu177") else name
        frame_uid = deterministic_uid(seed, "frame", name)
        ct_time = when - timedelta(minutes=5)
        ct = _ct(anatomy, ct_labels, p, stream(seed, "ct", name))
        session = Session(name, deterministic_uid(seed, "study", name), frame_uid, ct_time,
                          Volume(ct.array, ct.affine, ct.unit, frame_uid))
        sessions.append(session)
        lu_map = lu177.activity_map_mbq(labels, when)
        if kind == "lu177":
            activity = {"Lu-177": lu_map}
            protocol = AcquisitionProtocol("177Lu SPECT", LU177_WINDOWS, p.n_views,
                                           p.lu177_frame_s)
            isotope = "Lu-177"
        else:
            ho = scout_map * decay_factor(scout_time, when, ho_half)
            if kind == "treatment":
                ho = ho + treatment_map * decay_factor(treatment_time, when, ho_half)
            activity = {"Ho-166": ho, "Lu-177": lu_map}
            protocol = AcquisitionProtocol(f"166Ho SPECT {kind}", DUAL_ISOTOPE_WINDOWS,
                                           p.n_views, p.ho166_frame_s)
            isotope = "Ho-166"
        grid = Volume(hu_true.array, hu_true.affine, VolumeUnit.HU, frame_uid)
        acquisition = simulate_acquisition(
            hu=grid, sources=[Source(n, a) for n, a in activity.items()], camera=camera,
            protocol=protocol, acquisition_start=when, rng=stream(seed, "noise", name),
            options=options.simulation, isotope=isotope,
        )
        scan_name = name.replace("lu177", "lu177_cycle4") if kind == "lu177" else f"ho166_{kind}"
        scans.append(ScanTruth(scan_name, isotope, session, acquisition, activity))
    # true absorbed dose (local deposition)
    density = labels.property_map("density_g_per_ml")
    voxel_ml = labels.grid.voxel_volume_ml
    lu_tia = sum(lu177.time_integrated_activity_mbq_h(labels, c) for c in range(1, 5))
    dose = {
        "ho166_scout": local_deposition_dose_gy(
            time_integrated_activity_mbq_h(scout_map, ho_half), "Ho-166", density, voxel_ml),
        "ho166_treatment": local_deposition_dose_gy(
            time_integrated_activity_mbq_h(treatment_map, ho_half), "Ho-166", density,
            voxel_ml),
        "lu177_cycles_1_4": local_deposition_dose_gy(
            np.asarray(lu_tia), "Lu-177", density, voxel_ml),
    }
    return VirtualPatient(
        seed=seed, preset=p, patient_id=f"HEPAR-V{seed:08d}", weight_kg=round(weight, 1),
        anatomy=anatomy, labels=labels, ct_labels=ct_labels, lu177=lu177, scout=scout,
        treatment=treatment, scout_time=scout_time, treatment_time=treatment_time,
        sessions=tuple(sessions), scans=tuple(scans), dose_gy=dose,
    )


