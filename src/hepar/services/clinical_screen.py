"""Use case: screen a candidate against the protocol's inclusion and exclusion criteria."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hepar.clinical import (
    Candidate,
    EligibilityResult,
    Protocol,
    check_candidate,
    evaluate_eligibility,
    load_protocol,
)
from hepar.errors import InvalidValueError
from hepar.services.clinical_input import read_record

__all__ = ["screen_candidate", "screen_candidate_file", "screening_json"]


def screen_candidate(
    candidate: Candidate, protocol: str | Path | Protocol = "registry"
) -> EligibilityResult:
    """Evaluate every criterion of ``protocol`` (name or file) on ``candidate``, after the
    protocol's plausibility checks (:func:`hepar.clinical.check_candidate`)."""
    study = protocol if isinstance(protocol, Protocol) else load_protocol(protocol)
    check_candidate(study.plausibility, candidate, protocol=study.name,
                    criteria=[criterion.id for criterion in study.criteria])
    return evaluate_eligibility(candidate, study)


def screening_json(result: EligibilityResult) -> dict[str, Any]:
    """The ``hepar screen --json`` contract.

    ``eligible``: true / false / "pending attestation" / "incomplete"; ``criteria``: list of ``id``,
    ``text``, ``verdict``, ``value``, ``threshold`` (plus ``type``, ``reason``, ``attested_by``,
    ``attested_at``); also ``candidate``, ``protocol``, ``screening_date``,
    ``screen_failure_reasons``, ``missing_data``, ``pending_attestation``.
    """
    data = result.model_dump(mode="json")
    ordered = {"eligible": data.pop("eligible"), "criteria": data.pop("criteria")}
    ordered.update(data)
    return ordered


def screen_candidate_file(path: str | Path, protocol: str | Path = "registry") -> dict[str, Any]:
    """Screen the candidate record in JSON file ``path``; the ``hepar screen --json`` output."""
    candidate = read_record(Candidate, path)
    study = load_protocol(protocol)
    try:
        result = screen_candidate(candidate, study)
    except InvalidValueError as error:  # a plausibility check: name the file too
        raise type(error)(field=error.field, value=error.value, expected=error.expected,
                          source=error.source or Path(path).name) from None
    return screening_json(result)
