"""EORTC questionnaire scoring, driven by a scale-definition file (item -> scale, range, type).

The QLQ-C30 v3.0 definition ships with hepar (``scales/qlq-c30.yaml``, item numbers only). A module
such as QLQ-GI.NET21 is scored by the same engine from a definition file the site supplies under its
EORTC licence (DESIGN.md: no item wording, no licensed item map in the code).

Scoring (EORTC QLQ-C30 Scoring Manual, 3rd ed., 2001): the raw score RS of a scale is the mean of
its answered items; with ``range`` the difference between the highest and lowest answer,

- functional scales: S = (1 - (RS - 1) / range) x 100,
- symptom scales, single items and global health status: S = (RS - 1) / range x 100,

and a scale is scored when at least half of its items are answered (the half-items rule).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from pydantic import Field, model_validator

from hepar.clinical._base import LenientEnum, Record
from hepar.errors import InvalidValueError

__all__ = [
    "ItemRange",
    "QolScores",
    "Questionnaire",
    "QuestionnaireAnswers",
    "ScaleDefinition",
    "ScaleType",
    "SummaryDefinition",
    "score_answers",
]


class ScaleType(LenientEnum):
    """How a scale is transformed to 0-100."""

    FUNCTIONAL = "functional"
    SYMPTOM = "symptom"
    GLOBAL = "global"


class ItemRange(Record):
    """Items ``first`` to ``last`` (inclusive) answered on ``min`` .. ``max``."""

    first: int = Field(ge=1)
    last: int = Field(ge=1)
    min: int = 1
    max: int

    @model_validator(mode="after")
    def _check(self) -> ItemRange:
        if self.last < self.first or self.max <= self.min:
            raise InvalidValueError(
                field="items",
                value=f"{self.first}-{self.last} answered {self.min}-{self.max}",
                expected="first <= last and min < max",
            )
        return self


class ScaleDefinition(Record):
    """One scale: its code, name, type and item numbers."""

    code: str = Field(min_length=1)
    name: str = ""
    type: ScaleType
    items: list[int] = Field(min_length=1)


class SummaryDefinition(Record):
    """A summary score: the mean of functional scores and (100 - symptom scores)."""

    functional: list[str]
    symptom: list[str]
    source: str = ""


class Questionnaire(Record):
    """A questionnaire's scoring definition (no item wording)."""

    instrument: str = Field(min_length=1)
    version: str = ""
    source: str = ""
    items: list[ItemRange] = Field(min_length=1)
    scales: list[ScaleDefinition] = Field(min_length=1)
    summary: SummaryDefinition | None = None

    @model_validator(mode="after")
    def _check(self) -> Questionnaire:
        owner: dict[int, ItemRange] = {}
        for block in self.items:
            for item in range(block.first, block.last + 1):
                if item in owner:
                    raise InvalidValueError(
                        field="items", value=item, expected="each item number defined once"
                    )
                owner[item] = block
        codes: set[str] = set()
        for index, scale in enumerate(self.scales):
            if scale.code in codes:
                raise InvalidValueError(
                    field=f"scales[{index}].code", value=scale.code, expected="a unique scale code"
                )
            codes.add(scale.code)
            for item in scale.items:
                if item not in owner:
                    raise InvalidValueError(
                        field=f"scales[{index}].items",
                        value=item,
                        expected="item numbers defined under items",
                    )
            if len({(owner[i].min, owner[i].max) for i in scale.items}) != 1:
                raise InvalidValueError(
                    field=f"scales[{index}].items",
                    value=scale.items,
                    expected="items that share one answer range",
                )
        if self.summary is not None:
            for code in [*self.summary.functional, *self.summary.symptom]:
                if code not in codes:
                    raise InvalidValueError(
                        field="summary", value=code, expected=f"scale codes ({', '.join(codes)})"
                    )
        return self

    def item_range(self, item: int) -> tuple[int, int] | None:
        """``(min, max)`` answer of ``item``, ``None`` when the item is not part of this one."""
        for block in self.items:
            if block.first <= item <= block.last:
                return block.min, block.max
        return None

    @property
    def item_numbers(self) -> list[int]:
        """All item numbers."""
        return [i for block in self.items for i in range(block.first, block.last + 1)]


class QuestionnaireAnswers(Record):
    """A patient's answers: item number -> answer (``None`` or absent when not answered)."""

    answers: dict[int, int | None]
    completed_on: date | None = None


class QolScores(Record):
    """Scores 0-100 per scale code (``None`` when the half-items rule fails) and the summary."""

    scores: dict[str, float | None]
    summary: float | None = None

    def flat(self) -> dict[str, float | None]:
        """Scale code -> score, plus ``"summary"`` (the ``hepar qol score --json`` shape)."""
        return {**self.scores, "summary": self.summary}


def _checked_answers(
    answers: Mapping[Any, Any], questionnaires: Sequence[Questionnaire]
) -> dict[int, int]:
    checked: dict[int, int] = {}
    seen: dict[int, Any] = {}
    for key, answer in answers.items():
        if isinstance(key, int) and not isinstance(key, bool):
            item = key
        elif isinstance(key, str) and re.fullmatch(r"[0-9]+", key):
            item = int(key)
        else:
            raise InvalidValueError(
                field="item", value=key,
                expected='an item number written with digits only ("1", "2", ...; no spaces)',
            )
        if item in seen:
            raise InvalidValueError(
                field=f"item {key}", value=key,
                expected=f"one answer per item (item {item} is also given as {seen[item]!r})",
            )
        seen[item] = key
        owner = next((q for q in questionnaires if q.item_range(item) is not None), None)
        if owner is None:
            known = "; ".join(
                f"{q.instrument} {min(q.item_numbers)}-{max(q.item_numbers)}"
                for q in questionnaires
            )
            raise InvalidValueError(
                field=f"item {key}",
                value=answer,
                expected=f"an item of the questionnaire(s) ({known})",
            )
        if answer is None:
            continue
        low, high = owner.item_range(item) or (0, 0)
        if (isinstance(answer, bool) or not isinstance(answer, int | float)
                or not math.isfinite(answer) or answer != int(answer)):
            raise InvalidValueError(
                field=f"item {item}",
                value=answer,
                expected=f"a whole number {low}-{high} ({owner.instrument}) or null",
            )
        if not low <= answer <= high:
            raise InvalidValueError(
                field=f"item {item}",
                value=answer,
                expected=f"an answer {low}-{high} ({owner.instrument})",
            )
        checked[item] = int(answer)
    return checked


def _scale_score(
    scale: ScaleDefinition, low: int, high: int, answers: Mapping[int, int]
) -> float | None:
    given = [answers[i] for i in scale.items if i in answers]
    if 2 * len(given) < len(scale.items):  # half-items rule
        return None
    raw = sum(given) / len(given)
    span = high - low
    if scale.type is ScaleType.FUNCTIONAL:
        return (1.0 - (raw - low) / span) * 100.0
    return (raw - low) / span * 100.0


def score_answers(
    answers: QuestionnaireAnswers | Mapping[Any, Any],
    questionnaires: Questionnaire | Sequence[Questionnaire],
) -> QolScores:
    """Score a patient's answers on every scale of ``questionnaires``.

    Parameters
    ----------
    answers
        Item number -> answer (int or numeric string keys; ``None`` / absent = not answered).
    questionnaires
        One or more scale definitions (QLQ-C30 and, say, the site's QLQ-GI.NET21).

    Returns
    -------
    QolScores
        One score per scale code (``None`` where fewer than half of the items were answered) and
        the summary score of the first questionnaire that defines one (Giesinger et al. 2016: the
        mean of the functional scores and 100 minus the symptom scores; ``None`` unless all of its
        scales are scored).

    Raises
    ------
    InvalidValueError
        An item that no questionnaire defines, or an answer outside its range.

    Examples
    --------
    >>> from hepar.io import load_questionnaire
    >>> c30 = load_questionnaire()
    >>> scores = score_answers({"21": 2, "22": 3, "23": 2, "24": 1}, c30)
    >>> round(scores.scores["EF"], 2), scores.scores["PF2"], scores.summary
    (66.67, None, None)
    """
    definitions = (
        [questionnaires] if isinstance(questionnaires, Questionnaire) else list(questionnaires)
    )
    raw = answers.answers if isinstance(answers, QuestionnaireAnswers) else answers
    given = _checked_answers(raw, definitions)
    scores: dict[str, float | None] = {}
    summary: float | None = None
    summary_done = False
    for questionnaire in definitions:
        for scale in questionnaire.scales:
            if scale.code in scores:
                raise InvalidValueError(
                    field="scale code",
                    value=scale.code,
                    expected="scale codes unique across the questionnaires scored together",
                )
            low, high = questionnaire.item_range(scale.items[0]) or (0, 0)
            scores[scale.code] = _scale_score(scale, low, high, given)
        if questionnaire.summary is not None and not summary_done:
            summary_done = True
            summary = _summary(questionnaire.summary, scores)
    return QolScores(scores=scores, summary=summary)


def _summary(definition: SummaryDefinition, scores: Mapping[str, float | None]) -> float | None:
    values: list[float] = []
    for code in definition.functional:
        score = scores[code]
        if score is None:
            return None
        values.append(score)
    for code in definition.symptom:
        score = scores[code]
        if score is None:
            return None
        values.append(100.0 - score)
    return sum(values) / len(values)
