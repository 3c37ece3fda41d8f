"""Use case: the items of a QoL booklet as the patient sees them on the ePRO screen.

EORTC wording is copyrighted (DESIGN.md, licensing notes): hepar ships no item text. A site with a
licence puts its item file for a language in the folder named by ``HEPAR_QOL_ITEMS``, as
``<site code>/<questionnaire>.<language>.json`` (``{"1": "<item text>", ...}``; a file directly in
the folder serves every site); without it every item is labelled "Item n". The answer options are
the item's numbers (1-4, or 1-7 for the global items), as the scale definition gives them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from hepar.errors import InvalidValueError
from hepar.io import load_questionnaire, read_json

__all__ = ["ITEMS_ENV_VAR", "EproItem", "epro_items"]

ITEMS_ENV_VAR = "HEPAR_QOL_ITEMS"


@dataclass(frozen=True)
class EproItem:
    """One item on the screen: number, label (licensed text or None: "Item n"), answer range."""

    number: int
    text: str | None
    minimum: int
    maximum: int


def _licensed_texts(questionnaire: str, language: str, site_code: str | None) -> dict[int, str]:
    folder = os.environ.get(ITEMS_ENV_VAR)
    if not folder:
        return {}
    name = f"{questionnaire}.{language}.json"
    candidates = ([Path(folder) / site_code / name] if site_code else []) + [Path(folder) / name]
    path = next((c for c in candidates if c.is_file()), None)
    if path is None:
        return {}
    data = read_json(path)
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise InvalidValueError(field="items", value=type(data).__name__, source=path.name,
                                expected='an object of item number -> text, {"1": "..."}')
    try:
        return {int(k): v for k, v in data.items()}
    except ValueError:
        raise InvalidValueError(field="items", value=sorted(data)[:3], source=path.name,
                                expected="item numbers as keys") from None


def epro_items(language: str, questionnaire: str = "qlq-c30", *,
               site_code: str | None = None) -> list[EproItem]:
    """The items of ``questionnaire`` in ``language`` (the licensed texts of site
    ``site_code`` when it has them)."""
    definition = load_questionnaire(questionnaire)
    texts = _licensed_texts(questionnaire, language, site_code)
    return [EproItem(item, texts.get(item), block.min, block.max)
            for block in definition.items for item in range(block.first, block.last + 1)]
