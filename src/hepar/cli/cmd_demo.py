"""``hepar demo``: the demo study on one virtual patient, with a progress bar."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from hepar.cli._output import echo_json


def _print_summary(console: Console, summary: dict[str, Any], out: Path) -> None:
    patient, plan, dose = summary["patient"], summary["plan"], summary["dose"]
    truth, follow = summary["truth_comparison"], summary["follow_up"]
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
    table.add_row("planned 166Ho activity",
                  f"{plan['activity_mbq']:.0f} MBq for {plan['treated_mass_kg']:.3f} kg; lung "
                  f"shunt {100 * plan['lung_shunt_fraction']:.1f} %, lung dose "
                  f"{plan['lung_dose_gy']:.1f} Gy; within limits: {plan['within_limits']}")
    table.add_row("treated liver mean dose",
                  f"{dose['liver_mean_gy']:.1f} Gy (truth "
                  f"{truth['true_treated_liver_mean_dose_gy']:.1f} Gy)")
    table.add_row("RECIST 1.1 best response", str(follow["best_overall_response"]))
    qol = follow["qol_summary_change"]
    table.add_row("QLQ-C30 summary score at 3 months",
                  "not scorable" if not qol or qol.get("change") is None else
                  f"{qol['baseline']:.1f} -> {qol['follow_up']:.1f} ({qol['classification']})")
    for note in summary["notes"]:
        table.add_row("note", note)
    console.print(table)
    console.print(f"Everything is under {out}; the summary is {out / 'demo_summary.json'}.")


def register(app: typer.Typer) -> None:
    """Add the ``demo`` command to ``app``."""

    @app.command("demo")
    def demo_command(
        out: Annotated[Path, typer.Option("--out", help="Folder for everything the demo writes.")
                       ] = Path("demo-output"),
        seed: Annotated[int, typer.Option("--seed", help="Virtual patient's seed.")] = 1,
        preset_name: Annotated[str, typer.Option(
            "--preset", help="clinical (128 x 128, 120 views) or tiny (seconds).")] = "clinical",
        overwrite: Annotated[bool, typer.Option(
            "--overwrite", help="Replace the folder of a previous demo.")] = False,
        as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")
                           ] = False,
    ) -> None:
        """Run the demo study: simulate, screen, plan, dose and follow up one virtual patient."""
        from hepar.io import check_output_folder, remove_on_failure
        from hepar.phantoms import check_seed, preset
        from hepar.services.demo_study import DEMO_STEPS, run_demo

        check_seed(seed)
        preset(preset_name)
        check_output_folder(out, overwrite=overwrite)
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

            with remove_on_failure(out):
                summary = run_demo(out, seed=seed, preset_name=preset_name,
                                   overwrite=overwrite, progress=advance)
            bar.update(task, completed=len(DEMO_STEPS), description="done")
        if as_json:
            echo_json(summary)
        else:
            _print_summary(Console(), summary, out)
