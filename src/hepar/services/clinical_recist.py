"""Use case: assess a patient's RECIST 1.1 reads.

:func:`assess_reads` works on the typed :class:`~hepar.clinical.RecistReads`;
:func:`assess_reads_file` is the command's file edge (reading through :mod:`hepar.io`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hepar.clinical import RecistAssessment, RecistReads, assess_recist
from hepar.io import read_record

__all__ = ["assess_reads", "assess_reads_file", "recist_json"]


def assess_reads(reads: RecistReads) -> RecistAssessment:
    """Assess every time point and the best overall response."""
    return assess_recist(reads)


def recist_json(assessment: RecistAssessment) -> dict[str, Any]:
    """The ``hepar recist --json`` contract.

    ``timepoints`` (each ``date``, ``sum_mm``, ``change_from_baseline_pct``,
    ``change_from_nadir_pct``, ``target``, ``non_target``, ``overall``, ``reason``),
    ``best_overall_response``, ``date_of_progression``; also ``best_overall_response_reason``,
    ``progression_reason``, ``duration_of_response_days`` (from the first CR or PR, whichever is
    first recorded), ``duration_of_complete_response_days`` (from the first CR),
    ``duration_of_response_censored``, ``lesions_assessed``.
    """
    return assessment.model_dump(mode="json")


def assess_reads_file(path: str | Path) -> dict[str, Any]:
    """File edge of ``hepar recist``: the reads in JSON file ``path``, assessed; the
    ``hepar recist --json`` output."""
    return recist_json(assess_reads(read_record(RecistReads, path)))
