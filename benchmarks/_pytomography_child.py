"""PyTomography side of bench_recon_vs_pytomography.py; runs in PyTomography's own venv.

Usage: python _pytomography_child.py WORKDIR full|extrapolate ITERATIONS SUBSETS THREADS

Reads WORKDIR/pytomography_inputs.npz (hepar's grid (z, y, x), photopeak counts (view, slice,
column), additive term, mu in 1/cm, DICOM angles, radii in mm, linear sigma(d) fit in mm) and
writes WORKDIR/pytomography.json. PyTomography's conventions (its DICOM reader,
pytomography.io.SPECT.dicom): object [x, y, z], projections [angle, r, z], angle = DICOM angle +
180 degrees, lengths in cm.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

import numpy as np
import torch


def main() -> None:
    work, mode = Path(sys.argv[1]), sys.argv[2]
    iterations, subsets, threads = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    torch.set_num_threads(threads)
    import pytomography
    from pytomography.algorithms import OSEM
    from pytomography.likelihoods import PoissonLogLikelihood
    from pytomography.metadata.SPECT import SPECTObjectMeta, SPECTProjMeta, SPECTPSFMeta
    from pytomography.projectors.SPECT import SPECTSystemMatrix
    from pytomography.transforms.SPECT import SPECTAttenuationTransform, SPECTPSFTransform

    d = np.load(work / "pytomography_inputs.npz")
    angles = (d["angles_deg"] + 180.0) % 360.0
    order = np.argsort(angles)
    cm = 10.0  # mm per cm (PyTomography works in cm)
    dz_cm, dx_cm = float(d["spacing_mm"][0]) / cm, float(d["spacing_mm"][2]) / cm
    counts = np.ascontiguousarray(d["counts"][order].transpose(0, 2, 1))  # (angle, r, z)
    additive = np.ascontiguousarray(d["additive"][order].transpose(0, 2, 1))
    mu = np.ascontiguousarray(d["mu_per_cm"].transpose(2, 1, 0))  # (x, y, z)
    dtype = pytomography.dtype
    object_meta = SPECTObjectMeta((dx_cm, dx_cm, dz_cm), mu.shape)
    proj_meta = SPECTProjMeta(counts.shape[1:], (dx_cm, dz_cm), angles[order],
                              d["radius_mm"][order] / cm)
    a, b = (float(v) for v in d["sigma_fit"])
    psf = SPECTPSFTransform(SPECTPSFMeta((a, b / cm)))
    attenuation = SPECTAttenuationTransform(torch.tensor(mu, dtype=dtype))
    system = SPECTSystemMatrix(obj2obj_transforms=[attenuation, psf], proj2proj_transforms=[],
                               object_meta=object_meta, proj_meta=proj_meta)
    projections = torch.tensor(counts, dtype=dtype)
    ones = torch.ones(mu.shape, dtype=dtype)
    start = time.perf_counter()
    forward = system.forward(ones)
    forward_s = time.perf_counter() - start
    start = time.perf_counter()
    system.backward(forward)
    back_s = time.perf_counter() - start
    measured = None
    if mode == "full":
        likelihood = PoissonLogLikelihood(system, projections,
                                          additive_term=torch.tensor(additive, dtype=dtype))
        start = time.perf_counter()
        image = OSEM(likelihood)(n_iters=iterations, n_subsets=subsets)
        osem_s = time.perf_counter() - start
        measured = float(image.sum()) / float(np.mean(d["scale"]))
        # back to hepar's (z, y, x) layout, for comparison
        np.save(work / "pytomography_image.npy", image.cpu().numpy().transpose(2, 1, 0))
        how = "measured"
    else:
        # OSEM = the sensitivity images H_m^T 1 (one back projection of all views) plus, per
        # iteration, one forward and one back projection of all views
        osem_s = back_s + iterations * (forward_s + back_s)
        how = "extrapolated from one forward and one back projection"
    (work / "pytomography.json").write_text(json.dumps({
        "version": pytomography.__version__ if hasattr(pytomography, "__version__") else "3.x",
        "forward_s": forward_s, "back_s": back_s, "osem_s": osem_s, "how": how,
        "measured_total": measured,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0}))


if __name__ == "__main__":
    main()
