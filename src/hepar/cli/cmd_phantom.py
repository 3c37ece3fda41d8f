"""``hepar phantom``: virtual patients with simulated SPECT/CT and their ground truth.

One patient (OUT_DIR becomes the patient folder)::

    hepar phantom OUT_DIR [--seed N] [--preset tiny|clinical] [--json]

A cohort with its screening log (OUT_DIR/<patient id>/ per enrolled patient)::

    hepar phantom OUT_DIR --cohort 34 [--seed N] [--preset tiny|clinical] [--json]
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from hepar.cli._output import echo_json
from hepar.errors import InvalidValueError


def _patient_summary(truth: dict[str, Any], folder: Path) -> dict[str, Any]:
    return {
        "patient_id": truth["patient_id"], "folder": str(folder), "seed": truth["seed"],
        "preset": truth["preset"], "truth": "truth.json",
        "clinical": truth.get("clinical", {}).get("record"),
        "scans": [
            {key: scan[key] for key in ("name", "isotope", "acquisition_start",
                                        "activity_in_fov_mbq", "projections", "ct")}
            for scan in truth["scans"]
        ],
    }


#: The ``format`` of the record at the top of a folder hepar phantom wrote.
_PHANTOM_RECORDS = {"truth.json": "hepar-phantom-truth", "cohort.json": "hepar-phantom-cohort"}


def _check_written_by_phantom(folder: Path) -> None:
    """Refuse to replace a folder that hepar phantom did not write."""
    import json

    for name, kind in _PHANTOM_RECORDS.items():
        try:
            record = json.loads((folder / name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(record, dict) and record.get("format") == kind:
            return
    raise InvalidValueError(field="OUT_DIR", value=str(folder),
                            expected="a folder written by hepar phantom (it has no truth.json or "
                            "cohort.json of hepar phantom); refusing to replace anything else")


def register(app: typer.Typer) -> None:
    """Add the ``phantom`` command to ``app``."""

    @app.command("phantom")
    def phantom_command(
        out_dir: Annotated[Path, typer.Argument(
            help="Folder to create (new or empty): the patient folder, or the cohort folder.")],
        seed: Annotated[int, typer.Option(
            "--seed", help="Seed: the same seed writes the same patient (or cohort).")] = 0,
        preset_name: Annotated[str, typer.Option(
            "--preset", help="tiny (tests, about a second) or clinical (128 x 128, 120 views, "
            "4.8 mm; about 25 s per patient).")] = "clinical",
        cohort: Annotated[int | None, typer.Option(
            "--cohort", help="Write a cohort of this many enrolled patients, plus screen "
            "failures and the screening log.")] = None,
        protocol: Annotated[str, typer.Option(
            "--protocol", help="Protocol for the screening log: registry, paper-v6 or a file."
        )] = "registry",
        overwrite: Annotated[bool, typer.Option(
            "--overwrite", help="Replace a folder hepar phantom wrote (truth.json or "
            "cohort.json), whole, once the new one is complete.")] = False,
        as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
        quiet: Annotated[bool, typer.Option("--quiet", help="No progress lines.")] = False,
    ) -> None:
        """Write virtual patients: CT series, NM projections, true VOIs (SEG), truth.json."""
        from hepar.io import atomic_output_folder, check_output_folder
        from hepar.phantoms import check_seed, preset
        from hepar.services.phantom_cohort import write_cohort
        from hepar.services.phantom_patient import write_virtual_patient

        check_seed(seed)
        preset(preset_name)
        if cohort is not None and cohort < 1:
            raise InvalidValueError(field="--cohort", value=cohort, expected="at least 1 patient")
        if cohort is not None:
            from hepar.services.clinical_protocol import load_study_protocol

            load_study_protocol(protocol)
        check_output_folder(out_dir, overwrite=overwrite, option="OUT_DIR")
        if overwrite and out_dir.is_dir() and any(out_dir.iterdir()):
            _check_written_by_phantom(out_dir)

        def progress(message: str) -> None:
            if not quiet and not as_json:
                typer.echo(message, err=True)

        # The folder is written into a staging folder beside OUT_DIR and moved into place when
        # complete (with --overwrite, replacing the earlier one whole only then).
        if cohort is None:
            with atomic_output_folder(out_dir, overwrite=overwrite, option="OUT_DIR") as staging:
                truth = write_virtual_patient(staging, seed=seed, preset_name=preset_name,
                                              progress=progress)
            summary = _patient_summary(truth, out_dir)
            if as_json:
                echo_json(summary)
                return
            typer.echo(f"{summary['patient_id']} (seed {seed}, {summary['preset']}) written to "
                       f"{out_dir}")
            for scan in summary["scans"]:
                typer.echo(f"  {scan['name']}: {scan['isotope']} "
                           f"{scan['activity_in_fov_mbq']:.1f} MBq in the field of view at "
                           f"{scan['acquisition_start']} -> {scan['projections']}, {scan['ct']}")
            typer.echo(f"  ground truth: {out_dir / 'truth.json'}")
            return
        with atomic_output_folder(out_dir, overwrite=overwrite, option="OUT_DIR") as staging:
            result = write_cohort(staging, n_enrolled=cohort, seed=seed,
                                  preset_name=preset_name, protocol=protocol, progress=progress)
        if as_json:
            echo_json({**result, "folder": str(out_dir)})
            return
        typer.echo(f"cohort of {result['enrolled']} enrolled virtual patients and "
                   f"{result['screen_failures']} screen failures written to {out_dir}")
        for member in result["members"]:
            status = "enrolled" if member["enrolled"] else f"screen failure {member['fails']}"
            typer.echo(f"  {member['patient_id']}: {status}")
        typer.echo(f"  screening log: {out_dir / result['screening_log']}")
