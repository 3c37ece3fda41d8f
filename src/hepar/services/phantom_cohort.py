"""Use case: write a virtual study cohort with its screening log.

``hepar phantom OUT_DIR --cohort N [--seed S]``: N enrolled virtual patients (each a patient
folder ``OUT_DIR/<patient id>/``, see :mod:`hepar.services.phantom_patient`) and about N/3
screen failures, each failing one named criterion. The screening log is the verdict of
:func:`hepar.clinical.evaluate_eligibility` on every candidate under the protocol (registry
version by default). ``OUT_DIR/cohort.json`` lists the members; ``OUT_DIR/screening_log.json``
holds the log; ``OUT_DIR/candidates/<id>.json`` the screening record of each screen failure.
The folder appears whole or not at all.
"""

from __future__ import annotations

import contextlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hepar import __version__
from hepar.clinical import evaluate_eligibility, screening_log
from hepar.errors import InvalidValueError
from hepar.io import load_protocol
from hepar.phantoms import (
    FAILURE_CRITERIA,
    PatientOptions,
    check_seed,
    cohort_plan,
    generate_clinical_record,
    generate_virtual_patient,
    preset,
    screen_failure_candidate,
)

from .phantom_patient import _prepare_folder, _publish, write_virtual_patient

__all__ = ["write_cohort"]


def write_cohort(
    out_dir: str | Path,
    *,
    n_enrolled: int,
    seed: int = 0,
    preset_name: str = "tiny",
    protocol: str = "registry",
    options: PatientOptions | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Simulate and write a cohort; return the content of ``cohort.json``.

    Raises
    ------
    InvalidValueError
        An enrolled virtual patient that the protocol would not accept (a generator fault),
        a bad cohort size, preset or folder.
    """
    say = progress or (lambda message: None)
    preset(preset_name)
    check_seed(seed)
    plan = cohort_plan(n_enrolled, seed=seed)
    rules = load_protocol(protocol)
    out = Path(out_dir)
    staging = _prepare_folder(out)
    try:
        (staging / "candidates").mkdir()
        results, members = [], []
        for index, member in enumerate(plan, start=1):
            if member.fails is None:
                say(f"[{index}/{len(plan)}] {member.patient_id}: simulating ({preset_name})")
                patient = generate_virtual_patient(member.seed, preset_name, options)
                record = generate_clinical_record(patient)
                result = evaluate_eligibility(record.candidate, rules)
                if result.eligible is not True:
                    raise InvalidValueError(
                        field=f"virtual patient {patient.patient_id}",
                        value=result.screen_failure_reasons or result.eligible,
                        expected=f"eligible under protocol {protocol!r} (generator fault)",
                    )
                truth = write_virtual_patient(staging / patient.patient_id, seed=member.seed,
                                              preset_name=preset_name, patient=patient)
                members.append({
                    "patient_id": patient.patient_id, "seed": member.seed, "enrolled": True,
                    "folder": patient.patient_id,
                    "treated_territory": truth["anatomy"]["treated_territory"],
                    "scans": [s["name"] for s in truth["scans"]],
                })
            else:
                say(f"[{index}/{len(plan)}] {member.patient_id}: screen failure "
                    f"({member.fails})")
                candidate = screen_failure_candidate(member)
                result = evaluate_eligibility(candidate, rules)
                (staging / "candidates" / f"{candidate.id}.json").write_text(
                    json.dumps(candidate.model_dump(mode="json"), indent=1) + "\n",
                    encoding="utf-8")
                members.append({
                    "patient_id": candidate.id, "seed": member.seed, "enrolled": False,
                    "fails": member.fails, "reason": FAILURE_CRITERIA[member.fails],
                    "candidate": f"candidates/{candidate.id}.json",
                })
            results.append(result)
        log = screening_log(results)
        (staging / "screening_log.json").write_text(
            json.dumps(log.model_dump(mode="json"), indent=1) + "\n", encoding="utf-8")
        cohort = {
            "format": "hepar-phantom-cohort", "version": 1, "generator": f"hepar {__version__}",
            "seed": seed, "preset": preset_name, "protocol": rules.name,
            "enrolled": sum(1 for m in members if m["enrolled"]),
            "screen_failures": sum(1 for m in members if not m["enrolled"]),
            "members": members, "screening_log": "screening_log.json",
        }
        (staging / "cohort.json").write_text(json.dumps(cohort, indent=1) + "\n",
                                             encoding="utf-8")
        _publish(staging, out)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            shutil.rmtree(staging)
        raise
    return cohort
