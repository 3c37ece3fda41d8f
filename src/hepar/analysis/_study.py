"""The whole study analysis in one call: :func:`analyse_study`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from hepar.clinical import Protocol, Questionnaire

from ._dose_response import DoseResponse, dose_response
from ._dosimetry_analysis import DosimetryAnalysis, analyse_dosimetry
from ._endpoints import (
    ConsortFlow,
    PatientResponse,
    PrimaryEndpoint,
    consort_flow,
    patient_responses,
    primary_endpoint,
)
from ._qol_analysis import QolAnalysis, analyse_qol
from ._records import PatientRecord, ScreeningRecord
from ._safety import SafetyAnalysis, analyse_safety
from ._time_to_event import SurvivalEndpoints, survival_endpoints

__all__ = ["StudyAnalysis", "analyse_study"]


@dataclass(frozen=True)
class StudyAnalysis:
    """Every result of the statistical analysis plan, ready for the report."""

    protocol_label: str
    plan_source: str
    consort: ConsortFlow
    responses: list[PatientResponse]
    primary: PrimaryEndpoint
    survival: SurvivalEndpoints
    qol: QolAnalysis
    safety: SafetyAnalysis
    dosimetry: DosimetryAnalysis
    dose_response: DoseResponse
    questionnaires: list[str]
    plan_primary_visit: str
    notes: list[str] = field(default_factory=list)

    def headline(self) -> str:
        """One line: the primary endpoint (what the demo prints at the end)."""
        return (f"ORR in the treated liver volume at {self.plan_primary_visit}: "
                f"{self.primary.per_protocol.as_text()} (per protocol)")


def analyse_study(screening: Sequence[ScreeningRecord], patients: Sequence[PatientRecord],
                  protocol: Protocol, *, questionnaires: Sequence[Questionnaire],
                  notes: Sequence[str] = (), seed: int = 0) -> StudyAnalysis:
    """Run the statistical analysis plan of ``protocol`` (its ``analysis:`` section).

    Parameters
    ----------
    screening
        Every screened candidate (CONSORT).
    patients
        Every enrolled patient (treated or not) with their records.
    protocol
        The protocol; its visits place the primary window, its ``analysis`` holds the plan.
    questionnaires
        Scale definitions to score (QLQ-C30 and QLQ-GI.NET21, read by
        :func:`hepar.io.load_study_questionnaires`).
    notes
        Free text carried into the report (e.g. "doses from true activity maps").
    seed
        Of the cluster bootstrap, when the plan asks for one.
    """
    plan = protocol.analysis
    definitions = list(questionnaires)
    responses = patient_responses(patients, protocol)
    tumour_dose = {p.patient_id: p.dosimetry.tumour_gy for p in patients
                   if p.dosimetry is not None and p.dosimetry.tumour_gy is not None}
    lesions = [lesion for p in patients if p.treated for lesion in p.lesions]
    return StudyAnalysis(
        protocol_label=protocol.label, plan_source=plan.source,
        consort=consort_flow(screening, patients, responses), responses=responses,
        primary=primary_endpoint(responses, plan),
        survival=survival_endpoints([p for p in patients if p.treated],
                                    confidence_level=plan.confidence_level),
        qol=analyse_qol(patients, definitions, plan,
                        responders={r.patient_id: r.responder for r in responses if r.evaluable},
                        tumour_dose_gy={k: float(v) for k, v in tumour_dose.items()}),
        safety=analyse_safety(patients, plan),
        dosimetry=analyse_dosimetry(patients, confidence_level=plan.confidence_level),
        dose_response=dose_response(lesions, decrease_pct=plan.lesion_response_decrease_pct,
                                    confidence_level=plan.confidence_level,
                                    bootstrap_samples=plan.bootstrap_samples, seed=seed),
        questionnaires=[f"{q.instrument} ({q.source})" for q in definitions],
        notes=list(notes), plan_primary_visit=plan.primary_visit,
    )
