"""Which recorded energy window plays which part for an isotope (photopeak, scatter windows).

Windows are found by their energy limits, not their names, so vendor files with other names
work: the photopeak window of an isotope is the narrowest window containing its imaging line;
the scatter windows are the adjacent ones (below: upper limit within 3 keV of the photopeak's
lower limit; above: lower limit within 3 keV of its upper limit). For 166Ho the "upper scatter"
window is the window centred nearest 118 keV above the photopeak (Stella et al., EJNMMI Phys
2021;8:22: 81 keV 15 % photopeak, 118 keV 12 % upper window).
"""

from __future__ import annotations

from dataclasses import dataclass

from hepar.errors import InvalidValueError
from hepar.physics import canonical_nuclide_name

from ._projections import EnergyWindow

__all__ = ["IMAGING_LINE_KEV", "IsotopeWindows", "isotope_windows"]

#: Imaging line of each isotope (keV; ICRP 107): 166Ho 80.6 keV, 177Lu 208.4 keV.
IMAGING_LINE_KEV = {"Ho-166": 80.6, "Lu-177": 208.4}
#: 177Lu's second line (keV, ICRP 107), whose window also carries 166Ho crosstalk.
LU177_LOW_LINE_KEV = 112.9
#: Centre of 166Ho's upper scatter window (keV; Stella et al. 2021).
HO166_UPPER_WINDOW_KEV = 118.0
_ADJACENT_KEV = 3.0
#: How far (keV) the centre of a 166Ho upper window may lie from 118 keV (the 177Lu 113 keV
#: window, centred 5 keV lower, is not one).
_UPPER_TOLERANCE_KEV = 3.0


@dataclass(frozen=True)
class IsotopeWindows:
    """Indices (into ``Projections.windows``) of an isotope's windows; ``None`` if absent."""

    isotope: str
    photopeak: int
    lower: int | None
    upper: int | None


def _containing(windows: tuple[EnergyWindow, ...], energy_kev: float) -> int | None:
    best: int | None = None
    for i, w in enumerate(windows):
        if w.lower_kev <= energy_kev <= w.upper_kev and (
            best is None or w.width_kev < windows[best].width_kev
        ):
            best = i
    return best


def isotope_windows(windows: tuple[EnergyWindow, ...], isotope: str) -> IsotopeWindows:
    """Find the photopeak and scatter windows of ``isotope`` among ``windows``.

    Examples
    --------
    >>> ws = (EnergyWindow.centred("a", centre_kev=81, width_pct=15),
    ...       EnergyWindow.centred("b", centre_kev=118, width_pct=12))
    >>> isotope_windows(ws, "Ho-166")
    IsotopeWindows(isotope='Ho-166', photopeak=0, lower=None, upper=1)
    """
    name = canonical_nuclide_name(isotope)
    if name not in IMAGING_LINE_KEV:
        raise InvalidValueError(field="isotope", value=isotope,
                                expected=f"one of {sorted(IMAGING_LINE_KEV)}")
    line = IMAGING_LINE_KEV[name]
    peak = _containing(windows, line)
    if peak is None:
        raise InvalidValueError(
            field="energy windows", value=[w.name for w in windows],
            expected=f"a photopeak window containing {line} keV for {name}",
        )
    p = windows[peak]
    lower = upper = None
    for i, w in enumerate(windows):
        if i == peak:
            continue
        if abs(w.upper_kev - p.lower_kev) <= _ADJACENT_KEV and (
            lower is None or w.width_kev < windows[lower].width_kev
        ):
            lower = i
    if name == "Ho-166":
        above = [i for i, w in enumerate(windows) if w.lower_kev >= p.upper_kev - 1e-9]
        if above:
            upper = min(above, key=lambda i: abs(windows[i].centre_kev - HO166_UPPER_WINDOW_KEV))
            if abs(windows[upper].centre_kev - HO166_UPPER_WINDOW_KEV) > _UPPER_TOLERANCE_KEV:
                upper = None
    else:
        for i, w in enumerate(windows):
            if i != peak and abs(w.lower_kev - p.upper_kev) <= _ADJACENT_KEV and (
                upper is None or w.width_kev < windows[upper].width_kev
            ):
                upper = i
    return IsotopeWindows(name, peak, lower, upper)
