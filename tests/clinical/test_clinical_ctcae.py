"""CTCAE v4.03 (NCI, 2010) laboratory grading, adverse-event records, SAE deadlines and REILD."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hepar.clinical import (
    AdverseEvent,
    LabTerm,
    LabValue,
    grade_lab,
    reild_assessment,
    sae_report_status,
    validate_record,
    worst_grades,
)
from hepar.errors import InvalidValueError, UnitMismatchError

# ----------------------------------------------------------------------------- x ULN terms


@pytest.mark.parametrize(
    ("value", "grade"),
    # CTCAE v4.03 "Blood bilirubin increased": >ULN-1.5; >1.5-3.0; >3.0-10.0; >10.0 x ULN (ULN 17)
    [(17.0, 0), (17.1, 1), (25.5, 1), (25.6, 2), (51.0, 2), (51.1, 3), (170.0, 3), (170.1, 4)],
)
def test_bilirubin_grade_boundaries(value: float, grade: int) -> None:
    assert grade_lab("Blood bilirubin increased", value, "umol/L", uln=17.0).grade == grade


def test_issue_example_bilirubin_40_umol_per_l() -> None:
    result = grade_lab("Blood bilirubin increased", 40, "umol/L", uln=17)
    assert result.grade == 2  # 2.35 x ULN
    assert "2.353 x ULN" in result.reason


def test_bilirubin_in_mg_per_dl() -> None:
    assert grade_lab("Blood bilirubin increased", 2.0, "mg/dL", uln=1.2).grade == 2


@pytest.mark.parametrize(
    ("term", "uln", "cases"),
    [
        # ALT/AST: >ULN-3.0; >3.0-5.0; >5.0-20.0; >20.0 x ULN
        ("Alanine aminotransferase increased", 40.0,
         [(40, 0), (120, 1), (121, 2), (200, 2), (201, 3), (800, 3), (801, 4)]),
        ("AST increased", 40.0, [(41, 1), (200, 2), (800, 3), (801, 4)]),
        # ALP/GGT: >ULN-2.5; >2.5-5.0; >5.0-20.0; >20.0 x ULN
        ("Alkaline phosphatase increased", 100.0,
         [(100, 0), (250, 1), (251, 2), (500, 2), (501, 3), (2000, 3), (2001, 4)]),
        ("GGT increased", 50.0, [(125, 1), (126, 2), (251, 3), (1001, 4)]),
    ],
)
def test_enzyme_grades(term: str, uln: float, cases: list[tuple[float, int]]) -> None:
    for value, grade in cases:
        assert grade_lab(term, value, "U/L", uln=uln).grade == grade, value


@pytest.mark.parametrize(
    ("value", "baseline", "grade"),
    [
        (100.0, None, 1),  # 1.11 x ULN 90
        (100.0, 60.0, 2),  # 1.67 x baseline: >1.5-3.0 x baseline
        (200.0, 60.0, 3),  # 3.33 x baseline: >3.0 x baseline (ULN says grade 2)
        (85.0, 80.0, 1),  # below the ULN but > 1 x baseline
        (601.0, 60.0, 4),  # > 6 x ULN
    ],
)
def test_creatinine_by_uln_or_baseline(value: float, baseline: float | None, grade: int) -> None:
    result = grade_lab("Creatinine increased", value, "umol/L", uln=90.0, baseline=baseline)
    assert result.grade == grade


def test_creatinine_in_mg_per_dl_with_baseline() -> None:
    assert grade_lab("Creatinine increased", 2.0, "mg/dL", uln=1.1, baseline=0.6).grade == 3


# ----------------------------------------------------------------------------- decreased terms


@pytest.mark.parametrize(
    ("term", "lln", "cases"),
    [
        # Platelets: <LLN-75.0; <75.0-50.0; <50.0-25.0; <25.0 x 10^9/L
        ("Platelet count decreased", 150.0,
         [(150, 0), (149, 1), (75, 1), (74.9, 2), (50, 2), (49.9, 3), (25, 3), (24.9, 4)]),
        # WBC: <LLN-3.0; <3.0-2.0; <2.0-1.0; <1.0
        ("White blood cell decreased", 4.0, [(4.0, 0), (3.0, 1), (2.9, 2), (1.9, 3), (0.9, 4)]),
        # Neutrophils: <LLN-1.5; <1.5-1.0; <1.0-0.5; <0.5
        ("Neutrophil count decreased", 2.0, [(1.6, 1), (1.4, 2), (0.9, 3), (0.4, 4)]),
        # Lymphocytes: <LLN-0.8; <0.8-0.5; <0.5-0.2; <0.2
        ("Lymphocyte count decreased", 1.0, [(0.9, 1), (0.7, 2), (0.4, 3), (0.1, 4)]),
    ],
)
def test_count_grades(term: str, lln: float, cases: list[tuple[float, int]]) -> None:
    for value, grade in cases:
        assert grade_lab(term, value, "10^9/L", lln=lln).grade == grade, value


def test_counts_per_mm3() -> None:
    # CTCAE prints <75,000-50,000/mm3 for grade 2
    assert grade_lab("Platelet count decreased", 60000, "/mm3").grade == 2
    assert grade_lab("Platelet count decreased", 100000, "/mm3", lln=150000).grade == 1


@pytest.mark.parametrize(
    ("value", "unit", "lln", "grade"),
    [
        # Anemia: <LLN-10.0 g/dL (6.2 mmol/L; 100 g/L); <10.0-8.0 g/dL (6.2-4.9 mmol/L; 100-80 g/L);
        # <8.0 g/dL (4.9 mmol/L; 80 g/L)
        (12.5, "g/dL", 12.0, 0),
        (10.0, "g/dL", 12.0, 1),
        (9.9, "g/dL", 12.0, 2),
        (7.9, "g/dL", 12.0, 3),
        (6.2, "mmol/L", 7.5, 1),
        (6.1, "mmol/L", 7.5, 2),
        (4.9, "mmol/L", 7.5, 2),  # the printed mmol/L threshold (4.9), not 8 x 0.6206 = 4.965
        (4.8, "mmol/L", 7.5, 3),
        (79.0, "g/L", 120.0, 3),
    ],
)
def test_anemia_grades_in_each_unit(value: float, unit: str, lln: float, grade: int) -> None:
    assert grade_lab("Anemia", value, unit, lln=lln).grade == grade


def test_anemia_grade_4_is_clinical() -> None:
    result = grade_lab("Anaemia", 3.0, "g/dL")
    assert result.grade == 3
    assert "clinical judgement" in result.reason


@settings(max_examples=100, deadline=None)
@given(st.floats(0.5, 16.0).filter(lambda g: min(abs(g - 10.0), abs(g - 8.0)) > 0.15))
def test_anemia_same_grade_in_g_dl_and_mmol_l(hb_g_dl: float) -> None:
    # away from the printed thresholds (6.2 and 4.9 mmol/L are 10 and 8 g/dL x 0.6206 rounded;
    # 4.9 / 0.6206 = 7.90 g/dL), 1 g/dL = 0.6206 mmol/L gives the same grade in both units
    in_g_dl = grade_lab("Anemia", hb_g_dl, "g/dL", lln=12.0).grade
    in_mmol = grade_lab("Anemia", hb_g_dl * 0.6206, "mmol/L", lln=12.0 * 0.6206).grade
    assert in_g_dl == in_mmol


@pytest.mark.parametrize(
    ("value", "unit", "grade"),
    # Hypoalbuminemia: <LLN-3 g/dL (30 g/L); <3-2 g/dL (30-20 g/L); <2 g/dL (20 g/L)
    [(3.5, "g/dL", 0), (3.0, "g/dL", 1), (2.9, "g/dL", 2), (1.9, "g/dL", 3), (34.0, "g/L", 1),
     (19.0, "g/L", 3)],
)
def test_hypoalbuminemia(value: float, unit: str, grade: int) -> None:
    lln = 3.5 if unit == "g/dL" else 35.0
    assert grade_lab("Hypoalbuminemia", value, unit, lln=lln).grade == grade


# ----------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"term": "Bili high"}, InvalidValueError, r"term = 'Bili high': expected a CTCAE"),
        ({"unit": "mmol/parsec"}, InvalidValueError, r"unit = 'mmol/parsec'"),
        ({"unit": "g/dL"}, UnitMismatchError, r"unit = 'g/dL': expected a unit of bilirubin"),
        ({"value": -1.0}, InvalidValueError, r"value = -1\.0: expected a lab value >= 0"),
        ({"uln": None}, InvalidValueError, r"uln = None: expected the lab's upper limit"),
        ({"uln": 0.0}, InvalidValueError, r"uln = 0\.0: expected a number > 0"),
        ({"uln": -5.0}, InvalidValueError, r"^uln = -5\.0: expected a number > 0$"),
        ({"lln": 20.0}, InvalidValueError,
         r"^lln = 20\.0: expected a lower limit of normal below uln \(17\)$"),
        ({"lln": 17.0}, InvalidValueError, r"^lln = 17\.0: expected a lower limit of normal"),
        ({"baseline": 10.0}, InvalidValueError,
         r"^baseline = 10\.0: expected no baseline for 'Blood bilirubin increased': only "
         r"'Creatinine increased'"),
    ],
)
def test_grading_errors_name_the_field(
    kwargs: dict[str, Any], error: type[Exception], message: str
) -> None:
    arguments: dict[str, Any] = {
        "term": "Blood bilirubin increased", "value": 40.0, "unit": "umol/L", "uln": 17.0
    }
    arguments.update(kwargs)
    term, value, unit = arguments.pop("term"), arguments.pop("value"), arguments.pop("unit")
    with pytest.raises(error, match=message):
        grade_lab(term, value, unit, **arguments)


def test_grade_1_of_a_decreased_term_needs_the_lln() -> None:
    with pytest.raises(InvalidValueError, match=r"lln = None: expected the lab's lower limit"):
        grade_lab("Platelet count decreased", 120, "10^9/L")


# CTCAE v4.03 (NCI, 2010), grade 3 of each laboratory term of REFERENCE.md, at a value just inside
# the published grade-3 band: "increased" terms > 3 ULN (bilirubin), > 5 ULN (ALT, AST),
# > 5 ULN (ALP, GGT), > 3 ULN (creatinine); "decreased" terms < 50 (platelets), < 2.0 (WBC),
# < 1.0 (neutrophils), < 0.5 (lymphocytes) x 10^9/L; Hb < 8 g/dL; albumin < 2 g/dL.
CTCAE_V403_GRADE_3 = [
    ("Blood bilirubin increased", 3.1, "umol/L", {"uln": 1.0}),
    ("Alanine aminotransferase increased", 5.1, "U/L", {"uln": 1.0}),
    ("Aspartate aminotransferase increased", 5.1, "U/L", {"uln": 1.0}),
    ("Alkaline phosphatase increased", 5.1, "U/L", {"uln": 1.0}),
    ("GGT increased", 5.1, "U/L", {"uln": 1.0}),
    ("Creatinine increased", 3.1, "umol/L", {"uln": 1.0}),
    ("Platelet count decreased", 49.0, "10^9/L", {"lln": 150.0}),
    ("White blood cell decreased", 1.9, "10^9/L", {"lln": 4.0}),
    ("Neutrophil count decreased", 0.9, "10^9/L", {"lln": 2.0}),
    ("Lymphocyte count decreased", 0.49, "10^9/L", {"lln": 1.0}),
    ("Anemia", 7.9, "g/dL", {"lln": 12.0}),
    ("Hypoalbuminemia", 1.9, "g/dL", {"lln": 3.5}),
]


@pytest.mark.parametrize(("term", "value", "unit", "limits"), CTCAE_V403_GRADE_3)
def test_every_reference_term_grades_its_published_grade_3_band(
    term: str, value: float, unit: str, limits: dict[str, float]
) -> None:
    """Each of the 12 laboratory terms of REFERENCE.md is graded by the CTCAE v4.03 table (a
    value just inside grade 3 gives 3), and the enum holds exactly these terms."""
    assert grade_lab(term, value, unit, **limits).grade == 3
    assert LabTerm(term).value == term


def test_the_enum_holds_only_the_reference_terms() -> None:
    assert {t.value for t in LabTerm} == {row[0] for row in CTCAE_V403_GRADE_3}


# ----------------------------------------------------------------------------- adverse events


def ae(**fields: Any) -> AdverseEvent:
    base: dict[str, Any] = {
        "id": "AE1", "patient_id": "P1", "term": "Abdominal pain", "grade": 2,
        "onset": "2025-03-02", "relatedness": "possible",
    }
    base.update(fields)
    return validate_record(AdverseEvent, base)


def test_worst_grade_per_patient_and_term() -> None:
    events = [
        ae(id="1", grade=1), ae(id="2", grade=3, term="abdominal pain"), ae(id="3", grade=2),
        ae(id="4", patient_id="P2", grade=1), ae(id="5", term="Fatigue", grade=2),
    ]
    worst = {(w.patient_id, w.term.lower()): (w.grade, w.events) for w in worst_grades(events)}
    assert worst == {
        ("P1", "abdominal pain"): (3, ["1", "2", "3"]),
        ("P1", "fatigue"): (2, ["5"]),
        ("P2", "abdominal pain"): (1, ["4"]),
    }


SAE = {"serious": True, "seriousness_criteria": ["hospitalisation"],
       "awareness_at": "2025-03-02T10:00:00+01:00", "grade": 3}


def test_sae_reported_within_24_hours() -> None:
    event = ae(**SAE, reported_at="2025-03-03T09:59:00+01:00")
    [status] = sae_report_status([event], now=datetime.fromisoformat("2025-03-10T00:00:00+01:00"))
    assert status.deadline.isoformat() == "2025-03-03T10:00:00+01:00"
    assert status.overdue is False


def test_sae_reported_late_is_overdue() -> None:
    event = ae(**SAE, reported_at="2025-03-03T12:00:00+01:00")
    [status] = sae_report_status([event], now=datetime.fromisoformat("2025-03-10T00:00:00+01:00"))
    assert status.overdue is True
    assert "2.0 h after" in status.reason


def test_unreported_sae_is_overdue_only_after_the_deadline() -> None:
    event = ae(**SAE)
    early = sae_report_status([event], now=datetime.fromisoformat("2025-03-03T09:00:00+01:00"))
    late = sae_report_status([event], now=datetime.fromisoformat("2025-03-03T10:01:00+01:00"))
    assert (early[0].overdue, late[0].overdue) == (False, True)


def test_non_serious_events_are_not_listed() -> None:
    assert sae_report_status([ae()], now=datetime.fromisoformat("2025-03-03T09:00:00+00:00")) == []


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"serious": True, "awareness_at": "2025-03-02T10:00:00+01:00"},
         r"seriousness_criteria = \[\]: expected at least one"),
        ({"serious": True, "seriousness_criteria": ["death"]}, r"awareness_at = None"),
        ({"resolution": "2025-03-01"}, r"resolution = '2025-03-01': expected a date on or after"),
        ({"grade": 6}, r"grade = 6"),
        ({"relatedness": "maybe"}, r"relatedness = 'maybe'"),
        ({**SAE, "reported_at": "2025-03-01T10:00:00+01:00"}, r"reported_at = .*after awareness"),
        ({"seriousness_criteria": ["death"]}, r"serious = False"),
    ],
)
def test_bad_adverse_event_records(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidValueError, match=message):
        ae(**fields)


def reild_events(**onsets: str) -> list[AdverseEvent]:
    terms = {"jaundice": "Jaundice", "ascites": "Ascites", "bili": "Blood bilirubin increased",
             "albumin": "Hypoalbuminemia"}
    return [ae(id=key, term=terms[key], onset=day) for key, day in onsets.items()]


def test_reild_candidate_with_all_signs_in_the_window() -> None:
    # Sangro et al., Cancer 2008: jaundice, ascites, hyperbilirubinaemia and hypoalbuminaemia
    # 2 weeks to 4 months after treatment, without progression or biliary obstruction
    events = reild_events(jaundice="2025-04-10", ascites="2025-04-15", bili="2025-04-10",
                          albumin="2025-04-20")
    result = reild_assessment("P1", date(2025, 3, 1), events)
    assert result.candidate is True
    assert (result.window_start, result.window_end) == (date(2025, 3, 15), date(2025, 7, 1))


def test_reild_excluded_by_progression_or_obstruction() -> None:
    events = reild_events(jaundice="2025-04-10", ascites="2025-04-15", bili="2025-04-10",
                          albumin="2025-04-20")
    assert not reild_assessment("P1", date(2025, 3, 1), events,
                                progression_date=date(2025, 5, 1)).candidate
    assert not reild_assessment("P1", date(2025, 3, 1), events, biliary_obstruction=True).candidate


def test_reild_sign_outside_the_window_does_not_count() -> None:
    events = reild_events(jaundice="2025-03-10", ascites="2025-04-15", bili="2025-04-10",
                          albumin="2025-04-20")
    result = reild_assessment("P1", date(2025, 3, 1), events)
    assert result.candidate is False and result.signs_missing == ["jaundice"]


def test_reild_lab_values_can_show_the_biochemical_signs() -> None:
    events = reild_events(jaundice="2025-04-10", ascites="2025-04-15")
    labs = [
        LabValue(analyte="bilirubin", value=60, unit="umol/L", uln=17, sampled_on="2025-04-11"),
        LabValue(analyte="albumin", value=28, unit="g/L", lln=35, sampled_on="2025-04-11"),
    ]
    assert reild_assessment("P1", date(2025, 3, 1), events, labs=labs).candidate is True
