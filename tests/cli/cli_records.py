"""Valid inputs of the clinical commands (made up, no patient data), which the bad-input tests
break one field at a time. Imported by the tests of this folder."""

from __future__ import annotations

import copy
from typing import Any

ATTESTED_AT = "2025-01-06T10:00:00+01:00"

CANDIDATE: dict[str, Any] = {
    "id": "S-001",
    "screening_date": "2025-01-06",
    "treatment_date": "2025-02-24",
    "sex": "female",
    "birth_date": "1960-05-01",
    "weight_kg": 70,
    "height_cm": 168,
    "who_performance_status": 1,
    "unresolved_toxicity_grade": 0,
    "liver_tumour_involvement_pct": 25,
    "labs": [
        {"analyte": "bilirubin", "value": 12, "unit": "umol/L", "uln": 17,
         "sampled_on": "2025-01-03"},
        {"analyte": "creatinine", "value": 80, "unit": "umol/L", "uln": 90},
        {"analyte": "alt", "value": 40, "unit": "U/L", "uln": 45},
        {"analyte": "ast", "value": 30, "unit": "U/L", "uln": 40},
        {"analyte": "alp", "value": 200, "unit": "U/L", "uln": 120},
        {"analyte": "leukocytes", "value": 4.5, "unit": "10^9/L"},
        {"analyte": "platelets", "value": 180, "unit": "10^9/L"},
    ],
    "lesions": [{"id": "L1", "organ": "liver", "diameter_mm": 32},
                {"id": "L2", "organ": "liver", "diameter_mm": 18}],
    "lutetium_cycles": [{"administered_on": "2024-07-08", "activity_mbq": 7400},
                        {"administered_on": "2024-12-16", "activity_mbq": 7400}],
    "events": {"informed consent": "2025-01-06", "radiotherapy": None, "chemotherapy": None,
               "major surgery": None},
    "facts": {"histologically confirmed NET": True, "childbearing potential": False,
              "pregnant": False},
    "attestations": [
        {"criterion": "E10", "met": False, "attested_by": "dr.investigator",
         "attested_at": ATTESTED_AT},
    ],
}

READS: dict[str, Any] = {
    "settings": {"confirmation": False, "min_sd_days": 42},
    "lesions": [
        {"id": "T1", "role": "target", "organ": "liver"},
        {"id": "N1", "role": "non-target", "organ": "liver"},
    ],
    "timepoints": [
        {"date": "2025-01-10", "measurements_mm": {"T1": 32.0}, "non_target": {"N1": "present"},
         "new_lesions": False},
        {"date": "2025-04-10", "measurements_mm": {"T1": 20.0}, "non_target": {"N1": "present"},
         "new_lesions": False},
    ],
}

EVENT: dict[str, Any] = {
    "id": "1", "patient_id": "P1", "term": "Abdominal pain", "grade": 3, "onset": "2025-03-02",
    "relatedness": "probable", "serious": True, "seriousness_criteria": ["hospitalisation"],
    "awareness_at": "2025-03-02T10:00:00+01:00",
}

#: QLQ-C30 answers 1-28 on 1..4, 29-30 on 1..7.
ANSWERS: dict[str, int] = {**{str(i): 2 for i in range(1, 29)}, "29": 5, "30": 5}


def changed(record: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A deep copy of ``record`` with the field at ``path`` (``"labs.0.value"``) set to
    ``value``; the sentinel ``DELETE`` removes it."""
    data = copy.deepcopy(record)
    *parents, last = path.split(".")
    node: Any = data
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    key: Any = int(last) if isinstance(node, list) else last
    if value is DELETE:
        del node[key]
    else:
        node[key] = value
    return data


def appended(record: dict[str, Any], path: str, item: Any) -> dict[str, Any]:
    """A deep copy of ``record`` with ``item`` appended to the list at ``path``."""
    data = copy.deepcopy(record)
    node: Any = data
    for part in path.split("."):
        node = node[int(part)] if isinstance(node, list) else node[part]
    node.append(copy.deepcopy(item))
    return data


DELETE = object()
