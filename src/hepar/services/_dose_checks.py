"""Checks of the ``hepar dose`` options, made before any image is read (issue 9: options and
paths are checked before any computation)."""

from __future__ import annotations

import math
from collections.abc import Sequence

from hepar.dosimetry import TacModel
from hepar.errors import InvalidValueError
from hepar.physics import canonical_nuclide_name

__all__ = ["METHODS", "SUPPORTED_NUCLIDES", "check_dose_options"]

#: Dose methods: local deposition (EANM SOP) or voxel-kernel convolution.
METHODS = ("local", "kernel")
#: Nuclides ``hepar dose`` has the dosimetry of (README: Ho-166 or Lu-177).
SUPPORTED_NUCLIDES = ("Ho-166", "Lu-177")


def _finite(value: float, *, field: str, low: float, strict: bool, unit: str) -> None:
    if not (math.isfinite(value) and (value > low if strict else value >= low)):
        raise InvalidValueError(field=field, value=value,
                                expected=f"a number {'>' if strict else '>='} {low:g} {unit}")


def check_dose_options(
    *, nuclide_name: str, method: str, spect: Sequence[object], times_h: Sequence[float],
    tac_model: str, effective_half_life_h: float | None, administered_activity_mbq: float | None,
) -> str:
    """Refuse a wrong option before anything is read; the canonical nuclide name."""
    name = canonical_nuclide_name(nuclide_name)
    if name not in SUPPORTED_NUCLIDES:
        raise InvalidValueError(field="nuclide", value=nuclide_name,
                                expected=f"one of {list(SUPPORTED_NUCLIDES)}")
    if method not in METHODS:
        raise InvalidValueError(field="method", value=method, expected=f"one of {list(METHODS)}")
    if tac_model not in {model.value for model in TacModel}:
        raise InvalidValueError(field="tac_model", value=tac_model,
                                expected=f"one of {[model.value for model in TacModel]}")
    if not spect:
        raise InvalidValueError(field="spect", value=[], expected="at least one SPECT file")
    for time_h in times_h:
        _finite(time_h, field="time_h", low=0.0, strict=False, unit="h after administration")
    if len(set(times_h)) != len(times_h):
        raise InvalidValueError(field="time_h", value=list(times_h),
                                expected="a different time for each SPECT")
    if effective_half_life_h is not None:
        _finite(effective_half_life_h, field="effective_half_life_h", low=0.0, strict=True,
                unit="h")
    if administered_activity_mbq is not None:
        _finite(administered_activity_mbq, field="administered_activity_mbq", low=0.0,
                strict=True, unit="MBq")
    return name
