"""Collimator records of hepar.physics against the sources their dimensions come from.

No vendor datasheet with a medium-energy sensitivity or system resolution at 10 cm (Siemens
MELP, GE MEGP) could be reached (issue 14; README, simulator section): the MEGP record is pinned
to the geometry source below (the SIMIND SY-ME rows of the Siemens ME/MELP records could not be
opened here to quote), and the LEHR model is checked against the vendor's 202 cpm/uCi and
7.5 mm in tests/phantoms/test_camera_and_spectrum.py.
"""

from __future__ import annotations

from hepar.physics import MEGP


def test_megp_is_the_ge_nm670_geometry_of_opengate() -> None:
    """OpenGATE, opengate/contrib/spect/ge_discovery_nm670.py, docstring of add_spect_head:
    "megp : holes length 58 mm, diam 3 mm, septal thickness : 1.05 mm". Exact: these are the
    quoted dimensions (a 5 % change fails)."""
    assert (MEGP.hole_diameter_mm, MEGP.septal_thickness_mm, MEGP.hole_length_mm) == (
        3.0, 1.05, 58.0)
    assert "OpenGATE" in MEGP.source

