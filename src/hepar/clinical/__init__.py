"""hepar.clinical: the study protocol as data and the clinical engines over typed records.

Pure functions over typed records, no database and no I/O (the protocol and scale-definition files
are read by :func:`hepar.io.load_protocol` and :func:`hepar.io.load_questionnaire`):

- protocol: :class:`Protocol` (shipped versions ``"registry"``, ``"paper-v6"``) with
  its criteria, visit schedule (:func:`plan_visits`), endpoints, :class:`Prescription` and
  :class:`PlanningLimits` (read by the dosimetry) and :class:`Plausibility` (ranges that refuse
  absurd input: :func:`check_treated_mass`, :func:`check_activity`,
  :func:`check_calibration_interval`, :func:`check_candidate`);
- eligibility: :func:`evaluate_eligibility` of a :class:`Candidate`, :func:`screening_log`;
- RECIST 1.1: :func:`assess_recist` of :class:`RecistReads`, :func:`measurability`;
- EORTC QLQ-C30 (and site-supplied modules): :class:`Questionnaire`, :func:`score_answers`,
  :func:`qol_change`;
- CTCAE v4.03: :func:`grade_lab`, :class:`AdverseEvent`, :func:`worst_grades`,
  :func:`sae_report_status`, :func:`reild_assessment`.

The record types (:class:`Candidate`, :class:`LabValue`, :class:`AdverseEvent`, :class:`Lesion`,
:class:`TimePoint`, :class:`QuestionnaireAnswers` ...) are the ones the virtual-patient generator,
the store and the command line produce. :func:`validate_record` builds one from loose data and
turns a validation problem into one :class:`hepar.errors.InvalidValueError` naming the field.
"""

from hepar.clinical._adverse_events import (
    ActionTaken,
    AdverseEvent,
    ReildAssessment,
    Relatedness,
    SaeStatus,
    SeriousnessCriterion,
    WorstGrade,
    reild_assessment,
    sae_report_status,
    worst_grades,
)
from hepar.clinical._analysis_plan import AnalysisPlan, Population, SimonDesign
from hepar.clinical._base import LenientEnum, Record, validate_record
from hepar.clinical._candidate import Attestation, BaselineLesion, Candidate, LutetiumCycle, Sex
from hepar.clinical._criteria import Comparison, CriterionType, Rule
from hepar.clinical._ctcae import LabGrade, LabTerm, grade_lab
from hepar.clinical._eligibility import (
    CriterionResult,
    EligibilityResult,
    ScreeningLog,
    ScreeningLogEntry,
    Verdict,
    evaluate_eligibility,
    screening_log,
)
from hepar.clinical._labs import LabValue
from hepar.clinical._mdrd import body_surface_area_dubois_m2, egfr_mdrd_ml_min_1_73m2
from hepar.clinical._plausibility import (
    Plausibility,
    check_activity,
    check_calibration_interval,
    check_candidate,
    check_treated_mass,
)
from hepar.clinical._protocol import (
    DEFAULT_PROTOCOL,
    Criterion,
    Endpoint,
    PlanningLimits,
    Prescription,
    Protocol,
    RecistRules,
    Visit,
)
from hepar.clinical._qol import (
    QolScores,
    Questionnaire,
    QuestionnaireAnswers,
    ScaleDefinition,
    ScaleType,
    score_answers,
)
from hepar.clinical._qol_change import ChangeClass, ScaleChange, qol_change
from hepar.clinical._recist import RecistAssessment, TimePointResponse, assess_recist
from hepar.clinical._recist_best import BestResponse, best_overall_response
from hepar.clinical._recist_measurability import (
    Measurability,
    check_target_selection,
    measurability,
    minimum_measurable_mm,
)
from hepar.clinical._recist_records import (
    ImagingMethod,
    Lesion,
    LesionRole,
    Measurement,
    MeasurementCode,
    NewLesions,
    NonTargetState,
    RecistReads,
    RecistSettings,
    TimePoint,
)
from hepar.clinical._recist_timepoint import (
    PR_FRACTION,
    TOO_SMALL_MM,
    Response,
    non_target_response,
    overall_response,
    target_response,
)
from hepar.clinical._units import Analyte, LabUnit, convert_lab_value
from hepar.clinical._visits import PlannedVisit, plan_visits, visit_deviation_days

__all__ = [
    "DEFAULT_PROTOCOL",
    "PR_FRACTION",
    "TOO_SMALL_MM",
    "ActionTaken",
    "AdverseEvent",
    "AnalysisPlan",
    "Analyte",
    "Attestation",
    "BaselineLesion",
    "BestResponse",
    "Candidate",
    "ChangeClass",
    "Comparison",
    "Criterion",
    "CriterionResult",
    "CriterionType",
    "EligibilityResult",
    "Endpoint",
    "ImagingMethod",
    "LabGrade",
    "LabTerm",
    "LabUnit",
    "LabValue",
    "LenientEnum",
    "Lesion",
    "LesionRole",
    "LutetiumCycle",
    "Measurability",
    "Measurement",
    "MeasurementCode",
    "NewLesions",
    "NonTargetState",
    "PlannedVisit",
    "PlanningLimits",
    "Plausibility",
    "Population",
    "Prescription",
    "Protocol",
    "QolScores",
    "Questionnaire",
    "QuestionnaireAnswers",
    "RecistAssessment",
    "RecistReads",
    "RecistRules",
    "RecistSettings",
    "Record",
    "ReildAssessment",
    "Relatedness",
    "Response",
    "Rule",
    "SaeStatus",
    "ScaleChange",
    "ScaleDefinition",
    "ScaleType",
    "ScreeningLog",
    "ScreeningLogEntry",
    "SeriousnessCriterion",
    "Sex",
    "SimonDesign",
    "TimePoint",
    "TimePointResponse",
    "Verdict",
    "Visit",
    "WorstGrade",
    "assess_recist",
    "best_overall_response",
    "body_surface_area_dubois_m2",
    "check_activity",
    "check_calibration_interval",
    "check_candidate",
    "check_target_selection",
    "check_treated_mass",
    "convert_lab_value",
    "egfr_mdrd_ml_min_1_73m2",
    "evaluate_eligibility",
    "grade_lab",
    "measurability",
    "minimum_measurable_mm",
    "non_target_response",
    "overall_response",
    "plan_visits",
    "qol_change",
    "reild_assessment",
    "sae_report_status",
    "score_answers",
    "screening_log",
    "target_response",
    "validate_record",
    "visit_deviation_days",
    "worst_grades",
]
