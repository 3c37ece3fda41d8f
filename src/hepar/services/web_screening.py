"""Use case: what the screening form asks, read from the protocol's criteria.

The form is built from the rules themselves (:class:`hepar.clinical.Protocol`): a yes/no question
per recorded finding a rule reads (``fact``), a date (or "never") per event (``within``,
``event_recorded``), a lab row per analyte (``lab``, and creatinine for ``egfr``), the numeric
fields the rules compare, and one attestation per criterion that needs a judgement. A site's own
protocol file therefore gets its own form without a template change.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from hepar.clinical import ActionTaken, Analyte, Protocol, Relatedness, SeriousnessCriterion
from hepar.io import load_protocol

__all__ = ["AE_CHOICES", "LAB_UNITS", "AttestationQuestion", "ScreeningForm", "screening_form"]

#: The unit a lab row of the forms starts with, per analyte (any unit hepar.clinical converts
#: may be typed instead).
LAB_UNITS: dict[str, str] = {
    "bilirubin": "umol/L", "creatinine": "umol/L", "haemoglobin": "mmol/L", "albumin": "g/L",
    "alt": "U/L", "ast": "U/L", "alp": "U/L", "ggt": "U/L", "platelets": "10^9/L",
    "leukocytes": "10^9/L", "neutrophils": "10^9/L", "lymphocytes": "10^9/L",
}
#: The choices of the adverse-event form (the values hepar.clinical.AdverseEvent accepts).
AE_CHOICES: dict[str, list[str]] = {
    "relatedness": [r.value for r in Relatedness],
    "action_taken": [a.value for a in ActionTaken],
    "seriousness_criteria": [c.value for c in SeriousnessCriterion],
}

#: Fields of the candidate record always on the form (the demographics the rules derive from).
_ALWAYS_NUMBERS = ("weight_kg", "height_cm")


@dataclass(frozen=True)
class AttestationQuestion:
    """A criterion that needs a named user's judgement."""

    criterion: str
    type: str
    text: str


@dataclass
class ScreeningForm:
    """The questions of the screening form, each list in protocol order, no repeats."""

    protocol: str
    facts: list[str] = field(default_factory=list)
    events: list[str] = field(default_factory=list)
    analytes: list[str] = field(default_factory=list)
    numbers: list[str] = field(default_factory=list)
    attestations: list[AttestationQuestion] = field(default_factory=list)
    lutetium: bool = False
    lesions: bool = False


def _walk(rule: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield rule
    for child in rule.get("rules") or ():
        yield from _walk(child)


def _add(items: list[str], value: str) -> None:
    if value not in items:
        items.append(value)


def screening_form(protocol: Protocol | str = "registry") -> ScreeningForm:
    """The questions the criteria of ``protocol`` (a record, or a shipped name or file) need."""
    study = protocol if isinstance(protocol, Protocol) else load_protocol(protocol)
    form = ScreeningForm(study.name, numbers=list(_ALWAYS_NUMBERS))
    for criterion in study.criteria:
        for rule in _walk(criterion.rule.model_dump(mode="json")):
            kind = rule["kind"]
            if kind == "fact":
                _add(form.facts, str(rule["fact"]).lower())
            elif kind in ("within", "event_recorded"):
                _add(form.events, str(rule["event"]).lower())
            elif kind == "lab":
                _add(form.analytes, Analyte(rule["analyte"]).value)
            elif kind == "egfr":
                _add(form.analytes, Analyte.CREATININE.value)
            elif kind == "number":
                _add(form.numbers, str(rule["field"]))
            elif kind == "lutetium":
                form.lutetium = True
            elif kind == "measurable_lesions":
                form.lesions = True
            elif kind == "attestation" and \
                    criterion.id not in [a.criterion for a in form.attestations]:
                form.attestations.append(AttestationQuestion(
                    criterion.id, str(criterion.type.value), criterion.text))
    return form
