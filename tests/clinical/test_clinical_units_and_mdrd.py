"""Lab units, lab records and the MDRD eGFR."""

from __future__ import annotations

import math

import pytest

from hepar.clinical import (
    LabUnit,
    LabValue,
    body_surface_area_dubois_m2,
    convert_lab_value,
    egfr_mdrd_ml_min_1_73m2,
)
from hepar.errors import InvalidValueError, UnitMismatchError


@pytest.mark.parametrize(
    ("analyte", "value", "source_unit", "target_unit", "expected"),
    [
        # REFERENCE.md: bilirubin 1 mg/dL = 17.1 umol/L; creatinine 1 mg/dL = 88.4 umol/L
        ("bilirubin", 2.0, "mg/dL", "umol/L", 34.2),
        ("bilirubin", 34.2, "µmol/L", "mg/dL", 2.0),
        ("creatinine", 1.0, "mg/dL", "umol/L", 88.4),
        ("creatinine", 176.8, "umol/L", "mg/dL", 2.0),
        # REFERENCE.md: 1 g/dL Hb = 0.6206 mmol/L; 1 g/dL = 10 g/L
        ("haemoglobin", 10.0, "g/dL", "mmol/L", 6.206),
        ("hb", 6.206, "mmol/L", "g/dL", 10.0),
        ("haemoglobin", 12.0, "g/dL", "g/L", 120.0),
        ("albumin", 3.5, "g/dL", "g/L", 35.0),
        # CTCAE v4.03 prints both: 75,000/mm3 = 75 x 10^9/L
        ("platelets", 75000.0, "/mm3", "10^9/L", 75.0),
    ],
)
def test_conversion_factors_match_the_reference(
    analyte: str, value: float, source_unit: str, target_unit: str, expected: float
) -> None:
    converted = convert_lab_value(
        value, analyte=analyte, from_unit=source_unit, to_unit=target_unit
    )
    assert converted == pytest.approx(expected, rel=1e-12)


def test_unit_spellings_are_accepted() -> None:
    assert LabUnit("µmol/l") is LabUnit.UMOL_PER_L
    assert LabUnit("MG/DL") is LabUnit.MG_PER_DL
    assert LabUnit("x10^9/l") is LabUnit.PER_NL


def test_unknown_unit_is_named_in_the_error() -> None:
    with pytest.raises(InvalidValueError, match=r"from_unit = 'furlong'.*one of"):
        convert_lab_value(1.0, analyte="bilirubin", from_unit="furlong", to_unit="umol/L")


def test_unit_of_another_analyte_is_a_unit_mismatch() -> None:
    with pytest.raises(UnitMismatchError, match=r"from_unit = 'g/dL'.*a unit of bilirubin"):
        convert_lab_value(1.0, analyte="bilirubin", from_unit="g/dL", to_unit="umol/L")


def test_lab_value_knows_its_multiple_of_uln() -> None:
    lab = LabValue(analyte="bilirubin", value=25.5, unit="umol/L", uln=17.0)
    assert lab.times_uln == pytest.approx(1.5)
    assert lab.in_unit("mg/dL") == pytest.approx(25.5 / 17.1)


def test_negative_lab_value_is_rejected_naming_the_field() -> None:
    with pytest.raises(ValueError, match=r"value = -1\.0: expected a finite number >= 0"):
        LabValue(analyte="bilirubin", value=-1, unit="umol/L")


def test_lab_value_rejects_a_unit_foreign_to_its_analyte() -> None:
    with pytest.raises(ValueError, match="a unit of platelets"):
        LabValue(analyte="platelets", value=100, unit="mg/dL")


def test_lln_above_uln_is_rejected() -> None:
    with pytest.raises(ValueError, match="lln"):
        LabValue(analyte="albumin", value=40, unit="g/L", lln=50, uln=45)


def _mdrd_by_hand(scr_mg_dl: float, age: float, female: bool) -> float:
    """Levey et al., Ann Intern Med 2006;145:247 (IDMS-traceable MDRD), written out."""
    return 175.0 * scr_mg_dl**-1.154 * age**-0.203 * (0.742 if female else 1.0)


@pytest.mark.parametrize(
    ("creatinine_umol_l", "age", "female"),
    [(88.4, 60.0, False), (80.0, 64.0, True), (200.0, 75.0, True), (53.0, 30.0, False)],
)
def test_mdrd_follows_levey_2006(creatinine_umol_l: float, age: float, female: bool) -> None:
    expected = _mdrd_by_hand(creatinine_umol_l / 88.4, age, female)
    got = egfr_mdrd_ml_min_1_73m2(creatinine_umol_l, age, female=female)
    assert got == pytest.approx(expected, rel=1e-12)


def test_mdrd_reference_point() -> None:
    # Levey 2006: Scr 1.0 mg/dL, 60-year-old man: 175 x 60^-0.203 = 76.2 mL/min/1.73 m2
    assert egfr_mdrd_ml_min_1_73m2(88.4, 60, female=False) == pytest.approx(76.2, abs=0.05)


def test_mdrd_black_coefficient() -> None:
    plain = egfr_mdrd_ml_min_1_73m2(100.0, 50, female=False)
    assert egfr_mdrd_ml_min_1_73m2(100.0, 50, female=False, black=True) == pytest.approx(
        1.212 * plain
    )


def test_mdrd_rejects_zero_creatinine() -> None:
    with pytest.raises(InvalidValueError, match="creatinine_umol_l = 0"):
        egfr_mdrd_ml_min_1_73m2(0.0, 50, female=False)


def test_dubois_body_surface_area() -> None:
    # Du Bois & Du Bois 1916: 0.007184 x W^0.425 x H^0.725
    expected = 0.007184 * 70.0**0.425 * 175.0**0.725
    assert body_surface_area_dubois_m2(70.0, 175.0) == pytest.approx(expected)
    assert math.isclose(body_surface_area_dubois_m2(70.0, 175.0), 1.85, abs_tol=0.01)
