"""Laboratory analytes and units, and every unit conversion of the clinical engines in one place.

Conversion factors (value in the canonical unit = value x factor):

- bilirubin: 1 mg/dL = 17.1 µmol/L (molar mass of bilirubin 584.7 g/mol; REFERENCE.md);
- creatinine: 1 mg/dL = 88.4 µmol/L (molar mass 113.1 g/mol; Levey et al., Ann Intern Med
  2006;145:247, the factor of the MDRD equation);
- haemoglobin: 1 g/dL = 0.6206 mmol/L (Hb monomer, 16.1 kDa; the factor behind Dutch lab reports and
  the mmol/L column of CTCAE v4.03 "Anemia"); 1 g/dL = 10 g/L;
- albumin: 1 g/dL = 10 g/L;
- cell counts: 1 x10^9/L = 1000 /mm³ (CTCAE v4.03 prints both);
- enzymes (ALT, AST, ALP, GGT): U/L only; they are graded against the lab's ULN.
"""

from __future__ import annotations

import math

from hepar.clinical._base import LenientEnum, register_aliases
from hepar.errors import InvalidValueError, UnitMismatchError

__all__ = [
    "Analyte",
    "LabUnit",
    "canonical_unit",
    "convert_lab_value",
    "parse_analyte",
    "parse_unit",
    "units_of",
]


class Analyte(LenientEnum):
    """Laboratory quantities the protocol and CTCAE grading use."""

    BILIRUBIN = "bilirubin"
    CREATININE = "creatinine"
    HAEMOGLOBIN = "haemoglobin"
    ALBUMIN = "albumin"
    ALT = "alt"
    AST = "ast"
    ALP = "alp"
    GGT = "ggt"
    PLATELETS = "platelets"
    LEUKOCYTES = "leukocytes"
    NEUTROPHILS = "neutrophils"
    LYMPHOCYTES = "lymphocytes"


register_aliases(
    Analyte,
    {
        "total bilirubin": "bilirubin",
        "serum bilirubin": "bilirubin",
        "hemoglobin": "haemoglobin",
        "hb": "haemoglobin",
        "hgb": "haemoglobin",
        "alanine aminotransferase": "alt",
        "aspartate aminotransferase": "ast",
        "alkaline phosphatase": "alp",
        "gamma-glutamyl transferase": "ggt",
        "gamma gt": "ggt",
        "platelet count": "platelets",
        "thrombocytes": "platelets",
        "leucocytes": "leukocytes",
        "white blood cells": "leukocytes",
        "wbc": "leukocytes",
        "neutrophil count": "neutrophils",
        "lymphocyte count": "lymphocytes",
    },
)


class LabUnit(LenientEnum):
    """Units of laboratory values."""

    UMOL_PER_L = "umol/L"
    MG_PER_DL = "mg/dL"
    G_PER_DL = "g/dL"
    G_PER_L = "g/L"
    MMOL_PER_L = "mmol/L"
    U_PER_L = "U/L"
    PER_NL = "10^9/L"
    PER_MM3 = "/mm3"


register_aliases(
    LabUnit,
    {
        "micromol/l": "umol/L",
        "iu/l": "U/L",
        "x10^9/l": "10^9/L",
        "x 10^9/l": "10^9/L",
        "10*9/l": "10^9/L",
        "10e9/l": "10^9/L",
        "10^3/ul": "10^9/L",
        "k/ul": "10^9/L",
        "g/l cells": "10^9/L",
        "/nl": "10^9/L",
        "/mm³": "/mm3",
        "cells/mm3": "/mm3",
    },
)

# value_in_canonical_unit = value * factor; the first unit of each row is the canonical one.
_FACTORS: dict[Analyte, dict[LabUnit, float]] = {
    Analyte.BILIRUBIN: {LabUnit.UMOL_PER_L: 1.0, LabUnit.MG_PER_DL: 17.1},
    Analyte.CREATININE: {LabUnit.UMOL_PER_L: 1.0, LabUnit.MG_PER_DL: 88.4},
    Analyte.HAEMOGLOBIN: {
        LabUnit.G_PER_DL: 1.0,
        LabUnit.MMOL_PER_L: 1.0 / 0.6206,
        LabUnit.G_PER_L: 0.1,
    },
    Analyte.ALBUMIN: {LabUnit.G_PER_L: 1.0, LabUnit.G_PER_DL: 10.0},
    Analyte.ALT: {LabUnit.U_PER_L: 1.0},
    Analyte.AST: {LabUnit.U_PER_L: 1.0},
    Analyte.ALP: {LabUnit.U_PER_L: 1.0},
    Analyte.GGT: {LabUnit.U_PER_L: 1.0},
    Analyte.PLATELETS: {LabUnit.PER_NL: 1.0, LabUnit.PER_MM3: 1e-3},
    Analyte.LEUKOCYTES: {LabUnit.PER_NL: 1.0, LabUnit.PER_MM3: 1e-3},
    Analyte.NEUTROPHILS: {LabUnit.PER_NL: 1.0, LabUnit.PER_MM3: 1e-3},
    Analyte.LYMPHOCYTES: {LabUnit.PER_NL: 1.0, LabUnit.PER_MM3: 1e-3},
}


def parse_unit(unit: LabUnit | str, *, field: str = "unit") -> LabUnit:
    """The :class:`LabUnit` written as ``unit``; raise a clear error for an unknown one.

    Examples
    --------
    >>> parse_unit("µmol/l")
    <LabUnit.UMOL_PER_L: 'umol/L'>
    >>> parse_unit("furlong")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    hepar.errors.InvalidValueError: unit = 'furlong': expected one of 'umol/L', 'mg/dL', ...
    """
    try:
        return LabUnit(unit)
    except ValueError:
        raise InvalidValueError(
            field=field, value=unit, expected=f"one of {LabUnit.choices()}"
        ) from None


def parse_analyte(analyte: Analyte | str, *, field: str = "analyte") -> Analyte:
    """The :class:`Analyte` written as ``analyte``; raise a clear error for an unknown one."""
    try:
        return Analyte(analyte)
    except ValueError:
        raise InvalidValueError(
            field=field, value=analyte, expected=f"one of {Analyte.choices()}"
        ) from None


def units_of(analyte: Analyte | str) -> tuple[LabUnit, ...]:
    """Units accepted for ``analyte``, the canonical one first."""
    return tuple(_FACTORS[parse_analyte(analyte)])


def canonical_unit(analyte: Analyte | str) -> LabUnit:
    """The unit the engines compare ``analyte`` in."""
    return units_of(analyte)[0]


def check_unit(analyte: Analyte, unit: LabUnit, *, field: str = "unit") -> None:
    """Raise :class:`UnitMismatchError` when ``unit`` is not a unit of ``analyte``."""
    if unit not in _FACTORS[analyte]:
        accepted = ", ".join(repr(u.value) for u in _FACTORS[analyte])
        raise UnitMismatchError(
            field=field, value=unit.value, expected=f"a unit of {analyte.value}: {accepted}"
        )


def convert_lab_value(
    value: float, *, analyte: Analyte | str, from_unit: LabUnit | str, to_unit: LabUnit | str
) -> float:
    """Convert a lab value of ``analyte`` between two of its units.

    Examples
    --------
    >>> convert_lab_value(1.0, analyte="bilirubin", from_unit="mg/dL", to_unit="umol/L")
    17.1
    >>> round(convert_lab_value(8.0, analyte="haemoglobin", from_unit="g/dL", to_unit="mmol/L"), 3)
    4.965
    """
    kind = parse_analyte(analyte)
    source = parse_unit(from_unit, field="from_unit")
    target = parse_unit(to_unit, field="to_unit")
    check_unit(kind, source, field="from_unit")
    check_unit(kind, target, field="to_unit")
    if not math.isfinite(value):
        raise InvalidValueError(field="value", value=value, expected="a finite number")
    if source is target:
        return float(value)
    return value * _FACTORS[kind][source] / _FACTORS[kind][target]
