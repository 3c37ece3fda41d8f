"""Use case: look up a nuclide's decay data for display."""

from __future__ import annotations

from typing import Any

from hepar.physics import nuclide

__all__ = ["nuclide_record"]


def nuclide_record(name: str) -> dict[str, Any]:
    """The decay data of ``name`` (any common spelling) as plain JSON-ready data.

    Keys (the ``hepar nuclide --json`` contract): ``name``, ``half_life_h``, ``photons`` (list of
    ``energy_kev``, ``abundance``, ``kind``), ``mean_beta_energy_mev``,
    ``mean_electron_energy_mev``, ``mean_photon_energy_mev``, ``absorbed_energy_mj_per_mbq``,
    ``absorbed_energy_first_principles_mj_per_mbq``, ``absorbed_energy_source``, ``source``.
    """
    return nuclide(name).to_dict()
