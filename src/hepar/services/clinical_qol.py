"""Use case: score EORTC questionnaire answers, and their change from baseline."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hepar.clinical import QolScores, Questionnaire, qol_change, score_answers
from hepar.errors import InvalidValueError
from hepar.io import load_questionnaire
from hepar.services._clinical_input import read_json

__all__ = ["qol_change_files", "questionnaires", "score_answers_file"]


def questionnaires(definitions: Sequence[str | Path] = ()) -> list[Questionnaire]:
    """QLQ-C30 plus the site's scale-definition files (e.g. QLQ-GI.NET21) in ``definitions``."""
    return [load_questionnaire("qlq-c30"), *(load_questionnaire(d) for d in definitions)]


def _answers(path: str | Path) -> dict[Any, Any]:
    data = read_json(path)
    if not isinstance(data, dict):
        raise InvalidValueError(
            field="answers",
            value=type(data).__name__,
            expected='a JSON object of item number -> answer, e.g. {"1": 2, "2": 1}',
            source=Path(path).name,
        )
    return data


def _score(path: str | Path, definitions: Sequence[Questionnaire]) -> QolScores:
    try:
        return score_answers(_answers(path), definitions)
    except InvalidValueError as error:
        raise InvalidValueError(
            field=error.field, value=error.value, expected=error.expected, source=Path(path).name
        ) from None


def score_answers_file(
    path: str | Path, definitions: Sequence[str | Path] = ()
) -> dict[str, float | None]:
    """The ``hepar qol score --json`` output: scale code -> score (``null`` if not scorable),
    plus ``summary``."""
    return _score(path, questionnaires(definitions)).flat()


def qol_change_files(
    baseline: str | Path,
    follow_up: str | Path,
    definitions: Sequence[str | Path] = (),
    *,
    threshold_points: float = 10.0,
) -> dict[str, Any]:
    """The ``hepar qol change --json`` output: per scale (and ``summary``) ``baseline``,
    ``follow_up``, ``change`` and ``classification`` (improved / stable / deteriorated)."""
    defs = questionnaires(definitions)
    changes = qol_change(
        _score(baseline, defs), _score(follow_up, defs), defs, threshold_points=threshold_points
    )
    return {
        "threshold_points": threshold_points,
        "scales": {
            c.code: c.model_dump(mode="json", exclude={"code"}) for c in changes
        },
    }
