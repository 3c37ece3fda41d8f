"""Change of EORTC scores from baseline, classified by a minimal important difference."""

from __future__ import annotations

from collections.abc import Sequence

from hepar.clinical._base import LenientEnum, Record
from hepar.clinical._qol import QolScores, Questionnaire, ScaleType
from hepar.errors import InvalidValueError

__all__ = ["ChangeClass", "ScaleChange", "qol_change"]

# Osoba D, Rodrigues G, Myles J, et al. Interpreting the significance of changes in health-related
# quality-of-life scores. J Clin Oncol 1998;16:139-144: a change of 10-20 points is "moderate", the
# usual threshold of a clinically relevant change on the QLQ-C30.
DEFAULT_THRESHOLD_POINTS = 10.0


class ChangeClass(LenientEnum):
    """Direction of a change, judged against the threshold."""

    IMPROVED = "improved"
    STABLE = "stable"
    DETERIORATED = "deteriorated"


class ScaleChange(Record):
    """Change of one scale from baseline."""

    code: str
    baseline: float | None
    follow_up: float | None
    change: float | None
    classification: ChangeClass | None


def qol_change(
    baseline: QolScores,
    follow_up: QolScores,
    questionnaires: Questionnaire | Sequence[Questionnaire],
    *,
    threshold_points: float = DEFAULT_THRESHOLD_POINTS,
) -> list[ScaleChange]:
    """Change from baseline of every scale and of the summary score.

    A change of at least ``threshold_points`` is an improvement when the score moved in the good
    direction (up for functional scales, global health status and the summary score; down for
    symptom scales), a deterioration otherwise; a smaller change is stable. Scales missing at either
    time have no classification.

    Examples
    --------
    >>> from hepar.io import load_questionnaire
    >>> c30 = load_questionnaire()
    >>> before = QolScores(scores={"FA": 33.3, "PF2": 80.0}, summary=None)
    >>> after = QolScores(scores={"FA": 55.6, "PF2": 73.3}, summary=None)
    >>> changes = qol_change(before, after, c30)
    >>> [(c.code, c.classification.value) for c in changes if c.classification]
    [('PF2', 'stable'), ('FA', 'deteriorated')]
    """
    if not threshold_points > 0:
        raise InvalidValueError(
            field="threshold_points", value=threshold_points, expected="a number of points > 0"
        )
    definitions = (
        [questionnaires] if isinstance(questionnaires, Questionnaire) else list(questionnaires)
    )
    higher_is_better = {
        scale.code: scale.type is not ScaleType.SYMPTOM for q in definitions for scale in q.scales
    }
    changes: list[ScaleChange] = []
    pairs = [(code, baseline.scores.get(code), follow_up.scores.get(code), better)
             for code, better in higher_is_better.items()]
    pairs.append(("summary", baseline.summary, follow_up.summary, True))
    for code, before, after, better in pairs:
        if before is None or after is None:
            changes.append(ScaleChange(code=code, baseline=before, follow_up=after, change=None,
                                       classification=None))
            continue
        delta = after - before
        if abs(delta) < threshold_points - 1e-9:
            kind = ChangeClass.STABLE
        elif (delta > 0) == better:
            kind = ChangeClass.IMPROVED
        else:
            kind = ChangeClass.DETERIORATED
        changes.append(
            ScaleChange(code=code, baseline=before, follow_up=after, change=delta,
                        classification=kind)
        )
    return changes
