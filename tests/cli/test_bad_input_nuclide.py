"""``hepar nuclide``: bad names and options are refused (issue 9)."""

from __future__ import annotations

import pytest
from bad_input import check_bad_input

CASES = [
    ("unknown element", ["unobtainium"], "nuclide"),
    ("no mass number", ["Ho"], "nuclide"),
    ("no element", ["166"], "nuclide"),
    ("impossible mass", ["Ho-999"], "nuclide"),
    ("empty", [""], "nuclide"),
    ("spaces", ["   "], "nuclide"),
    ("negative mass", ["Ho--166"], "nuclide"),
    ("metastable unknown", ["Lu-177q"], "nuclide"),
    ("wrong separator", ["Ho/166"], "nuclide"),
    ("control character", ["Ho-166\x07"], "nuclide"),
    ("very long", ["X" * 5000], "nuclide"),
    ("missing name", [], "NAME"),
    ("two names", ["Ho-166", "Lu-177"], "Lu-177"),
    ("unknown option", ["Ho-166", "--yaml"], "--yaml"),
    ("option value to a flag", ["Ho-166", "--json=yes"], "--json"),
    ("unicode look-alike", ["Но-166"], "nuclide"),
]


@pytest.mark.parametrize(("case", "args", "named"), CASES, ids=[c[0] for c in CASES])
def test_bad_nuclide(capsys, case, args, named):
    line = check_bad_input(capsys, ["nuclide", *args], named)
    assert len(line) < 600  # the value is echoed shortened, never a page
