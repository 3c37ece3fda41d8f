"""Use case: live QoL scores of a booklet being entered (the scoring :func:`record_qol` saves)."""

from __future__ import annotations

from collections.abc import Sequence

from hepar.clinical import QuestionnaireAnswers, score_answers
from hepar.io import load_questionnaire

__all__ = ["booklet_scores"]


def booklet_scores(answers: QuestionnaireAnswers,
                   questionnaires: Sequence[str] = ("qlq-c30",)) -> dict[str, float | None]:
    """Scale code -> score 0-100 (None where the half-items rule fails) and ``summary``, over
    the items of ``questionnaires``; answers to other items (a site's module) are kept by the
    store but not scored here, as in :func:`hepar.services.study_records.record_qol`."""
    definitions = [load_questionnaire(name) for name in questionnaires]
    known = {item for definition in definitions for item in definition.item_numbers}
    chosen = {k: v for k, v in answers.answers.items() if k in known}
    return score_answers(chosen, definitions).flat()
