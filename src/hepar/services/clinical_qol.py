"""Use case: score EORTC questionnaire answers, and their change from baseline.

:func:`score_qol` and :func:`qol_change_json` work on answers (item number -> answer) and typed
:class:`~hepar.clinical.Questionnaire` definitions; :func:`score_answers_file` and
:func:`qol_change_files` are the commands' file edge (reading through :mod:`hepar.io`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from hepar.clinical import QolScores, Questionnaire, qol_change, score_answers
from hepar.errors import InvalidValueError
from hepar.io import load_questionnaire, read_json

__all__ = [
    "qol_change_files",
    "qol_change_json",
    "questionnaires",
    "score_answers_file",
    "score_qol",
]


def questionnaires(definitions: Sequence[str | Path] = ()) -> list[Questionnaire]:
    """QLQ-C30 plus the site's scale-definition files (e.g. QLQ-GI.NET21) in ``definitions``."""
    return [load_questionnaire("qlq-c30"), *(load_questionnaire(d) for d in definitions)]


def score_qol(answers: Mapping[Any, Any], definitions: Sequence[Questionnaire]) -> QolScores:
    """Scores of one set of answers (item number -> answer) by every questionnaire given."""
    if not isinstance(answers, Mapping):
        raise InvalidValueError(
            field="answers",
            value=type(answers).__name__,
            expected='a JSON object of item number -> answer, e.g. {"1": 2, "2": 1}',
        )
    return score_answers(answers, definitions)


def qol_change_json(
    baseline: QolScores,
    follow_up: QolScores,
    definitions: Sequence[Questionnaire],
    *,
    threshold_points: float = 10.0,
) -> dict[str, Any]:
    """The ``hepar qol change --json`` output: per scale (and ``summary``) ``baseline``,
    ``follow_up``, ``change`` and ``classification`` (improved / stable / deteriorated)."""
    changes = qol_change(baseline, follow_up, definitions, threshold_points=threshold_points)
    return {
        "threshold_points": threshold_points,
        "scales": {
            c.code: c.model_dump(mode="json", exclude={"code"}) for c in changes
        },
    }


def _score_file(path: str | Path, definitions: Sequence[Questionnaire]) -> QolScores:
    try:
        return score_qol(read_json(path), definitions)
    except InvalidValueError as error:
        if error.source is not None:
            raise
        raise InvalidValueError(
            field=error.field, value=error.value, expected=error.expected, source=Path(path).name
        ) from None


def score_answers_file(
    path: str | Path, definitions: Sequence[str | Path] = ()
) -> dict[str, float | None]:
    """File edge of ``hepar qol score``: scale code -> score (``null`` if not scorable), plus
    ``summary``."""
    return _score_file(path, questionnaires(definitions)).flat()


def qol_change_files(
    baseline: str | Path,
    follow_up: str | Path,
    definitions: Sequence[str | Path] = (),
    *,
    threshold_points: float = 10.0,
) -> dict[str, Any]:
    """File edge of ``hepar qol change``: :func:`qol_change_json` of two answer files."""
    defs = questionnaires(definitions)
    return qol_change_json(
        _score_file(baseline, defs), _score_file(follow_up, defs), defs,
        threshold_points=threshold_points,
    )
