"""CTCAE v4.03 grading of laboratory terms (NCI, Common Terminology Criteria for Adverse Events
version 4.03, 14 June 2010).

Grades from the value and the lab's ULN / LLN (and, for creatinine, the patient's baseline):

======================================  ==============  ==============  ==============  ========
term                                    G1              G2              G3              G4
======================================  ==============  ==============  ==============  ========
Blood bilirubin increased               > ULN-1.5 ULN   > 1.5-3 ULN     > 3-10 ULN      > 10 ULN
ALT / AST increased                     > ULN-3 ULN     > 3-5 ULN       > 5-20 ULN      > 20 ULN
Alkaline phosphatase / GGT increased    > ULN-2.5 ULN   > 2.5-5 ULN     > 5-20 ULN      > 20 ULN
Creatinine increased                    > ULN-1.5 ULN   > 1.5-3 ULN     > 3-6 ULN       > 6 ULN
                                        > 1-1.5 x base  > 1.5-3 x base  > 3 x base
Platelet count decreased (10^9/L)       < LLN-75        < 75-50         < 50-25         < 25
White blood cell decreased (10^9/L)     < LLN-3.0       < 3.0-2.0       < 2.0-1.0       < 1.0
Neutrophil count decreased (10^9/L)     < LLN-1.5       < 1.5-1.0       < 1.0-0.5       < 0.5
Lymphocyte count decreased (10^9/L)     < LLN-0.8       < 0.8-0.5       < 0.5-0.2       < 0.2
Anemia (Hb)                             < LLN-10 g/dL   < 10-8 g/dL     < 8 g/dL        clinical
Hypoalbuminemia                         < LLN-3 g/dL    < 3-2 g/dL      < 2 g/dL        clinical
======================================  ==============  ==============  ==============  ========

Anemia and hypoalbuminemia use the thresholds CTCAE prints for the unit reported (Hb: 10.0 / 8.0
g/dL, 6.2 / 4.9 mmol/L, 100 / 80 g/L; albumin: 3 / 2 g/dL, 30 / 20 g/L); their grade 4
("life-threatening consequences; urgent intervention indicated") is a clinical judgement that a lab
value alone cannot give.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from hepar.clinical._base import LenientEnum, Record, register_aliases
from hepar.clinical._units import Analyte, LabUnit, check_unit, convert_lab_value, parse_unit
from hepar.errors import InvalidValueError

__all__ = ["LabGrade", "LabTerm", "grade_lab", "parse_lab_term"]


class LabTerm(LenientEnum):
    """CTCAE v4.03 laboratory terms graded from a value."""

    BILIRUBIN_INCREASED = "Blood bilirubin increased"
    ALT_INCREASED = "Alanine aminotransferase increased"
    AST_INCREASED = "Aspartate aminotransferase increased"
    ALP_INCREASED = "Alkaline phosphatase increased"
    GGT_INCREASED = "GGT increased"
    CREATININE_INCREASED = "Creatinine increased"
    PLATELETS_DECREASED = "Platelet count decreased"
    WBC_DECREASED = "White blood cell decreased"
    NEUTROPHILS_DECREASED = "Neutrophil count decreased"
    LYMPHOCYTES_DECREASED = "Lymphocyte count decreased"
    ANEMIA = "Anemia"
    HYPOALBUMINEMIA = "Hypoalbuminemia"


register_aliases(
    LabTerm,
    {
        "bilirubin increased": "Blood bilirubin increased",
        "hyperbilirubinemia": "Blood bilirubin increased",
        "hyperbilirubinaemia": "Blood bilirubin increased",
        "alt increased": "Alanine aminotransferase increased",
        "ast increased": "Aspartate aminotransferase increased",
        "alp increased": "Alkaline phosphatase increased",
        "gamma-glutamyltransferase increased": "GGT increased",
        "white blood cell count decreased": "White blood cell decreased",
        "anaemia": "Anemia",
        "hypoalbuminaemia": "Hypoalbuminemia",
    },
)


@dataclass(frozen=True)
class _UlnTerm:
    analyte: Analyte
    multiples: tuple[float, float, float]  # upper bounds of G1, G2, G3 in x ULN


@dataclass(frozen=True)
class _DecreasedTerm:
    analyte: Analyte
    # per unit: lower bounds of G1, G2, G3 (G1 is [t1, LLN), G2 [t2, t1), G3 [t3, t2), G4 < t3);
    # t3 is None when grade 4 is clinical only
    thresholds: dict[LabUnit, tuple[float, float, float | None]]


_ULN_TERMS: dict[LabTerm, _UlnTerm] = {
    LabTerm.BILIRUBIN_INCREASED: _UlnTerm(Analyte.BILIRUBIN, (1.5, 3.0, 10.0)),
    LabTerm.ALT_INCREASED: _UlnTerm(Analyte.ALT, (3.0, 5.0, 20.0)),
    LabTerm.AST_INCREASED: _UlnTerm(Analyte.AST, (3.0, 5.0, 20.0)),
    LabTerm.ALP_INCREASED: _UlnTerm(Analyte.ALP, (2.5, 5.0, 20.0)),
    LabTerm.GGT_INCREASED: _UlnTerm(Analyte.GGT, (2.5, 5.0, 20.0)),
    LabTerm.CREATININE_INCREASED: _UlnTerm(Analyte.CREATININE, (1.5, 3.0, 6.0)),
}
_CREATININE_BASELINE_MULTIPLES = (1.5, 3.0)  # > 1-1.5, > 1.5-3.0, > 3.0 x baseline: G1, G2, G3

_COUNTS = LabUnit.PER_NL
_DECREASED_TERMS: dict[LabTerm, _DecreasedTerm] = {
    LabTerm.PLATELETS_DECREASED: _DecreasedTerm(Analyte.PLATELETS, {_COUNTS: (75.0, 50.0, 25.0)}),
    LabTerm.WBC_DECREASED: _DecreasedTerm(Analyte.LEUKOCYTES, {_COUNTS: (3.0, 2.0, 1.0)}),
    LabTerm.NEUTROPHILS_DECREASED: _DecreasedTerm(Analyte.NEUTROPHILS, {_COUNTS: (1.5, 1.0, 0.5)}),
    LabTerm.LYMPHOCYTES_DECREASED: _DecreasedTerm(Analyte.LYMPHOCYTES, {_COUNTS: (0.8, 0.5, 0.2)}),
    LabTerm.ANEMIA: _DecreasedTerm(
        Analyte.HAEMOGLOBIN,
        {
            LabUnit.G_PER_DL: (10.0, 8.0, None),
            LabUnit.MMOL_PER_L: (6.2, 4.9, None),
            LabUnit.G_PER_L: (100.0, 80.0, None),
        },
    ),
    LabTerm.HYPOALBUMINEMIA: _DecreasedTerm(
        Analyte.ALBUMIN, {LabUnit.G_PER_DL: (3.0, 2.0, None), LabUnit.G_PER_L: (30.0, 20.0, None)}
    ),
}


class LabGrade(Record):
    """A CTCAE grade (0 = within normal limits / not an adverse event) and why."""

    term: LabTerm
    grade: int
    value: float
    unit: LabUnit
    reason: str


def parse_lab_term(term: LabTerm | str) -> LabTerm:
    """The :class:`LabTerm` named ``term``; raise a clear error for an unknown one."""
    try:
        return LabTerm(term)
    except ValueError:
        raise InvalidValueError(
            field="term", value=term, expected=f"a CTCAE v4.03 lab term: {LabTerm.choices()}"
        ) from None


def _positive(name: str, value: float | None) -> None:
    if value is not None and not (math.isfinite(value) and value > 0):
        raise InvalidValueError(field=name, value=value, expected="a number > 0")


def _g(number: float) -> str:
    return f"{number:.4g}"


def grade_lab(
    term: LabTerm | str,
    value: float,
    unit: LabUnit | str,
    *,
    uln: float | None = None,
    lln: float | None = None,
    baseline: float | None = None,
) -> LabGrade:
    """Grade a laboratory value by CTCAE v4.03.

    Parameters
    ----------
    term
        CTCAE term (:class:`LabTerm` or its name, e.g. ``"Blood bilirubin increased"``).
    value
        The lab value (>= 0), in ``unit``.
    unit
        Any unit of the term's analyte (bilirubin and creatinine µmol/L or mg/dL; haemoglobin
        g/dL, mmol/L or g/L; albumin g/dL or g/L; counts 10^9/L or /mm3; enzymes U/L).
    uln, lln
        The lab's upper / lower limit of normal, in ``unit`` (> 0, ``lln`` below ``uln``).
        "Increased" terms need the ULN; "decreased" terms need the LLN for grade 1.
    baseline
        The patient's baseline value, in ``unit``; only "Creatinine increased" takes one.

    Examples
    --------
    >>> grade_lab("Blood bilirubin increased", 40, "umol/L", uln=17).grade
    2
    >>> grade_lab("Anemia", 5.5, "mmol/L", lln=7.5).grade
    2
    """
    kind = parse_lab_term(term)
    measure = parse_unit(unit)
    if not (math.isfinite(value) and value >= 0):
        raise InvalidValueError(field="value", value=value, expected="a lab value >= 0")
    _positive("uln", uln)
    _positive("lln", lln)
    _positive("baseline", baseline)
    if lln is not None and uln is not None and lln >= uln:
        raise InvalidValueError(
            field="lln", value=lln, expected=f"a lower limit of normal below uln ({_g(uln)})"
        )
    if baseline is not None and kind is not LabTerm.CREATININE_INCREASED:
        raise InvalidValueError(
            field="baseline",
            value=baseline,
            expected=(
                f"no baseline for {kind.value!r}: only "
                f"{LabTerm.CREATININE_INCREASED.value!r} is graded against the patient's baseline"
            ),
        )
    if kind in _ULN_TERMS:
        return _grade_increased(kind, _ULN_TERMS[kind], value, measure, uln, baseline)
    return _grade_decreased(kind, _DECREASED_TERMS[kind], value, measure, lln)


def _grade_increased(
    kind: LabTerm,
    rule: _UlnTerm,
    value: float,
    unit: LabUnit,
    uln: float | None,
    baseline: float | None,
) -> LabGrade:
    check_unit(rule.analyte, unit)
    if uln is None:
        raise InvalidValueError(
            field="uln",
            value=None,
            expected=f"the lab's upper limit of normal (in {unit.value}) to grade {kind.value!r}",
        )
    ratio = value / uln
    m1, m2, m3 = rule.multiples
    grade = 0 if ratio <= 1 else 1 if ratio <= m1 else 2 if ratio <= m2 else 3 if ratio <= m3 else 4
    bands = {
        0: "<= ULN",
        1: f"> ULN-{m1:g} x ULN",
        2: f"> {m1:g}-{m2:g} x ULN",
        3: f"> {m2:g}-{m3:g} x ULN",
        4: f"> {m3:g} x ULN",
    }
    reason = (
        f"{_g(value)} {unit.value} = {_g(ratio)} x ULN ({_g(uln)}): {bands[grade]}, grade {grade}"
    )
    if kind is LabTerm.CREATININE_INCREASED and baseline is not None:
        times = value / baseline
        b1, b2 = _CREATININE_BASELINE_MULTIPLES
        by_baseline = 0 if times <= 1 else 1 if times <= b1 else 2 if times <= b2 else 3
        reason += f"; {_g(times)} x baseline ({_g(baseline)}): grade {by_baseline}"
        if by_baseline > grade:
            grade = by_baseline
            reason += f"; the higher grade counts: grade {grade}"
    return LabGrade(term=kind, grade=grade, value=value, unit=unit, reason=reason)


def _grade_decreased(
    kind: LabTerm, rule: _DecreasedTerm, value: float, unit: LabUnit, lln: float | None
) -> LabGrade:
    check_unit(rule.analyte, unit)
    if unit in rule.thresholds:
        table_unit, compared = unit, value
        lln_compared = lln
    else:  # counts in /mm3: convert to the unit of the table
        table_unit = next(iter(rule.thresholds))
        compared = convert_lab_value(
            value, analyte=rule.analyte, from_unit=unit, to_unit=table_unit
        )
        lln_compared = (
            None
            if lln is None
            else convert_lab_value(lln, analyte=rule.analyte, from_unit=unit, to_unit=table_unit)
        )
    t1, t2, t3 = rule.thresholds[table_unit]
    shown = f"{_g(compared)} {table_unit.value}"
    if compared != value:
        shown += f" ({_g(value)} {unit.value})"
    if compared < t1:
        if compared >= t2:
            grade, band = 2, f"< {t1:g}-{t2:g}"
        elif t3 is None:
            grade, band = 3, f"< {t2:g}"
        elif compared >= t3:
            grade, band = 3, f"< {t2:g}-{t3:g}"
        else:
            grade, band = 4, f"< {t3:g}"
        reason = f"{shown}: {band} {table_unit.value}, grade {grade}"
        if t3 is None and grade == 3:
            reason += " (grade 4 needs clinical judgement: life-threatening consequences)"
        return LabGrade(term=kind, grade=grade, value=value, unit=unit, reason=reason)
    if lln_compared is None:
        raise InvalidValueError(
            field="lln",
            value=None,
            expected=(
                f"the lab's lower limit of normal (in {unit.value}) to grade {kind.value!r} "
                f"for a value >= {t1:g} {table_unit.value}"
            ),
        )
    if compared < lln_compared:
        reason = f"{shown}: < LLN ({_g(lln_compared)})-{t1:g} {table_unit.value}, grade 1"
        return LabGrade(term=kind, grade=1, value=value, unit=unit, reason=reason)
    reason = f"{shown}: >= LLN ({_g(lln_compared)}), grade 0"
    return LabGrade(term=kind, grade=0, value=value, unit=unit, reason=reason)
