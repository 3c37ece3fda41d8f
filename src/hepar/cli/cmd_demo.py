"""``hepar demo``: the demo on one virtual patient, or (``--patients N``) the virtual study of N
enrolled patients on the per-patient pipeline, with progress bars."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from hepar.cli._output import echo_json

if TYPE_CHECKING:
    from rich.console import Console

#: hepar.phantoms.cohort_plan's largest cohort.
MAX_STUDY_PATIENTS = 1000


def _print_summary(console: Console, summary: dict[str, Any], out: Path) -> None:
    patient, plan, dose = summary["patient"], summary["plan"], summary["dose"]
    truth, follow = summary["truth_comparison"], summary["follow_up"]
    from rich.table import Table

    table = Table(title=f"HEPAR PLUS demo study: {patient['id']} ({patient['preset']})",
                  show_header=False)
    table.add_column("step", style="bold")
    table.add_column("result")
    ct, nm = summary["files"]["ct"], summary["files"]["projections"]
    table.add_row("CT", f"{' x '.join(map(str, ct['shape']))} voxels, spacing "
                        f"{', '.join(f'{s:.2f}' for s in ct['spacing_mm'])} mm")
    table.add_row("NM projections", f"{nm['n_views']} views, {len(nm['energy_windows'])} energy "
                                    f"windows, {nm['isotope']}, {nm['acquisition_start']}")
    table.add_row("screening (registry)", str(summary["screening"]["eligible"]))
    calibration = summary["calibration"]
    peak = next((s for s in calibration["sensitivities"] if s["isotope"] == "Ho-166"), None)
    if peak is not None:
        source_mbq = calibration["source"]["Ho-166"]["activity_mbq_at_reference"]
        table.add_row("camera calibration", f"{peak['window']}: "
                      f"{peak['sensitivity_cps_per_mbq']:.3g} cps/MBq ({source_mbq:g} MBq "
                      "166Ho source; 177Lu source for crosstalk)")
    for name, found in truth["reconstructed_activity"].items():
        table.add_row(f"reconstructed {name} (166Ho)",
                      f"{found['reconstructed_mbq']:.1f} MBq in the field of view (truth "
                      f"{found['true_in_field_of_view_mbq']:.1f} MBq, "
                      f"{found['error_pct']:+.1f} %)")
    table.add_row("planned 166Ho activity",
                  f"{plan['activity_mbq']:.0f} MBq for {plan['treated_mass_kg']:.3f} kg; lung "
                  f"shunt {100 * plan['lung_shunt_fraction']:.1f} %, lung dose "
                  f"{plan['lung_dose_gy']:.1f} Gy; within limits: {plan['within_limits']}")
    table.add_row("treated liver mean dose",
                  f"{dose['liver_mean_gy']:.1f} Gy from the reconstruction (truth "
                  f"{truth['true_treated_liver_mean_dose_gy']:.1f} Gy)")
    check = truth["mask_density_check"]
    table.add_row("mask/density check", f"{check['true_map_treated_liver_mean_dose_gy']:.1f} "
                  "Gy on the true map (same local deposition as the truth: checks masks and "
                  "density only)")
    table.add_row("RECIST 1.1 best response", str(follow["best_overall_response"]))
    qol = follow["qol_summary_change"]
    table.add_row("QLQ-C30 summary score at 3 months",
                  "not scorable" if not qol or qol.get("change") is None else
                  f"{qol['baseline']:.1f} -> {qol['follow_up']:.1f} ({qol['classification']})")
    for note in summary["notes"]:
        table.add_row("note", note)
    console.print(table)
    console.print(f"Everything is under {out}; the summary is {out / 'demo_summary.json'}.")


def _run_study(out: Path, *, patients: int, seed: int, preset_name: str, workers: int,
               overwrite: bool, as_json: bool) -> None:
    from contextlib import nullcontext

    from hepar.errors import InvalidValueError
    from hepar.io import check_output_folder, keep_previous_until_done
    from hepar.pipeline import STUDY_MARKER, run_study

    if not 1 <= patients <= MAX_STUDY_PATIENTS:
        raise InvalidValueError(field="--patients", value=str(patients),
                                expected=f"a whole number of enrolled patients, 1 to "
                                f"{MAX_STUDY_PATIENTS}")
    if workers < 1:
        raise InvalidValueError(field="--workers", value=str(workers),
                                expected="a whole number of worker processes, at least 1")
    is_study = (out / STUDY_MARKER).is_file()
    if out.is_dir() and any(out.iterdir()) and not is_study:
        raise InvalidValueError(
            field="--out", value=str(out),
            expected=f"a new or empty folder, or one hepar demo --patients wrote (it has no "
            f"{STUDY_MARKER}): to resume it, or to replace it with --overwrite")
    check_output_folder(out, overwrite=True)  # a file, /proc, a real write beside it
    # --overwrite: the earlier study is moved aside and removed only once the new one is
    # complete (its files record their own absolute paths, so it is written in place, not in
    # a staging folder); a failed or stopped run puts it back. Without --overwrite an earlier
    # study is resumed: each finished patient is kept.
    replacing = keep_previous_until_done(out) if overwrite and is_study else nullcontext()
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    with replacing, Progress(TextColumn("{task.description}"), BarColumn(), TextColumn(
            "{task.completed}/{task.total}"), TimeElapsedColumn(), console=console,
            disable=not console.is_terminal) as bar:
        tasks: dict[str, Any] = {}

        def advance(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        summary = run_study(out, n_patients=patients, seed=seed, preset=preset_name,
                            workers=workers, progress=advance).summary
    if as_json:
        echo_json(summary)
        return
    for failed in summary["failed"]:
        Console(stderr=True).print(f"patient {failed['patient_id']} failed: {failed['error']}: "
                                   f"{failed['message']}", markup=False, highlight=False)
    print(f"Study report: {summary['report_pdf'] or summary['report_html']}")
    print(f"Primary endpoint: {summary['primary_endpoint']}")
    from hepar.services.study_demo import truth_lines

    for line in truth_lines(summary):
        print(line)


def register(app: typer.Typer) -> None:
    """Add the ``demo`` command to ``app``."""

    @app.command("demo")
    def demo_command(
        out: Annotated[Path, typer.Option("--out", help="Folder for everything the demo writes.")
                       ] = Path("demo-output"),
        seed: Annotated[int, typer.Option(
            "--seed", help="Virtual patient's seed (with --patients: the cohort's).")] = 1,
        patients: Annotated[int | None, typer.Option(
            "--patients", help="Run the virtual study of N enrolled patients (screening, "
            "imaging, database, analysis, reports) instead of the one-patient demo.")] = None,
        workers: Annotated[int, typer.Option(
            "--workers", help="With --patients: Dask worker processes (1: in this process).")
                           ] = 1,
        preset_name: Annotated[str, typer.Option(
            "--preset", help="clinical (128 x 128, 120 views) or tiny (seconds).")] = "clinical",
        overwrite: Annotated[bool, typer.Option(
            "--overwrite", help="Replace the folder of a previous demo.")] = False,
        as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")
                           ] = False,
    ) -> None:
        """Run the demo study: simulate, calibrate, reconstruct, plan, dose and follow up one
        virtual patient."""
        from contextlib import nullcontext

        from hepar.errors import InvalidValueError
        from hepar.io import check_output_folder, keep_previous_until_done, remove_on_failure
        from hepar.phantoms import check_seed, preset
        from hepar.services.demo_study import DEMO_MARKER, DEMO_STEPS, run_demo

        check_seed(seed)
        preset(preset_name)
        if patients is not None:
            _run_study(out, patients=patients, seed=seed, preset_name=preset_name,
                       workers=workers, overwrite=overwrite, as_json=as_json)
            return
        check_output_folder(out, overwrite=overwrite)
        replacing = overwrite and out.is_dir() and any(out.iterdir())
        if replacing and not (out / DEMO_MARKER).is_file():
            raise InvalidValueError(
                field="--out", value=str(out),
                expected=f"a folder written by hepar demo (it has no {DEMO_MARKER}); refusing "
                "to replace anything else")
        # The earlier demo is moved aside and removed only once the new one is complete (the
        # demo's files record their own absolute paths: it is written in place); a failed or
        # stopped run removes the new folder and puts the earlier one back.
        previous = keep_previous_until_done(out) if replacing else nullcontext()
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        console = Console(stderr=True)
        with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn(
                "{task.completed}/{task.total}"), TimeElapsedColumn(), console=console,
                transient=True, disable=not console.is_terminal) as bar:
            task = bar.add_task("demo", total=len(DEMO_STEPS))
            seen: list[str] = []

            def advance(message: str) -> None:
                if seen:
                    bar.advance(task)
                seen.append(message)
                bar.update(task, description=message)

            with previous, remove_on_failure(out):
                summary = run_demo(out, seed=seed, preset_name=preset_name, progress=advance)
            bar.update(task, completed=len(DEMO_STEPS), description="done")
        if as_json:
            echo_json(summary)
        else:
            _print_summary(Console(), summary, out)
