"""Radionuclide names <-> DICOM codes of CID 18 "Isotopes in Radiopharmaceuticals".

The codes come from pydicom's copy of the DICOM Content Mapping Resource (PS3.16 CID 18; e.g.
166Ho is NCIt C1943 "^166^Holmium", 177Lu is SCT 447553000 "^177^Lutetium"); hepar names
nuclides element-mass (``"Ho-166"``, ``"Tc-99m"``) as ``hepar.physics`` does.
"""

from __future__ import annotations

import re

from pydicom.sr.codedict import codes
from pydicom.sr.coding import Code

from hepar.errors import InvalidValueError

__all__ = ["isotope_code", "isotope_from_code_meaning"]

#: Element names used in CID 18 code meanings and their symbols (IUPAC).
_SYMBOL_OF_ELEMENT = {
    "Barium": "Ba", "Carbon": "C", "Chromium": "Cr", "Cobalt": "Co", "Copper": "Cu",
    "Fluorine": "F", "Gadolinium": "Gd", "Gallium": "Ga", "Gold": "Au", "Holmium": "Ho",
    "Indium": "In", "Iodine": "I", "Iridium": "Ir", "Iron": "Fe", "Krypton": "Kr", "Lead": "Pb",
    "Lutetium": "Lu", "Phosphorus": "P", "Potassium": "K", "Radium": "Ra", "Rhenium": "Re",
    "Ruthenium": "Ru", "Samarium": "Sm", "Selenium": "Se", "Sodium": "Na", "Strontium": "Sr",
    "Tantalum": "Ta", "Technetium": "Tc", "Thallium": "Tl", "Xenon": "Xe", "Ytterbium": "Yb",
    "Yttrium": "Y",
}
_MEANING = re.compile(r"^\^(?P<mass>\d{1,3})(?P<meta>m?)\^(?P<element>[A-Za-z]+)$")
_NAMES = (
    re.compile(r"^(?P<el>[A-Za-z]{1,2})-?(?P<mass>\d{1,3})(?P<meta>m?)$"),  # Ho-166, Tc99m
    re.compile(r"^(?P<mass>\d{1,3})(?P<meta>m?)-?(?P<el>[A-Za-z]{1,2})$"),  # 166Ho, 99mTc
)


def isotope_from_code_meaning(meaning: str) -> str | None:
    """``"Ho-166"`` from a CID 18 code meaning such as ``"^166^Holmium"``; None if not one.

    Examples
    --------
    >>> isotope_from_code_meaning("^99m^Technetium")
    'Tc-99m'
    """
    match = _MEANING.match(meaning.strip())
    if not match:
        return None
    symbol = _SYMBOL_OF_ELEMENT.get(match.group("element").capitalize())
    if symbol is None:
        return None
    return f"{symbol}-{match.group('mass')}{match.group('meta')}"


def _cid18() -> dict[str, Code]:
    table: dict[str, Code] = {}
    for code in codes.cid18.concepts.values():
        name = isotope_from_code_meaning(code.meaning)
        if name:
            table[name] = code
    return table


def isotope_code(isotope: str) -> Code:
    """The CID 18 code of a nuclide given as ``"Ho-166"``, ``"166Ho"`` or ``"ho166"``.

    Raises
    ------
    InvalidValueError
        The name does not parse or CID 18 has no code for it.

    Examples
    --------
    >>> isotope_code("166Ho").value, isotope_code("Lu-177").meaning
    ('C1943', '^177^Lutetium')
    """
    table = _cid18()
    for pattern in _NAMES:
        match = pattern.match(isotope.strip())
        if match:
            element = match.group("el").capitalize()
            name = f"{element}-{match.group('mass')}{match.group('meta')}"
            if name in table:
                return table[name]
    raise InvalidValueError(
        field="isotope", value=isotope,
        expected=f"a nuclide with a DICOM CID 18 code, one of {sorted(table)}",
    )
