"""Virtual patients and the independent SPECT/CT acquisition simulator (DESIGN.md, phantoms).

No patient data exists in hepar: tests, benchmarks and the demo study use virtual patients.

* Anatomy: :func:`generate_anatomy` (seeded, parametric abdomen with liver lobes, NET
  metastases, lungs, kidneys, spleen, stomach, vessels, spine and ribs), sampled on any grid.
* Activity: 177Lu-dotatate kinetics (:func:`draw_lu177_kinetics`), 166Ho scout and treatment
  (:func:`draw_ho166_distributions`, :func:`planned_treatment_activity_mbq`), true dose by local
  deposition (:func:`local_deposition_dose_gy`).
* Acquisition: :func:`simulate_acquisition` with its own fine-grid forward model
  (:class:`FineGridProjector`), collimator geometry (:class:`Collimator`), camera
  (:class:`Camera`), spectral model (scatter, 166Ho downscatter/bremsstrahlung, crosstalk),
  dead time and Poisson noise.
* Calibration: :func:`simulate_calibration_acquisition`, a source of known activity in air
  (NEMA planar dish or a filled cylinder) through the same simulator.
* Whole patients: :func:`generate_virtual_patient` with the ``tiny`` and ``clinical``
  presets; their clinical record (:func:`generate_clinical_record`, typed records of
  :mod:`hepar.clinical`); a cohort with screen failures (:func:`cohort_plan`,
  :func:`screen_failure_candidate`). Writing files is a use case of ``hepar.services`` (this
  layer knows no file formats).
"""

from ._acquisition import (
    AcquisitionProtocol,
    ScatterModel,
    SimulatedAcquisition,
    SimulationOptions,
    Source,
    simulate_acquisition,
)
from ._anatomy import (
    Anatomy,
    Labels,
    TreatedTerritory,
    generate_anatomy,
)
from ._calibration_source import (
    CALIBRATION_SOURCE_ACTIVITY_MBQ,
    CalibrationSource,
    simulate_calibration_acquisition,
)
from ._camera import Camera, line_window_fraction
from ._clinical_record import (
    ATTESTED_CRITERIA,
    LAB_REFERENCES,
    ClinicalRecord,
    DoseResponseModel,
    LesionTruth,
    Outcome,
    generate_clinical_record,
)
from ._cohort import FAILURE_CRITERIA, CohortMember, cohort_plan, screen_failure_candidate
from ._collimator import LEHR, MEDIUM_ENERGY, Collimator, collimator_for
from ._dose import LOCAL_DEPOSITION_METHOD, local_deposition_dose_gy
from ._geometry import ViewPlan, detector_axes, view_plan
from ._ho166 import (
    HO166_PRESCRIBED_DOSE_GY,
    HO166_SCOUT_ACTIVITY_MBQ,
    HoDistribution,
    draw_ho166_distributions,
    planned_treatment_activity_mbq,
)
from ._lesions import (
    MAX_LESION_DIAMETER_MM,
    MAX_TUMOUR_VOLUME_FRACTION,
    MIN_LESION_DIAMETER_MM,
    Lesion,
    liver_volume_ml,
)
from ._lu177 import (
    LU177_ACTIVITY_PER_CYCLE_MBQ,
    Compartment,
    Lu177Kinetics,
    draw_lu177_kinetics,
)
from ._patient import (
    DUAL_ISOTOPE_WINDOWS,
    HO166_PHOTOPEAK,
    HO166_UPPER_SCATTER,
    LU177_WINDOWS,
    POST_TREATMENT_SCAN_MAX_MBQ,
    PatientOptions,
    ScanTruth,
    Session,
    Timeline,
    VirtualPatient,
    generate_virtual_patient,
    patient_anatomy,
    patient_timeline,
    treatment_scan_time,
)
from ._presets import PRESETS, Preset, PresetName, preset
from ._projector import EmissionTerm, FineGridProjector, ProjectorOutput
from ._seeding import SITE_TIMEZONE, check_seed, deterministic_uid, stream, study_epoch
from ._shapes import Ellipsoid, EllipticCylinder, RibArc, axial_grid
from ._spectrum import (
    BroadBackground,
    broad_background_for,
    compton_energy_kev,
    compton_window_fraction,
)
from ._sphere_phantom import (
    PHANTOM_SPHERE_DIAMETERS_MM,
    SPHERE_TO_BACKGROUND,
    SpherePhantom,
    simulate_sphere_phantom,
)
from ._tissues import STRUCTURE_PROPERTIES, Structure, StructureProperties
from ._truth import TRUTH_FORMAT, TRUTH_VERSION, patient_truth

__all__ = [
    "ATTESTED_CRITERIA",
    "CALIBRATION_SOURCE_ACTIVITY_MBQ",
    "DUAL_ISOTOPE_WINDOWS",
    "FAILURE_CRITERIA",
    "HO166_PHOTOPEAK",
    "HO166_PRESCRIBED_DOSE_GY",
    "HO166_SCOUT_ACTIVITY_MBQ",
    "HO166_UPPER_SCATTER",
    "LAB_REFERENCES",
    "LEHR",
    "LOCAL_DEPOSITION_METHOD",
    "LU177_ACTIVITY_PER_CYCLE_MBQ",
    "LU177_WINDOWS",
    "MAX_LESION_DIAMETER_MM",
    "MAX_TUMOUR_VOLUME_FRACTION",
    "MEDIUM_ENERGY",
    "MIN_LESION_DIAMETER_MM",
    "PHANTOM_SPHERE_DIAMETERS_MM",
    "POST_TREATMENT_SCAN_MAX_MBQ",
    "PRESETS",
    "SITE_TIMEZONE",
    "SPHERE_TO_BACKGROUND",
    "STRUCTURE_PROPERTIES",
    "TRUTH_FORMAT",
    "TRUTH_VERSION",
    "AcquisitionProtocol",
    "Anatomy",
    "BroadBackground",
    "CalibrationSource",
    "Camera",
    "ClinicalRecord",
    "CohortMember",
    "Collimator",
    "Compartment",
    "DoseResponseModel",
    "Ellipsoid",
    "EllipticCylinder",
    "EmissionTerm",
    "FineGridProjector",
    "HoDistribution",
    "Labels",
    "Lesion",
    "LesionTruth",
    "Lu177Kinetics",
    "Outcome",
    "PatientOptions",
    "Preset",
    "PresetName",
    "ProjectorOutput",
    "RibArc",
    "ScanTruth",
    "ScatterModel",
    "Session",
    "SimulatedAcquisition",
    "SimulationOptions",
    "Source",
    "SpherePhantom",
    "Structure",
    "StructureProperties",
    "Timeline",
    "TreatedTerritory",
    "ViewPlan",
    "VirtualPatient",
    "axial_grid",
    "broad_background_for",
    "check_seed",
    "cohort_plan",
    "collimator_for",
    "compton_energy_kev",
    "compton_window_fraction",
    "detector_axes",
    "deterministic_uid",
    "draw_ho166_distributions",
    "draw_lu177_kinetics",
    "generate_anatomy",
    "generate_clinical_record",
    "generate_virtual_patient",
    "line_window_fraction",
    "liver_volume_ml",
    "local_deposition_dose_gy",
    "patient_anatomy",
    "patient_timeline",
    "patient_truth",
    "planned_treatment_activity_mbq",
    "preset",
    "screen_failure_candidate",
    "simulate_acquisition",
    "simulate_calibration_acquisition",
    "simulate_sphere_phantom",
    "stream",
    "study_epoch",
    "treatment_scan_time",
    "view_plan",
]
