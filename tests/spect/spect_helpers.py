"""Shared virtual acquisitions for the hepar.spect tests (all from hepar.phantoms' simulator).

* a point source in air (camera sensitivity, background ratio),
* a 20 cm water cylinder with uniform activity (photopeak build-up, crosstalk ratios),
* the ``tiny`` virtual patient.

Geometry of the calibration acquisitions follows the tiny preset's camera (32 x 32 pixels of
14.4 mm, 24 views, ME collimator) on a 7.2 mm simulation grid.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import lru_cache

import numpy as np

from hepar.imaging import Volume, VolumeUnit, affine_from_geometry, new_frame_of_reference_uid
from hepar.phantoms import (
    DUAL_ISOTOPE_WINDOWS,
    LU177_WINDOWS,
    AcquisitionProtocol,
    Anatomy,
    Camera,
    Labels,
    PatientOptions,
    SimulatedAcquisition,
    SimulationOptions,
    Source,
    VirtualPatient,
    collimator_for,
    draw_ho166_distributions,
    draw_lu177_kinetics,
    generate_virtual_patient,
    patient_anatomy,
    patient_timeline,
    planned_treatment_activity_mbq,
    preset,
    simulate_acquisition,
    stream,
)
from hepar.physics import decay_factor, nuclide
from hepar.spect import (
    CameraCalibration,
    calibrate_build_up,
    calibrate_camera,
    combine_calibrations,
)

TINY = preset("tiny")
PATIENT_SEED = 1
CYLINDER_RADIUS_MM = 100.0
CYLINDER_LENGTH_MM = 200.0
#: Body-sized elliptical water phantom (about the NEMA IEC body phantom's 30 x 23 cm section).
BODY_SEMI_AXES_MM = (150.0, 115.0)


def camera() -> Camera:
    """The tiny preset's camera."""
    return Camera(collimator=collimator_for("Ho-166"), matrix=TINY.detector_matrix,
                  pixel_mm=TINY.pixel_mm)


def _grid(n: int, fill_hu: float) -> Volume:
    s = TINY.grid_spacing_mm
    affine = affine_from_geometry(origin_lps_mm=(-(n - 1) / 2 * s,) * 3, spacing_mm=(s, s, s))
    return Volume(np.full((n, n, n), fill_hu), affine, VolumeUnit.HU,
                  new_frame_of_reference_uid())


def covering_ct(hu: Volume, matrix: int = TINY.detector_matrix,
                pixel_mm: float = TINY.pixel_mm) -> Volume:
    """The CT a SPECT/CT acquires with a simulation: the simulator's HU grid padded with air
    (-1000 HU) on every side to the camera's field of view (``matrix`` x ``pixel_mm``), as a
    CT planned over the SPECT's bed range covers it (hepar.spect checks the coverage)."""
    fov = matrix * pixel_mm
    pads = [max(0, math.ceil((fov / s - n) / 2.0)) for n, s in zip(hu.shape, hu.spacing_mm,
                                                                   strict=True)]
    array = np.pad(np.asarray(hu.array, float), [(p, p) for p in pads],
                   constant_values=-1000.0)
    shift = np.eye(4)
    shift[:3, 3] = [-p for p in pads]
    return Volume(array, hu.affine @ shift, VolumeUnit.HU, hu.frame_of_reference_uid)


def simulate(hu: Volume, sources: list[Source], start: datetime, *, n_views: int,
             frame_s: float, seed: int, radius_mm: float | None = None,
             options: SimulationOptions | None = None) -> SimulatedAcquisition:
    protocol = AcquisitionProtocol("test", DUAL_ISOTOPE_WINDOWS, n_views=n_views,
                                   frame_duration_s=frame_s, radius_mm=radius_mm)
    return simulate_acquisition(hu=hu, sources=sources, camera=camera(), protocol=protocol,
                                acquisition_start=start, rng=np.random.default_rng(seed),
                                options=options)


def point_in_air(isotope: str, activity_mbq: float, start: datetime,
                 seed: int = 11) -> SimulatedAcquisition:
    """Planar acquisition (one view per head, 300 s) of a point source in air."""
    hu = _grid(64, -1000.0)
    activity = np.zeros(hu.shape)
    activity[32, 32, 32] = activity_mbq
    return simulate(hu, [Source(isotope, activity)], start, n_views=2, frame_s=300.0,
                    seed=seed, radius_mm=150.0)


def water_cylinder(isotope: str, activity_mbq: float, start: datetime, seed: int = 12,
                   semi_axes_mm: tuple[float, float] = (CYLINDER_RADIUS_MM, CYLINDER_RADIUS_MM),
                   ) -> tuple[SimulatedAcquisition, Volume]:
    """SPECT (24 views, 60 s) of a water cylinder (elliptical if asked) filled uniformly;
    returns the CT too."""
    hu = _grid(48, -1000.0)
    n = hu.shape[0]
    s = TINY.grid_spacing_mm
    c = (np.arange(n) - (n - 1) / 2) * s
    zz, yy, xx = np.meshgrid(c, c, c, indexing="ij")
    inside = ((np.hypot(xx / semi_axes_mm[0], yy / semi_axes_mm[1]) <= 1.0)
              & (np.abs(zz) <= CYLINDER_LENGTH_MM / 2))
    array = np.where(inside, 0.0, -1000.0)
    hu = hu.with_array(array)
    activity = inside * (activity_mbq / inside.sum())
    acq = simulate(hu, [Source(isotope, activity)], start, n_views=24, frame_s=60.0, seed=seed)
    return acq, hu


@lru_cache(maxsize=1)
def patient() -> VirtualPatient:
    """The tiny virtual patient used by the accuracy tests."""
    return generate_virtual_patient(PATIENT_SEED, "tiny")


@lru_cache(maxsize=1)
def site_calibration() -> CameraCalibration:
    """What a site would measure: sensitivities from point sources in air (166Ho, 177Lu), the
    166Ho build-up on a 20 cm water cylinder, the 177Lu crosstalk ratios on a body-sized
    elliptical water phantom with 177Lu recorded in all windows."""
    start = patient().scans[1].acquisition_start
    ho = point_in_air("Ho-166", 50.0, start)
    lu = point_in_air("Lu-177", 50.0, start)
    air = combine_calibrations(
        calibrate_camera(ho.projections, activity_mbq=50.0, reference_time=start),
        calibrate_camera(lu.projections, activity_mbq=50.0, reference_time=start),
    )
    lu_cyl, _ = water_cylinder("Lu-177", 200.0, start, semi_axes_mm=BODY_SEMI_AXES_MM)
    lu_ratios = calibrate_camera(lu_cyl.projections, activity_mbq=200.0, reference_time=start)
    cross = dict(air.crosstalk)
    cross.update({k: v for k, v in lu_ratios.crosstalk.items() if k.startswith("Lu-177 ")})
    air = replace(air, crosstalk=cross)
    ho_cyl, ct = water_cylinder("Ho-166", 400.0, start)
    return calibrate_build_up(ho_cyl.projections, ct_hu=covering_ct(ct), activity_mbq=400.0,
                              reference_time=start, camera=air, isotope="Ho-166")


# -- a finer acquisition of the same virtual patient for the concentration and recovery tests --
MID_SPACING_MM = 3.6
MID_MATRIX, MID_PIXEL_MM, MID_VIEWS = 64, 7.2, 60
#: 166Ho in the field of view of the finer scan: a whole-liver treatment's distribution scaled to
#: 1 GBq, where the paralysable dead-time loss is about 25 % (at the planned 2.9 GBq it is 52 %,
#: and a 1 % error of the measured total becomes about 4 % after the dead-time correction).
MID_HO166_ACTIVITY_MBQ = 1000.0


@dataclass(frozen=True, eq=False)
class MidScan:
    """A virtual patient acquired with 7.2 mm pixels and 60 views (simulated on 3.6 mm)."""

    labels: Labels
    anatomy: Anatomy
    ct: Volume
    ho: SimulatedAcquisition
    ho_activity_mbq: np.ndarray
    lu: SimulatedAcquisition
    lu_activity_mbq: np.ndarray


@lru_cache(maxsize=1)
def mid_scan() -> MidScan:
    """Patient 1 with the whole liver treated: 166Ho post-treatment and 177Lu 24 h scans."""
    _, anatomy = patient_anatomy(PATIENT_SEED, PatientOptions(territory="whole"))
    s = MID_SPACING_MM
    a, b = anatomy.body_semi_axes_mm
    z0, z1 = anatomy.z_range_mm
    nx, ny = 2 * math.ceil((a + s) / s), 2 * math.ceil((b + s) / s)
    nz = 2 * math.ceil((z1 - z0) / (2 * s))
    origin = (-(nx - 1) / 2 * s, -(ny - 1) / 2 * s, (z0 + z1) / 2 - (nz - 1) / 2 * s)
    grid = Volume(np.zeros((nz, ny, nx), np.uint8),
                  affine_from_geometry(origin_lps_mm=origin, spacing_mm=(s, s, s)),
                  VolumeUnit.FRACTION, new_frame_of_reference_uid())
    labels = anatomy.labels(grid)
    timeline = patient_timeline(PATIENT_SEED)
    planned = planned_treatment_activity_mbq(anatomy, labels)
    scout, treatment = draw_ho166_distributions(stream(PATIENT_SEED, "ho166"), anatomy, planned)
    half_life = nuclide("Ho-166").half_life_h
    when = timeline.treatment_scan
    ho = (scout.activity_map_mbq(anatomy, labels) * decay_factor(timeline.scout, when, half_life)
          + treatment.activity_map_mbq(anatomy, labels)
          * decay_factor(timeline.treatment, when, half_life))
    ho *= MID_HO166_ACTIVITY_MBQ / ho.sum()  # the distribution of a treatment, fewer counts lost
    kinetics = draw_lu177_kinetics(stream(PATIENT_SEED, "lu177"), timeline.lu177_cycles)
    lu_when = timeline.lu177_cycles[-1] + timedelta(hours=24)
    lu = kinetics.activity_map_mbq(labels, lu_when)
    hu = anatomy.ct_numbers(labels)
    ct = Volume(hu.array, hu.affine, VolumeUnit.HU, grid.frame_of_reference_uid)
    cam = Camera(collimator=collimator_for("Ho-166"), matrix=MID_MATRIX, pixel_mm=MID_PIXEL_MM)
    scan_ct = covering_ct(ct, MID_MATRIX, MID_PIXEL_MM)
    ho_acq = simulate_acquisition(
        hu=ct, sources=[Source("Ho-166", ho)], camera=cam,
        protocol=AcquisitionProtocol("mid 166Ho", DUAL_ISOTOPE_WINDOWS, MID_VIEWS, 30.0),
        acquisition_start=when, rng=np.random.default_rng(21))
    lu_acq = simulate_acquisition(
        hu=ct, sources=[Source("Lu-177", lu)], camera=cam,
        protocol=AcquisitionProtocol("mid 177Lu", LU177_WINDOWS, MID_VIEWS, 20.0),
        acquisition_start=lu_when, rng=np.random.default_rng(22))
    return MidScan(labels, anatomy, scan_ct, ho_acq, ho, lu_acq, lu)
