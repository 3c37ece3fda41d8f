"""Small synthetic volumes for the dosimetry tests (no patient data)."""

from __future__ import annotations

import numpy as np

from hepar.imaging import Volume, affine_from_geometry

FRAME = "1.2.826.0.1.3680043.10.1.1"


def make_volume(
    array: np.ndarray, unit: str, spacing_mm: float | tuple[float, float, float] = 4.0,
    frame: str = FRAME,
) -> Volume:
    spacing = (spacing_mm,) * 3 if isinstance(spacing_mm, int | float) else spacing_mm
    return Volume(
        np.asarray(array, dtype=float),
        affine_from_geometry(origin_lps_mm=(-100.0, -120.0, -80.0), spacing_mm=spacing),
        unit, frame,
    )
