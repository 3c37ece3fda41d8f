"""Typed SPECT projection data, as a gamma camera acquires it (DICOM NM, PS3.3 C.8.4)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
from numpy.typing import NDArray

from hepar.errors import InvalidValueError

__all__ = ["EnergyWindow", "Projections"]


@dataclass(frozen=True)
class EnergyWindow:
    """One energy window of the camera.

    Parameters
    ----------
    name
        The window's name as the scanner writes it (``"Ho166 81keV"``, ``"upper scatter"``).
    lower_kev, upper_kev
        Window bounds in keV (DICOM EnergyWindowLowerLimit / EnergyWindowUpperLimit).

    Examples
    --------
    >>> w = EnergyWindow.centred("photopeak", centre_kev=80.0, width_pct=15)
    >>> round(w.lower_kev, 2), round(w.upper_kev, 2)
    (74.0, 86.0)
    """

    name: str
    lower_kev: float
    upper_kev: float

    def __post_init__(self) -> None:
        if not 0 < self.lower_kev < self.upper_kev:
            raise InvalidValueError(
                field=f"energy window {self.name!r}", value=(self.lower_kev, self.upper_kev),
                expected="0 < lower_kev < upper_kev",
            )

    @classmethod
    def centred(cls, name: str, *, centre_kev: float, width_pct: float) -> EnergyWindow:
        """A window of ``width_pct`` percent total width around ``centre_kev``."""
        half = centre_kev * width_pct / 200.0
        return cls(name, centre_kev - half, centre_kev + half)

    @property
    def centre_kev(self) -> float:
        """Centre of the window in keV."""
        return (self.lower_kev + self.upper_kev) / 2.0

    @property
    def width_kev(self) -> float:
        """Full width of the window in keV."""
        return self.upper_kev - self.lower_kev

    @property
    def width_pct(self) -> float:
        """Full width as a percentage of the centre energy."""
        return 100.0 * self.width_kev / self.centre_kev


@dataclass(frozen=True, eq=False)
class Projections:
    """SPECT projections of one acquisition, all detectors merged into one list of views.

    Parameters
    ----------
    counts
        Counts indexed ``(window, view, row, column)``; row 0 is the top of the detector
        (patient superior for a supine patient, head first), column 0 the detector's left edge.
    angles_deg
        Gantry angle of each view in degrees (DICOM convention, ``StartAngle`` plus steps in the
        rotation direction), one per view.
    detector_of_view
        Detector (head) number, 1-based, that acquired each view.
    windows
        The energy windows, one per first index of ``counts``.
    pixel_spacing_mm
        Detector pixel size ``(row, column)`` in mm.
    acquisition_start
        Timezone-aware start of the acquisition.
    frame_duration_s
        Acquisition time per view in seconds.
    radius_mm
        Distance from the rotation axis to the collimator face per view in mm, if known.
    isotope
        The radionuclide named by the scanner, if any (e.g. ``"Ho-166"``).
    frame_of_reference_uid
        Frame of reference shared with the CT of the same session, if known.
    metadata
        Other facts read from the file (series description, manufacturer...).
    """

    counts: NDArray[Any]
    angles_deg: NDArray[np.float64]
    detector_of_view: NDArray[np.int_]
    windows: tuple[EnergyWindow, ...]
    pixel_spacing_mm: tuple[float, float]
    acquisition_start: datetime
    frame_duration_s: float
    radius_mm: NDArray[np.float64] | None = None
    isotope: str | None = None
    frame_of_reference_uid: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        counts = np.asarray(self.counts)
        if counts.ndim != 4:
            raise InvalidValueError(
                field="counts.shape", value=counts.shape,
                expected="4 axes (window, view, row, column)",
            )
        n_windows, n_views = counts.shape[:2]
        if n_windows != len(self.windows):
            raise InvalidValueError(
                field="windows", value=len(self.windows),
                expected=f"{n_windows} windows, one per first axis of counts",
            )
        angles = np.asarray(self.angles_deg, dtype=float)
        detectors = np.asarray(self.detector_of_view, dtype=int)
        if angles.shape != (n_views,) or detectors.shape != (n_views,):
            raise InvalidValueError(
                field="angles_deg / detector_of_view", value=(angles.shape, detectors.shape),
                expected=f"one value per view ({n_views})",
            )
        if self.acquisition_start.tzinfo is None:
            raise InvalidValueError(
                field="acquisition_start", value=self.acquisition_start.isoformat(),
                expected="a timezone-aware datetime",
            )
        if not self.frame_duration_s > 0:
            raise InvalidValueError(
                field="frame_duration_s", value=self.frame_duration_s, expected="a positive time"
            )
        if min(self.pixel_spacing_mm) <= 0:
            raise InvalidValueError(
                field="pixel_spacing_mm", value=self.pixel_spacing_mm, expected="positive spacings"
            )
        if self.radius_mm is not None:
            radius = np.asarray(self.radius_mm, dtype=float)
            if radius.shape != (n_views,):
                raise InvalidValueError(
                    field="radius_mm", value=radius.shape,
                    expected=f"one radius per view ({n_views})",
                )
            object.__setattr__(self, "radius_mm", radius)
        object.__setattr__(self, "counts", counts)
        object.__setattr__(self, "angles_deg", angles)
        object.__setattr__(self, "detector_of_view", detectors)

    @property
    def n_views(self) -> int:
        """Number of views, all detectors together."""
        return int(self.counts.shape[1])

    @property
    def detector_shape(self) -> tuple[int, int]:
        """Detector matrix ``(rows, columns)``."""
        return (int(self.counts.shape[2]), int(self.counts.shape[3]))

    def window_index(self, name: str) -> int:
        """Index of the window called ``name``."""
        for i, window in enumerate(self.windows):
            if window.name == name:
                return i
        raise InvalidValueError(
            field="window", value=name, expected=f"one of {[w.name for w in self.windows]}"
        )

    def total_counts(self) -> NDArray[np.float64]:
        """Total counts per window."""
        return np.asarray(self.counts, dtype=float).sum(axis=(1, 2, 3))
