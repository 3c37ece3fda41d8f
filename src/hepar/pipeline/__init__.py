"""hepar.pipeline: the per-patient imaging workflow as tasks, and the demo study on it.

- :class:`PatientJob`, :func:`run_patient` -> :class:`PatientImaging`: one patient's
  simulate -> calibrate -> reconstruct scout -> plan -> reconstruct treatment -> dose, keyed by
  the SHA-256 of its inputs and parameters (a re-run skips what is done);
- :func:`run_jobs`: many patients, in this process or as Dask tasks on a ``LocalCluster``;
- :func:`run_study`: the virtual study (``hepar demo --patients N``): imaging, then the study
  database, analysis and report (:mod:`hepar.services.study_demo`).
"""

from ._patient import RESULT_FILE, PatientImaging, PatientJob, run_patient
from ._study import (
    STUDY_MARKER,
    STUDY_STAGES,
    PatientFailure,
    StudyRun,
    run_jobs,
    run_study,
    study_jobs,
)

__all__ = [
    "RESULT_FILE",
    "STUDY_MARKER",
    "STUDY_STAGES",
    "PatientFailure",
    "PatientImaging",
    "PatientJob",
    "StudyRun",
    "run_jobs",
    "run_patient",
    "run_study",
    "study_jobs",
]
