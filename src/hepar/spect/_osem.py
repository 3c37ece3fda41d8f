"""Ordered-subsets expectation maximisation with an additive term in the forward model.

For the views :math:`S_m` of subset :math:`m` (Hudson & Larkin, IEEE Trans Med Imaging
1994;13:601):

.. math:: x^{new}_j = \\frac{x_j}{\\sum_{i \\in S_m} c_i A_{ij}}
          \\sum_{i \\in S_m} c_i A_{ij} \\frac{y_i}{c_i (A x)_i + s_i}

with the per-view scale :math:`c_i` (counts per MBq of that view: sensitivity, frame time,
decay, dead time), the projector :math:`A` and the additive estimate :math:`s_i` of scatter,
downscatter and crosstalk counts. The estimate is *added* to the model, never subtracted from
the data, so the Poisson statistics of :math:`y` are kept and the update is multiplicative:
a non-negative start stays non-negative.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import NDArray

from ._projector import RotationProjector

__all__ = ["osem", "subset_views"]

F32 = np.float32


def subset_views(angles_deg: NDArray[np.float64], n_subsets: int) -> list[list[int]]:
    """Interleaved subsets: views sorted by angle, subset ``m`` takes every ``n``-th from ``m``.

    Examples
    --------
    >>> subset_views(np.array([0.0, 90.0, 180.0, 270.0]), 2)
    [[0, 2], [1, 3]]
    """
    order = np.argsort(np.asarray(angles_deg) % 360.0, kind="stable")
    return [sorted(int(v) for v in order[m::n_subsets]) for m in range(n_subsets)]


def osem(
    projector: RotationProjector,
    data: Sequence[NDArray[np.float32]],
    additive: Sequence[NDArray[np.float32]],
    scale: Sequence[NDArray[np.float64]],
    *,
    iterations: int,
    x0: NDArray[np.float32] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> NDArray[np.float32]:
    """Run OSEM over the projector's prepared subsets.

    Parameters
    ----------
    projector
        The system model, prepared for the subsets.
    data, additive
        Measured counts and additive estimate per subset, each ``(view, u, z)``.
    scale
        Counts per MBq of each view of each subset.
    iterations
        Full passes over all subsets.
    x0
        Start image (q, z); the support mask by default.
    progress
        Called as ``progress(done, total)`` after each sub-iteration.

    Returns
    -------
    numpy.ndarray
        Activity (MBq per voxel) on the projector's support layout ``(q, z)``.
    """
    x = projector.mask.copy() if x0 is None else np.asarray(x0, F32).copy()
    n = len(projector.subsets)
    sens = []
    for m in range(n):
        c = np.asarray(scale[m], F32)[:, None, None]
        ones = np.broadcast_to(c, data[m].shape).astype(F32)
        sens.append(projector.back(ones, m))
    total = iterations * n
    done = 0
    for _ in range(iterations):
        for m in range(n):
            c = np.asarray(scale[m], F32)[:, None, None]
            expected = projector.forward(x, m) * c + additive[m]
            ratio = np.divide(data[m], expected, out=np.zeros_like(expected),
                              where=expected > 0)
            update = projector.back(ratio * c, m)
            np.divide(update, sens[m], out=update, where=sens[m] > 0)
            update[sens[m] <= 0] = 0.0
            x *= update
            done += 1
            if progress is not None:
                progress(done, total)
    return x
