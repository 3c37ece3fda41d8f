"""Quantitative SPECT reconstruction: hepar against PyTomography (issue 8).

The clinical-preset virtual patient's post-treatment 166Ho SPECT (128 x 128 detector of 4.8 mm,
120 views) is reconstructed with attenuation and collimator-detector response, 4 iterations x 8
subsets, by hepar (:func:`hepar.spect.reconstruct`) and by PyTomography (rotate+sum projector
with ``SPECTAttenuationTransform`` and ``SPECTPSFTransform``, OSEM with the same additive
scatter term, the same mu map, the same grid and the same Gaussian collimator response fitted
to hepar's collimator data). Both images get the same calibration (sensitivity x frame time x
decay) and the same dead-time correction, so the total-activity errors compare the two system
models and solvers.

PyTomography and its CPU torch live in their own virtual environment, never in hepar's:
``benchmarks/.venv-pytomography`` (created on first use with ``pip install torch==2.13.0
pytomography``; or point ``HEPAR_PYTOMOGRAPHY_PYTHON`` at a Python that has it). Each side runs
in a child process limited to 2 threads, which also gives its peak memory (max RSS).

PyTomography's full OSEM takes about ten minutes on two cores. With ``--extrapolate`` (the
default when ``HEPAR_BENCH_FULL`` is not set) it times one forward and one back projection of
all views and extrapolates the OSEM as 4 x (forward + back) plus the sensitivity image; the
output says so, and its total-activity error is then not measured.

Last line: hepar's speed-up over PyTomography and hepar's time.
"""

from __future__ import annotations

import json
import math
import os
import pickle
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
VENV = HERE / ".venv-pytomography"
ITERATIONS, SUBSETS, THREADS = 4, 8, 2
SEED = 1
FULL = os.environ.get("HEPAR_BENCH_FULL", "") not in ("", "0")


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    for key in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[key] = str(THREADS)
    return env


def _pytomography_python() -> Path | None:
    given = os.environ.get("HEPAR_PYTOMOGRAPHY_PYTHON")
    if given:
        return Path(given)
    python = VENV / "bin" / "python"
    if not python.exists():
        print(f"creating {VENV} (torch==2.13.0, pytomography) ...", flush=True)
        try:
            subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
            subprocess.run([str(python), "-m", "pip", "install", "-q", "torch==2.13.0",
                            "pytomography"], check=True)
        except (OSError, subprocess.CalledProcessError) as exc:
            print(f"PyTomography not available: {exc}")
            return None
    return python


# -- the case: clinical virtual patient; camera calibrated on a point source and a phantom -------
def _prepare(work: Path) -> dict[str, float]:
    from hepar.imaging import Volume, affine_from_geometry, new_frame_of_reference_uid
    from hepar.phantoms import (
        DUAL_ISOTOPE_WINDOWS,
        AcquisitionProtocol,
        Camera,
        Source,
        collimator_for,
        generate_virtual_patient,
        preset,
        simulate_acquisition,
    )
    from hepar.spect import calibrate_build_up, calibrate_camera

    start = time.perf_counter()
    vp = generate_virtual_patient(SEED, "clinical")
    scan = next(s for s in vp.scans if s.name == "ho166_treatment")
    print(f"virtual patient (clinical preset) simulated in {time.perf_counter() - start:.0f} s",
          flush=True)
    p = preset("clinical")
    camera = Camera(collimator=collimator_for("Ho-166"), matrix=p.detector_matrix,
                    pixel_mm=p.pixel_mm)
    n, s = 64, p.grid_spacing_mm
    hu = Volume(np.full((n, n, n), -1000.0),
                affine_from_geometry(origin_lps_mm=(-(n - 1) / 2 * s,) * 3, spacing_mm=(s,) * 3),
                "HU", new_frame_of_reference_uid())
    point = np.zeros(hu.shape)
    point[n // 2, n // 2, n // 2] = 50.0
    when = scan.acquisition_start
    air = simulate_acquisition(
        hu=hu, sources=[Source("Ho-166", point)], camera=camera,
        protocol=AcquisitionProtocol("calibration", DUAL_ISOTOPE_WINDOWS, 2, 300.0,
                                     radius_mm=150.0),
        acquisition_start=when, rng=np.random.default_rng(5))
    calibration = calibrate_camera(air.projections, activity_mbq=50.0, reference_time=when)
    # photopeak scatter build-up fitted on a 20 cm water cylinder of 400 MBq (the site's phantom)
    m, mz = 96, 160  # the CT reaches 90 mm past the cylinder's ends (the broad continuum)
    c, cz = (np.arange(m) - (m - 1) / 2) * s, (np.arange(mz) - (mz - 1) / 2) * s
    zz, yy, xx = np.meshgrid(cz, c, c, indexing="ij")
    inside = (np.hypot(xx, yy) <= 100.0) & (np.abs(zz) <= 100.0)
    water = Volume(np.where(inside, 0.0, -1000.0),
                   affine_from_geometry(origin_lps_mm=(-(m - 1) / 2 * s, -(m - 1) / 2 * s,
                                                       -(mz - 1) / 2 * s), spacing_mm=(s,) * 3),
                   "HU", new_frame_of_reference_uid())
    cylinder = simulate_acquisition(
        hu=water, sources=[Source("Ho-166", inside * (400.0 / inside.sum()))], camera=camera,
        protocol=AcquisitionProtocol("phantom", DUAL_ISOTOPE_WINDOWS, p.n_views, 30.0),
        acquisition_start=when, rng=np.random.default_rng(6))
    # its CT as a SPECT/CT acquires it: over the camera's whole field of view (air around the
    # simulation grid), which hepar.spect's coverage check asks for
    fov = p.detector_matrix * p.pixel_mm
    pads = [max(0, math.ceil((fov / s - k) / 2.0)) for k in water.shape]
    shift = np.eye(4)
    shift[:3, 3] = [-k for k in pads]
    water_ct = Volume(np.pad(np.asarray(water.array), [(k, k) for k in pads],
                             constant_values=-1000.0), water.affine @ shift, "HU",
                      water.frame_of_reference_uid)
    calibration = calibrate_build_up(cylinder.projections, ct_hu=water_ct, activity_mbq=400.0,
                                     reference_time=when, camera=calibration, isotope="Ho-166")
    print(f"camera calibrated (point source in air, water cylinder) in "
          f"{time.perf_counter() - start:.0f} s", flush=True)
    with (work / "case.pkl").open("wb") as f:
        pickle.dump({"projections": scan.acquisition.projections, "ct": scan.session.ct,
                     "camera": calibration}, f)
    return {"truth_mbq": scan.acquisition.activity_in_fov_mbq["Ho-166"]}


# -- hepar, in a child process -------------------------------------------------------------
def _hepar_child(work: Path) -> None:
    from hepar.spect import reconstruct

    with (work / "case.pkl").open("rb") as f:
        case = pickle.load(f)
    start = time.perf_counter()
    result = reconstruct(case["projections"], ct_hu=case["ct"], isotope="Ho-166",
                         camera=case["camera"], iterations=ITERATIONS, subsets=SUBSETS)
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    (work / "hepar.json").write_text(json.dumps({
        "seconds": seconds, "peak_mb": peak_mb, "total_mbq": result.total_activity_mbq,
        "grid": list(result.activity.shape)}))
    _export_for_pytomography(case, work)


def _export_for_pytomography(case: dict, work: Path) -> None:
    """The same inputs for PyTomography: photopeak counts, additive term, mu, geometry, PSF."""
    from hepar.physics import SYMBIA_DETECTOR, collimator_spec, hu_to_mu_per_cm
    from hepar.spect._calibration import frame_decay_factors
    from hepar.spect._geometry import spect_geometry
    from hepar.spect._reconstruct import _additive, _ct_on_grid
    from hepar.spect._windows import isotope_windows

    projections, ct, camera = case["projections"], case["ct"], case["camera"]
    geometry = spect_geometry(projections, ct)
    grid = geometry.grid
    rows = geometry.rows
    found = isotope_windows(projections.windows, "Ho-166")
    counts = np.asarray(projections.counts[found.photopeak], np.float32)[:, rows]
    additive = np.asarray(_additive(projections, "Ho-166", camera, []), np.float32)[:, rows]
    mu_per_cm = np.asarray(hu_to_mu_per_cm(_ct_on_grid(ct, grid), 80.6), np.float32)
    spec = collimator_spec("ME")
    le = spec.effective_length_mm(80.6)
    # sigma(d) = a d + b in mm: the geometric term is linear in d; the intrinsic term is folded
    # in by a least-squares line over 0-400 mm (PyTomography's sigma_fit is linear)
    d = np.linspace(0.0, 400.0, 81)
    fwhm = np.hypot(spec.hole_diameter_mm * (le + d) / le, SYMBIA_DETECTOR.intrinsic_fwhm_mm(80.6))
    a, b = np.polyfit(d, fwhm / (2 * math.sqrt(2 * math.log(2))), 1)
    peak = projections.windows[found.photopeak]
    scale = (camera.photopeak_sensitivity("Ho-166", peak) * projections.frame_duration_s
             * frame_decay_factors(projections, "Ho-166"))
    np.savez(work / "pytomography_inputs.npz", counts=counts, additive=additive,
             mu_per_cm=mu_per_cm, angles_deg=projections.angles_deg,
             radius_mm=np.asarray(projections.radius_mm), spacing_mm=np.array(grid.spacing_mm),
             sigma_fit=np.array([a, b]), scale=scale)


# -- PyTomography, in its own environment --------------------------------------------------
PYTOMOGRAPHY_CHILD = HERE / "_pytomography_child.py"


def _run(cmd: list[str], work: Path) -> None:
    subprocess.run(cmd, check=True, env=_child_env(), cwd=work)


def _dead_time(total_mbq: float, tau_s: float, alpha: float) -> float:
    from scipy.special import lambertw

    rate = tau_s * alpha
    return float(-lambertw(-rate * total_mbq, 0).real / rate)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="hepar-bench-") as tmp:
        work = Path(tmp)
        # every step in its own child process, so that each one's max RSS is its own (Linux
        # carries a parent's high-water mark into a forked child)
        _run([sys.executable, __file__, "--prepare-child", str(work)], work)
        truth = json.loads((work / "truth.json").read_text())["truth_mbq"]
        _run([sys.executable, __file__, "--hepar-child", str(work)], work)
        ours = json.loads((work / "hepar.json").read_text())
        print(f"hepar: {ours['seconds']:.1f} s for {ITERATIONS} x {SUBSETS} OSEM on "
              f"{'x'.join(map(str, ours['grid']))} voxels, 120 views, peak memory "
              f"{ours['peak_mb']:.0f} MB; total {ours['total_mbq']:.1f} MBq vs truth "
              f"{truth:.1f} MBq ({100 * (ours['total_mbq'] / truth - 1):+.2f} %)", flush=True)
        python = _pytomography_python()
        if python is None:
            print(f"reconstruction 4x8 clinical: PyTomography not run; hepar "
                  f"{ours['seconds']:.1f} s")
            return
        mode = "full" if FULL else "extrapolate"
        _run([str(python), str(PYTOMOGRAPHY_CHILD), str(work), mode, str(ITERATIONS),
              str(SUBSETS), str(THREADS)], work)
        ref = json.loads((work / "pytomography.json").read_text())
        with (work / "case.pkl").open("rb") as f:
            camera = pickle.load(f)["camera"]
        if ref.get("measured_total") is not None:
            total = _dead_time(ref["measured_total"], camera.dead_time_s,
                               camera.dead_time_alpha_cps_per_mbq)
            error = f"total {total:.1f} MBq ({100 * (total / truth - 1):+.2f} %)"
        else:
            error = "total-activity error not measured (OSEM extrapolated)"
        print(f"PyTomography {ref['version']}: forward {ref['forward_s']:.1f} s, back "
              f"{ref['back_s']:.1f} s per 120 views; OSEM {ref['osem_s']:.0f} s "
              f"({ref['how']}), peak memory {ref['peak_mb']:.0f} MB; {error}")
        print(f"reconstruction 4x8 clinical: hepar {ref['osem_s'] / ours['seconds']:.1f}x faster "
              f"than PyTomography ({ref['how']}), hepar {ours['seconds']:.1f} s")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--hepar-child":
        _hepar_child(Path(sys.argv[2]))
    elif len(sys.argv) == 3 and sys.argv[1] == "--prepare-child":
        (Path(sys.argv[2]) / "truth.json").write_text(json.dumps(_prepare(Path(sys.argv[2]))))
    else:
        main()
