"""Combined 177Lu + 166Ho dose per VOI: dose per cycle, summed over cycles, and BED."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hepar.errors import InvalidValueError

from ._bed import DoseComponent, Radiobiology, bed_gy

__all__ = ["CombinedVoiDose", "combine_voi_doses"]


@dataclass(frozen=True)
class CombinedVoiDose:
    """Mean doses of one VOI from every delivery (e.g. 177Lu cycles 1–4 and 166Ho), their sum, the
    BED of each and the total BED, with the radiobiology used."""

    voi: str
    components: tuple[DoseComponent, ...]
    radiobiology: Radiobiology
    bed_per_component_gy: tuple[float, ...]

    @property
    def total_dose_gy(self) -> float:
        """Sum of the absorbed doses, Gy."""
        return float(sum(float(c.dose_gy) for c in self.components))

    @property
    def total_bed_gy(self) -> float:
        """Sum of the BEDs (deliveries weeks apart), Gy."""
        return float(sum(self.bed_per_component_gy))

    def dose_by_prefix_gy(self, prefix: str) -> float:
        """Sum of the doses whose label starts with ``prefix`` (e.g. ``"Lu-177"``: all cycles)."""
        return float(sum(float(c.dose_gy) for c in self.components if c.label.startswith(prefix)))

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON."""
        return {
            "voi": self.voi,
            "components": [
                {"label": c.label, "dose_gy": float(c.dose_gy),
                 "effective_half_life_h": c.effective_half_life_h, "bed_gy": b}
                for c, b in zip(self.components, self.bed_per_component_gy, strict=True)
            ],
            "total_dose_gy": self.total_dose_gy,
            "total_bed_gy": self.total_bed_gy,
            "alpha_beta_gy": self.radiobiology.alpha_beta_gy,
            "repair_half_time_h": self.radiobiology.repair_half_time_h,
            "radiobiology_source": self.radiobiology.source,
        }


def combine_voi_doses(
    voi: str, components: Sequence[DoseComponent], *, radiobiology: Radiobiology
) -> CombinedVoiDose:
    """Combine mean VOI doses of several deliveries into total dose and total BED.

    Examples
    --------
    >>> from hepar.dosimetry import NORMAL_LIVER
    >>> lu = [DoseComponent(f"Lu-177 cycle {i}", 2.0, 70.0) for i in range(1, 5)]
    >>> c = combine_voi_doses("non-tumour liver", [*lu, DoseComponent("Ho-166", 40.0, 26.8)],
    ...                       radiobiology=NORMAL_LIVER)
    >>> c.total_dose_gy, c.dose_by_prefix_gy("Lu-177")
    (48.0, 8.0)
    """
    if not components:
        raise InvalidValueError(
            field="components", value=[], expected="at least one dose component"
        )
    beds = tuple(
        float(bed_gy(float(c.dose_gy), effective_half_life_h=c.effective_half_life_h,
                     radiobiology=radiobiology))
        for c in components
    )
    return CombinedVoiDose(voi, tuple(components), radiobiology, beds)
