"""What each region of a structure set is for: the one place that classifies regions by role.

``hepar plan`` and ``hepar dose`` read the same structure sets (RT Structure Set, SEG, NIfTI masks);
both classify their regions here, so a region means the same in both (a region named ``body`` is
the body outline in both, never a tumour).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from hepar.errors import InvalidValueError
from hepar.imaging import Mask

__all__ = ["RegionRole", "Regions", "region_role", "resolve_regions"]


class RegionRole(StrEnum):
    """The role of a region in planning and dosimetry."""

    LIVER = "liver"
    """The treated (perfused) liver, tumours included."""
    LUNGS = "lungs"
    """Both lungs: lung shunt, lung dose, lung density."""
    BODY = "body"
    """The body outline: splits "extrahepatic" from "outside body" in the biodistribution."""
    TUMOUR = "tumour"
    """A tumour (lesion) VOI: every region without another role."""


#: Region names (compared case-insensitively, surrounding blanks ignored) that carry a role other
#: than tumour; the README contract names ``liver``, ``lungs`` and ``body``.
_NAMED_ROLES: dict[str, RegionRole] = {
    "liver": RegionRole.LIVER,
    "lungs": RegionRole.LUNGS,
    "body": RegionRole.BODY,
}


def region_role(name: str) -> RegionRole:
    """The role of a region called ``name`` in a structure set.

    Examples
    --------
    >>> region_role("Body").value, region_role(" liver ").value, region_role("lesion 2").value
    ('body', 'liver', 'tumour')
    """
    return _NAMED_ROLES.get(name.strip().casefold(), RegionRole.TUMOUR)


@dataclass(frozen=True)
class Regions:
    """The regions of one plan or dose calculation, by role.

    ``liver``, ``lungs`` and ``body`` carry their role's name (``"liver"``, ``"lungs"``,
    ``"body"``) whatever the structure set called them; tumours keep their own names.
    """

    liver: Mask | None = None
    lungs: Mask | None = None
    body: Mask | None = None
    tumours: tuple[Mask, ...] = ()

    def all(self) -> list[Mask]:
        """Every region present: liver, lungs, tumours, body."""
        return [m for m in (self.liver, self.lungs, *self.tumours, self.body) if m is not None]


def _named(mask: Mask, role: RegionRole) -> Mask:
    return mask if mask.name == role.value else Mask(role.value, mask.grid)


def resolve_regions(
    structures: Mapping[str, Mask] | None = None,
    *,
    liver: Mask | None = None,
    lungs: Mask | None = None,
    body: Mask | None = None,
    tumours: Sequence[Mask] = (),
) -> Regions:
    """Sort the regions of a structure set (and the masks given one by one) by role.

    Parameters
    ----------
    structures
        Named regions of a structure set, each classified by :func:`region_role`.
    liver, lungs, body
        Masks given for a role explicitly (a ``--liver-mask`` option); they replace a region of
        that role in ``structures``, which is then not used at all (it is not a tumour either).
    tumours
        Tumour masks given explicitly; the structure set's tumours follow them.

    Examples
    --------
    >>> import numpy as np
    >>> from hepar.imaging import Volume
    >>> grid = Volume(np.ones((1, 1, 1)), np.eye(4), "1", "1.2.3")
    >>> found = resolve_regions({n: Mask(n, grid) for n in ("Liver", "body", "lesion 1")})
    >>> found.liver.name, found.body.name, [t.name for t in found.tumours], found.lungs
    ('liver', 'body', ['lesion 1'], None)
    """
    explicit = {RegionRole.LIVER: liver, RegionRole.LUNGS: lungs, RegionRole.BODY: body}
    found: dict[RegionRole, Mask] = {}
    named_tumours: list[Mask] = []
    for name, mask in (structures or {}).items():
        role = region_role(name)
        if role is RegionRole.TUMOUR:
            named_tumours.append(mask)
        elif role in found:
            raise InvalidValueError(
                field="structures", value=[found[role].name, mask.name],
                expected=f"one region for the role {role.value!r} (rename or drop the other)",
            )
        else:
            found[role] = mask
    chosen = {
        role: _named(given if given is not None else found[role], role)
        for role, given in explicit.items() if given is not None or role in found
    }
    return Regions(
        liver=chosen.get(RegionRole.LIVER),
        lungs=chosen.get(RegionRole.LUNGS),
        body=chosen.get(RegionRole.BODY),
        tumours=(*tumours, *named_tumours),
    )
