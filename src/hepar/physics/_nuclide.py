"""Nuclide decay data as frozen records, taken from ICRP Publication 107.

The emission data come from the ``icrp107-database`` package (ICRP Publication 107, Nuclear Decay
Data for Dosimetric Calculations, Ann ICRP 2008;38(3)), read through its own API. Numbers are not
typed in here; only the clinical conventions that differ from first principles are, each with its
source.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from icrp107_database import get_icrp107_spectrum
from numpy.typing import NDArray

from hepar.errors import UnknownNuclideError

from ._constants import J_PER_MEV, KEV_PER_MEV, MJ_PER_J, S_PER_H, S_PER_MIN
from ._decay import number_of_decays

__all__ = [
    "HO166_CLINICAL_ABSORBED_ENERGY_MJ_PER_MBQ",
    "MIN_PHOTON_ABUNDANCE",
    "MIN_PHOTON_ENERGY_KEV",
    "Nuclide",
    "PhotonLine",
    "beta_spectrum",
    "canonical_nuclide_name",
    "electron_lines",
    "nuclide",
]

#: Energy absorbed locally per MBq of 166Ho fully decayed, as used clinically in Utrecht for
#: holmium microsphere dosimetry and planning (J Nucl Med 2016;57(S2):199; REFERENCE.md). It lies
#: about 2 % above the ICRP 107 electron energy alone (15.53 mJ/MBq).
HO166_CLINICAL_ABSORBED_ENERGY_MJ_PER_MBQ = 15.87

_CLINICAL_CONVENTIONS: dict[str, tuple[float, str]] = {
    "Ho-166": (
        HO166_CLINICAL_ABSORBED_ENERGY_MJ_PER_MBQ,
        "clinical convention, J Nucl Med 2016;57(S2):199 (Utrecht)",
    ),
}

#: Photon lines below this energy are not listed (they are absorbed within a voxel).
MIN_PHOTON_ENERGY_KEV = 10.0
#: Photon lines with fewer photons per decay than this are not listed.
MIN_PHOTON_ABUNDANCE = 1.0e-3

_TIME_UNIT_TO_H = {
    "s": 1 / S_PER_H, "m": S_PER_MIN / S_PER_H, "h": 1.0, "d": 24.0, "y": 24.0 * 365.2422,
}
_NAME_PATTERNS = (
    re.compile(r"^(?P<el>[a-z]{1,2})-?(?P<a>\d{1,3})(?P<m>m\d?)?$"),  # Ho-166, ho166, Tc-99m
    re.compile(r"^(?P<a>\d{1,3})(?P<m>m\d?)?-?(?P<el>[a-z]{1,2})$"),  # 166Ho, 99mTc
)


@dataclass(frozen=True)
class PhotonLine:
    """One photon emission: energy in keV, photons per decay, and ``"gamma"`` or ``"X"``."""

    energy_kev: float
    abundance: float
    kind: str


@dataclass(frozen=True)
class Nuclide:
    """Decay data of one radionuclide.

    Parameters
    ----------
    name
        Canonical name, element-mass form (``"Ho-166"``).
    half_life_h
        Physical half-life in hours (ICRP 107).
    photons
        Photon lines at or above ``MIN_PHOTON_ENERGY_KEV`` with at least ``MIN_PHOTON_ABUNDANCE``.
    mean_beta_energy_mev
        Mean beta energy per decay in MeV (sum over beta branches of mean energy x yield).
    mean_electron_energy_mev
        Mean energy per decay of all electrons (beta, internal conversion, Auger) in MeV.
    mean_photon_energy_mev
        Mean energy per decay emitted as photons (gamma and X-rays) in MeV.
    absorbed_energy_first_principles_mj_per_mbq
        Energy absorbed locally per MBq fully decayed when electrons deposit where emitted and
        photons escape: :math:`E = \\frac{T_{1/2}}{\\ln 2} 10^6 \\bar E_e`.
    absorbed_energy_mj_per_mbq
        The value hepar uses for local-deposition dosimetry: a clinical convention where one is
        established (166Ho: 15.87 mJ/MBq), else the first-principles value.
    absorbed_energy_source
        Where ``absorbed_energy_mj_per_mbq`` comes from.
    """

    name: str
    half_life_h: float
    photons: tuple[PhotonLine, ...]
    mean_beta_energy_mev: float
    mean_electron_energy_mev: float
    mean_photon_energy_mev: float
    absorbed_energy_first_principles_mj_per_mbq: float
    absorbed_energy_mj_per_mbq: float
    absorbed_energy_source: str

    @property
    def decay_constant_per_h(self) -> float:
        """:math:`\\lambda = \\ln 2 / T_{1/2}` in 1/h."""
        return math.log(2.0) / self.half_life_h

    def photon_lines_between(self, lower_kev: float, upper_kev: float) -> tuple[PhotonLine, ...]:
        """Photon lines with energy in ``[lower_kev, upper_kev]``."""
        return tuple(p for p in self.photons if lower_kev <= p.energy_kev <= upper_kev)

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form (the ``hepar nuclide --json`` contract)."""
        data = asdict(self)
        data["photons"] = [asdict(p) for p in self.photons]
        data["source"] = "ICRP Publication 107 (icrp107-database)"
        return data


def canonical_nuclide_name(name: str) -> str:
    """Normalise ``"Ho-166"``, ``"166Ho"``, ``"ho166"``, ``"99mTc"`` to ``"Ho-166"``/``"Tc-99m"``.

    Examples
    --------
    >>> [canonical_nuclide_name(n) for n in ("166Ho", "ho166", "LU-177", "99mTc", "y90")]
    ['Ho-166', 'Ho-166', 'Lu-177', 'Tc-99m', 'Y-90']
    """
    text = str(name).strip().lower().replace(" ", "").replace("_", "-")
    for pattern in _NAME_PATTERNS:
        match = pattern.match(text)
        if match:
            element = match["el"].capitalize()
            return f"{element}-{int(match['a'])}{match['m'] or ''}"
    raise UnknownNuclideError(
        field="nuclide", value=name, expected="a nuclide name such as 'Ho-166', '166Ho' or 'ho166'"
    )


def _spectrum(name: str, kind: str) -> tuple[np.ndarray, np.ndarray, float, str]:
    data = get_icrp107_spectrum(name, kind)
    return data["energies"], data["weights"], float(data["half_life"]), str(data["time_unit"])


@lru_cache(maxsize=64)
def nuclide(name: str) -> Nuclide:
    """Decay data for a nuclide by any common spelling of its name.

    Examples
    --------
    >>> ho = nuclide("166Ho")
    >>> ho.name, ho.half_life_h, ho.absorbed_energy_mj_per_mbq
    ('Ho-166', 26.8, 15.87)
    >>> [p.energy_kev for p in nuclide("Lu-177").photons if p.abundance > 0.05]
    [112.95, 208.366]
    """
    canonical = canonical_nuclide_name(name)
    try:
        _, _, half_life, time_unit = _spectrum(canonical, "gamma")
    except Exception:  # the package raises a bare Exception for a nuclide it lacks
        raise UnknownNuclideError(
            field="nuclide", value=name,
            expected=f"a nuclide of ICRP Publication 107 ({canonical!r} is not in it)",
        ) from None
    half_life_h = round(half_life * _TIME_UNIT_TO_H[time_unit], 9)

    def mean_energy_mev(kind: str) -> float:
        energies, weights, _, _ = _spectrum(canonical, kind)
        return float(np.dot(energies, weights)) if len(energies) else 0.0

    beta = mean_energy_mev("beta-") + mean_energy_mev("beta+")
    electrons = beta + mean_energy_mev("IE") + mean_energy_mev("auger")
    photon_energy = mean_energy_mev("gamma") + mean_energy_mev("X")
    lines: list[PhotonLine] = []
    for kind in ("gamma", "X"):
        energies, weights, _, _ = _spectrum(canonical, kind)
        for energy_mev, abundance in zip(energies, weights, strict=True):
            energy_kev = round(float(energy_mev) * KEV_PER_MEV, 4)
            if energy_kev >= MIN_PHOTON_ENERGY_KEV and abundance >= MIN_PHOTON_ABUNDANCE:
                lines.append(PhotonLine(energy_kev, float(abundance), kind))
    lines.sort(key=lambda p: p.energy_kev)
    first_principles = float(number_of_decays(1.0, half_life_h)) * electrons * J_PER_MEV * MJ_PER_J
    used, source = _CLINICAL_CONVENTIONS.get(
        canonical, (first_principles, "ICRP 107 electron energy, local deposition")
    )
    return Nuclide(
        name=canonical,
        half_life_h=half_life_h,
        photons=tuple(lines),
        mean_beta_energy_mev=beta,
        mean_electron_energy_mev=electrons,
        mean_photon_energy_mev=photon_energy,
        absorbed_energy_first_principles_mj_per_mbq=first_principles,
        absorbed_energy_mj_per_mbq=used,
        absorbed_energy_source=source,
    )


def beta_spectrum(name: str) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The ICRP 107 beta-minus energy spectrum of a nuclide, for electron transport.

    Returns
    -------
    energies_mev, weights
        Grid of kinetic energies (MeV, increasing) and the spectral density at each, in betas per
        MeV per decay (the ``b-spectra`` file of ICRP Publication 107; its integral is the number
        of betas per decay, 1 for 177Lu and 166Ho to within the tabulation, 0.2 %). Between grid
        points the density is linear.

    Examples
    --------
    >>> energies, weights = beta_spectrum("177Lu")
    >>> round(float(energies[-1]), 4)  # endpoint of the 177Lu beta spectrum, MeV
    0.4978
    >>> bool(abs(np.trapezoid(weights, energies) - 1.0) < 0.002)
    True
    """
    canonical = nuclide(name).name  # refuses names ICRP 107 does not know
    energies, weights, _, _ = _spectrum(canonical, "b-spectra")
    return np.asarray(energies, dtype=float), np.asarray(weights, dtype=float)


def electron_lines(name: str) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Discrete electron lines of a nuclide: internal-conversion and Auger electrons (ICRP 107).

    Returns
    -------
    energies_mev, yields
        Energy (MeV) and electrons per decay of each line, conversion lines first.

    Examples
    --------
    >>> energies, yields = electron_lines("Lu-177")
    >>> round(float(np.dot(energies, yields)) * 1000, 2)  # keV per decay, ICRP 107: 13.5 + 1.1
    14.65
    """
    canonical = nuclide(name).name
    parts = [_spectrum(canonical, kind)[:2] for kind in ("IE", "auger")]
    return (
        np.concatenate([np.asarray(e, dtype=float) for e, _ in parts]),
        np.concatenate([np.asarray(w, dtype=float) for _, w in parts]),
    )
