"""Presets: how finely a virtual patient is sampled and acquired.

``clinical`` is the acquisition of REFERENCE.md (2 heads, 120 views over 360 degrees, 128 x 128
at 4.8 mm, simulated on a 2.4 mm grid; CT 256 x 256 at 1.875 mm, 3 mm slices, the 512-pixel
clinical CT downsampled). ``tiny`` keeps the same anatomy and physics on coarse grids so that a
whole patient is simulated in about a second (tests).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from hepar.errors import InvalidValueError

__all__ = ["PRESETS", "Preset", "PresetName", "preset"]


class PresetName(StrEnum):
    """Names of the presets."""

    TINY = "tiny"
    CLINICAL = "clinical"


@dataclass(frozen=True)
class Preset:
    """Grids and acquisition settings of a virtual patient.

    Attributes
    ----------
    detector_matrix, pixel_mm
        Gamma-camera matrix and pixel size.
    n_views
        Views over 360 degrees, both heads together.
    fine_factor
        Detector pixel / simulation grid spacing (>= 2: the simulator's grid is at least twice
        finer than the detector and the reconstruction grid).
    ct_matrix, ct_pixel_mm, ct_slice_mm
        CT series grid.
    ct_noise_hu
        Standard deviation of the CT's noise.
    ho166_frame_s, lu177_frame_s
        Time per view of the 166Ho and 177Lu SPECT.
    lu177_scan_hours
        177Lu SPECT/CT scans after the last cycle (hours after injection).
    """

    name: PresetName
    detector_matrix: int
    pixel_mm: float
    n_views: int
    fine_factor: int
    ct_matrix: int
    ct_pixel_mm: float
    ct_slice_mm: float
    ct_noise_hu: float = 12.0
    ho166_frame_s: float = 30.0
    lu177_frame_s: float = 20.0
    lu177_scan_hours: tuple[float, ...] = (24.0,)

    @property
    def grid_spacing_mm(self) -> float:
        """Spacing of the simulation (truth) grid."""
        return self.pixel_mm / self.fine_factor


PRESETS: dict[PresetName, Preset] = {
    PresetName.TINY: Preset(
        PresetName.TINY, detector_matrix=32, pixel_mm=14.4, n_views=24, fine_factor=2,
        ct_matrix=64, ct_pixel_mm=7.5, ct_slice_mm=10.0,
    ),
    PresetName.CLINICAL: Preset(
        PresetName.CLINICAL, detector_matrix=128, pixel_mm=4.8, n_views=120, fine_factor=2,
        ct_matrix=256, ct_pixel_mm=1.875, ct_slice_mm=3.0,
    ),
}


def preset(name: PresetName | str) -> Preset:
    """The preset called ``name`` (``"tiny"`` or ``"clinical"``).

    Examples
    --------
    >>> preset("clinical").grid_spacing_mm
    2.4
    """
    try:
        return PRESETS[PresetName(name)]
    except ValueError:
        raise InvalidValueError(
            field="preset", value=name, expected=f"one of {[p.value for p in PresetName]}"
        ) from None
