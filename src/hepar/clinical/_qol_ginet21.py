"""EORTC QLQ-GI.NET21 scored by item number (Yadegarfar et al., Br J Cancer 2013;108:301).

The scale map ships as data (``scales/qlq-ginet21.yaml``, item numbers only, no wording) and is
scored by the QLQ-C30 engine (:func:`hepar.clinical.score_answers`): every GI.NET21 scale is
scored like a QLQ-C30 symptom scale, S = (RS - 1) / 3 x 100, with the half-items rule. The file
states what of the map is verified; a site with the EORTC licence may pass its own file.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from hepar.clinical._base import validate_record
from hepar.clinical._qol import Questionnaire, load_questionnaire
from hepar.errors import FileFormatError

__all__ = ["GINET21_FILE", "load_ginet21", "load_study_questionnaires"]

#: The shipped GI.NET21 scale map (under ``hepar/clinical/scales/``).
GINET21_FILE = "qlq-ginet21.yaml"


def load_ginet21(path: str | Path | None = None) -> Questionnaire:
    """The QLQ-GI.NET21 scale definition: the shipped map, or a site's file at ``path``.

    Examples
    --------
    >>> ginet = load_ginet21()
    >>> ginet.instrument, min(ginet.item_numbers), max(ginet.item_numbers)
    ('QLQ-GI.NET21', 31, 51)
    >>> sorted(s.code for s in ginet.scales if len(s.items) > 1)
    ['DRW', 'ED', 'GI', 'SOC', 'TR']
    """
    if path is not None:
        return load_questionnaire(path)
    text = (resources.files("hepar.clinical") / "scales" / GINET21_FILE).read_text(
        encoding="utf-8")
    try:
        data: Any = yaml.safe_load(text)
    except yaml.YAMLError as error:  # pragma: no cover - the shipped file is YAML
        raise FileFormatError(field="questionnaire", value=GINET21_FILE,
                              expected=f"a YAML scale definition ({error})") from None
    return validate_record(Questionnaire, data, source=GINET21_FILE)


def load_study_questionnaires(ginet21: str | Path | None = None) -> list[Questionnaire]:
    """QLQ-C30 and QLQ-GI.NET21, in the order they are scored together (items 1-51)."""
    return [load_questionnaire("qlq-c30"), load_ginet21(ginet21)]
