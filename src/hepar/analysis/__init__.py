"""hepar.analysis: the study's statistical analysis plan over typed records (DESIGN.md).

Pure functions over :mod:`hepar.clinical` records and numbers; no files, no database. The one
entry point of the study is :func:`analyse_study` (screening records, patient records, protocol
-> :class:`StudyAnalysis`); its parts can be called alone:

- exact binomial: :func:`clopper_pearson`, :func:`exact_binomial_p_value`, Simon two-stage
  :func:`simon_design` / :func:`simon_decision`;
- endpoints: :func:`consort_flow`, :func:`patient_responses`, :func:`primary_endpoint`;
- time to event: :func:`kaplan_meier` (lifelines), :func:`survival_endpoints` (PFS, liver PFS, OS);
- QoL: :func:`analyse_qol` (QLQ-C30 and QLQ-GI.NET21 change from baseline);
- safety: :func:`analyse_safety`; dosimetry: :func:`analyse_dosimetry`, :func:`bland_altman`;
- dose-response: :func:`dose_response` (GEE logistic with patients as clusters, ROC AUC, D50);
- figures (matplotlib ``Figure`` objects): :func:`consort_figure`, :func:`waterfall_figure`,
  :func:`swimmer_figure`, :func:`km_figure`, :func:`qol_trajectory_figure`,
  :func:`dose_response_figure`, :func:`bland_altman_figure`, :func:`dvh_figure`,
  :func:`fused_slice_figure`.
"""

from ._binomial import (
    ProportionEstimate,
    SimonDecision,
    clopper_pearson,
    exact_binomial_p_value,
    simon_decision,
    simon_design,
)
from ._dose_response import DoseResponse, dose_for_response, dose_response, lesion_responds
from ._dosimetry_analysis import (
    BlandAltman,
    CombinedDose,
    DosimetryAnalysis,
    analyse_dosimetry,
    bland_altman,
)
from ._endpoints import (
    ConsortFlow,
    PatientResponse,
    PrimaryEndpoint,
    consort_flow,
    patient_responses,
    primary_endpoint,
)
from ._figures import (
    RESPONSE_COLOURS,
    bland_altman_figure,
    consort_figure,
    dose_response_figure,
    dvh_figure,
    fused_slice_figure,
    km_figure,
    qol_trajectory_figure,
    swimmer_figure,
    waterfall_figure,
)
from ._qol_analysis import QolAnalysis, QolAssociation, ScaleSummary, analyse_qol
from ._records import LesionRecord, PatientDosimetry, PatientRecord, ScreeningRecord
from ._safety import AeListing, AeTermRow, SafetyAnalysis, analyse_safety
from ._study import StudyAnalysis, analyse_study
from ._survival import KaplanMeier, kaplan_meier
from ._time_to_event import DAYS_PER_MONTH, SurvivalEndpoints, TimeToEvent, survival_endpoints

__all__ = [
    "DAYS_PER_MONTH",
    "RESPONSE_COLOURS",
    "AeListing",
    "AeTermRow",
    "BlandAltman",
    "CombinedDose",
    "ConsortFlow",
    "DoseResponse",
    "DosimetryAnalysis",
    "KaplanMeier",
    "LesionRecord",
    "PatientDosimetry",
    "PatientRecord",
    "PatientResponse",
    "PrimaryEndpoint",
    "ProportionEstimate",
    "QolAnalysis",
    "QolAssociation",
    "SafetyAnalysis",
    "ScaleSummary",
    "ScreeningRecord",
    "SimonDecision",
    "StudyAnalysis",
    "SurvivalEndpoints",
    "TimeToEvent",
    "analyse_dosimetry",
    "analyse_qol",
    "analyse_safety",
    "analyse_study",
    "bland_altman",
    "bland_altman_figure",
    "clopper_pearson",
    "consort_figure",
    "consort_flow",
    "dose_for_response",
    "dose_response",
    "dose_response_figure",
    "dvh_figure",
    "exact_binomial_p_value",
    "fused_slice_figure",
    "kaplan_meier",
    "km_figure",
    "lesion_responds",
    "patient_responses",
    "primary_endpoint",
    "qol_trajectory_figure",
    "simon_decision",
    "simon_design",
    "survival_endpoints",
    "swimmer_figure",
    "waterfall_figure",
]
