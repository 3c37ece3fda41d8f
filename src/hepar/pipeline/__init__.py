"""hepar.pipeline: the per-patient imaging workflow as tasks, and the demo study on it.

- :class:`PatientJob`, :func:`run_patient` -> :class:`PatientImaging`: one patient's
  simulate -> calibrate -> reconstruct scout -> plan -> reconstruct treatment -> dose, keyed by
  the SHA-256 of its inputs and parameters (a re-run skips what is done);
- :func:`run_jobs`: many patients, in this process or as Dask tasks on a ``LocalCluster``;
- :func:`run_study`: the virtual study (``hepar demo --patients N``): imaging, then the study
  database, analysis and report (:mod:`hepar.services.study_demo`);
- :func:`check_batch`, :func:`run_batch`: ``hepar batch STUDIES_DIR``, the imaging pipeline over
  a folder of patient studies on disk (ingest -> reconstruct -> plan -> dose), resumable, with
  the results in the study database from one writer;
- :func:`run_tasks`: the task runner of both (this process, a ``LocalCluster`` or a scheduler
  by address).
"""

from ._batch import BATCH_MARKER, BatchPlan, check_batch, run_batch
from ._batch_inputs import STUDY_FILES, BatchParameters, find_studies
from ._batch_task import BATCH_RESULT, BatchResult
from ._patient import RESULT_FILE, PatientImaging, PatientJob, run_patient
from ._runner import check_scheduler_address, run_tasks
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
    "BATCH_MARKER",
    "BATCH_RESULT",
    "RESULT_FILE",
    "STUDY_FILES",
    "STUDY_MARKER",
    "STUDY_STAGES",
    "BatchParameters",
    "BatchPlan",
    "BatchResult",
    "PatientFailure",
    "PatientImaging",
    "PatientJob",
    "StudyRun",
    "check_batch",
    "check_scheduler_address",
    "find_studies",
    "run_batch",
    "run_jobs",
    "run_patient",
    "run_study",
    "run_tasks",
    "study_jobs",
]
