"""The study's definition files: protocol and questionnaire scale definitions (YAML).

The shipped versions live as package data beside the models that validate them
(``hepar/clinical/protocols/*.yaml``, ``hepar/clinical/scales/*.yaml``); a site's own variant is a
file passed by its path. Reading and parsing the YAML is done here, so that :mod:`hepar.clinical`
holds only the pure models (:class:`~hepar.clinical.Protocol`,
:class:`~hepar.clinical.Questionnaire`), validated through :func:`hepar.clinical.validate_record`.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from hepar.clinical import DEFAULT_PROTOCOL, Protocol, Questionnaire, validate_record
from hepar.errors import FileFormatError, InvalidValueError

__all__ = [
    "GINET21_FILE",
    "load_ginet21",
    "load_protocol",
    "load_questionnaire",
    "load_study_questionnaires",
    "protocol_names",
]

_PACKAGE = "hepar.clinical"
#: Scale definitions shipped with hepar (name -> file in ``hepar/clinical/scales``).
#: The shipped QLQ-GI.NET21 scale map by item number (Yadegarfar et al., Br J Cancer 2013;108:301;
#: no item wording; the file states what of the map is verified).
GINET21_FILE = "qlq-ginet21.yaml"
_SHIPPED_SCALES = {"qlq-c30": "qlq-c30.yaml", "qlq-ginet21": GINET21_FILE}


def protocol_names() -> list[str]:
    """Names of the protocol versions shipped in the package."""
    folder = resources.files(_PACKAGE) / "protocols"
    return sorted(
        entry.name.removesuffix(".yaml")
        for entry in folder.iterdir()
        if entry.name.endswith(".yaml")
    )


def _yaml(text: str, *, field: str, source: str, expected: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise FileFormatError(field=field, value=source, expected=f"{expected} ({error})") from None


def load_protocol(name_or_path: str | Path = DEFAULT_PROTOCOL) -> Protocol:
    """Load a protocol: a shipped version by name (``"registry"``, ``"paper-v6"``) or a file path.

    Raises
    ------
    InvalidValueError
        Unknown name and no such file, or a file whose content breaks the protocol schema (the
        message names the field, e.g. ``criteria[3].rule.threshold``).
    FileFormatError
        A file that is not YAML.

    Examples
    --------
    >>> protocol = load_protocol("registry")
    >>> protocol.planning_limits.lung_dose_max_gy
    30.0
    """
    text, source = _read_protocol(name_or_path)
    data = _yaml(text, field="protocol", source=source, expected="a YAML protocol file")
    if not isinstance(data, dict):
        raise FileFormatError(
            field="protocol", value=source, expected="a YAML mapping (name, version, criteria ...)"
        )
    return validate_record(Protocol, data, source=source)


def _read_protocol(name_or_path: str | Path) -> tuple[str, str]:
    name = str(name_or_path)
    if isinstance(name_or_path, str) and name in protocol_names():
        shipped = resources.files(_PACKAGE) / "protocols" / f"{name}.yaml"
        return shipped.read_text(encoding="utf-8"), f"{name}.yaml"
    path = Path(name_or_path)
    if not path.is_file():
        raise InvalidValueError(
            field="protocol",
            value=name,
            expected=f"one of {', '.join(protocol_names())} or the path of a protocol YAML file",
        )
    try:
        return path.read_text(encoding="utf-8"), path.name
    except (OSError, UnicodeDecodeError) as error:
        raise FileFormatError(
            field="protocol", value=name, expected=f"a readable UTF-8 YAML file ({error})"
        ) from None


def load_questionnaire(name_or_path: str | Path = "qlq-c30") -> Questionnaire:
    """Load a scale-definition file: ``"qlq-c30"`` (shipped) or the path of a site's file.

    Examples
    --------
    >>> c30 = load_questionnaire("qlq-c30")
    >>> [s.code for s in c30.scales][:3]
    ['QL2', 'PF2', 'RF2']
    """
    name = str(name_or_path)
    if isinstance(name_or_path, str) and name.lower() in _SHIPPED_SCALES:
        source = _SHIPPED_SCALES[name.lower()]
        text = (resources.files(_PACKAGE) / "scales" / source).read_text(encoding="utf-8")
    else:
        path = Path(name_or_path)
        if not path.is_file():
            raise InvalidValueError(
                field="questionnaire",
                value=name,
                expected=(
                    f"one of {', '.join(_SHIPPED_SCALES)} or the path of a scale-definition YAML "
                    "file"
                ),
            )
        source, text = path.name, path.read_text(encoding="utf-8")
    data = _yaml(text, field="questionnaire", source=source, expected="a YAML scale definition")
    return validate_record(Questionnaire, data, source=source)


def load_ginet21(path: str | Path | None = None) -> Questionnaire:
    """The QLQ-GI.NET21 scale definition: the shipped map, or a site's licensed file at ``path``.

    Every GI.NET21 scale is scored like a QLQ-C30 symptom scale, S = (RS - 1) / 3 x 100, with the
    half-items rule (:func:`hepar.clinical.score_answers`).

    Examples
    --------
    >>> ginet = load_ginet21()
    >>> ginet.instrument, min(ginet.item_numbers), max(ginet.item_numbers)
    ('QLQ-GI.NET21', 31, 51)
    >>> sorted(s.code for s in ginet.scales if len(s.items) > 1)
    ['DRW', 'ED', 'GI', 'SOC', 'TR']
    """
    return load_questionnaire("qlq-ginet21" if path is None else Path(path))


def load_study_questionnaires(ginet21: str | Path | None = None) -> list[Questionnaire]:
    """QLQ-C30 and QLQ-GI.NET21, in the order they are scored together (items 1-51)."""
    return [load_questionnaire("qlq-c30"), load_ginet21(ginet21)]
