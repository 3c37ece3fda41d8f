"""``hepar qol score ANSWERS.json [--definition FILE]... [--json]`` and ``hepar qol change``:
EORTC QLQ-C30 (and site-supplied modules) scoring."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import typer

from hepar.cli._output import echo_json
from hepar.errors import InvalidValueError

_DEFINITION_HELP = (
    "Extra scale-definition file (YAML, e.g. the site's licensed QLQ-GI.NET21); may be repeated."
)


def _score_text(value: float | None) -> str:
    return "not scorable" if value is None else f"{value:.1f}"


def register(app: typer.Typer) -> None:
    """Add the ``qol`` command group to ``app``."""
    qol = typer.Typer(help="EORTC quality-of-life scoring.", no_args_is_help=True)

    @qol.command("score")
    def score_command(
        answers: Annotated[Path, typer.Argument(help='Answers: {"1": 2, "2": 1, ...} (JSON).')],
        definition: Annotated[
            list[Path] | None, typer.Option("--definition", help=_DEFINITION_HELP)
        ] = None,
        as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
    ) -> None:
        """Score QLQ-C30 scales (0-100) and the summary score; null where not scorable."""
        from hepar.services.clinical_qol import score_answers_file

        scores = score_answers_file(answers, definition or [])
        if as_json:
            echo_json(scores)
            return
        from rich.console import Console
        from rich.table import Table

        table = Table("scale", "score (0-100)", title="EORTC scores")
        for code, value in scores.items():
            table.add_row(code, _score_text(value))
        Console().print(table)

    @qol.command("change")
    def change_command(
        baseline: Annotated[Path, typer.Argument(help="Baseline answers (JSON).")],
        follow_up: Annotated[Path, typer.Argument(help="Follow-up answers (JSON).")],
        definition: Annotated[
            list[Path] | None, typer.Option("--definition", help=_DEFINITION_HELP)
        ] = None,
        threshold: float = typer.Option(
            10.0, "--threshold", help="Points of change that count (Osoba 1998: 10)."
        ),
        as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
    ) -> None:
        """Change of every scale from baseline, classified improved / stable / deteriorated."""
        from hepar.services.clinical_qol import qol_change_files

        if not (math.isfinite(threshold) and 0 < threshold <= 100):
            raise InvalidValueError(field="--threshold", value=threshold,
                                    expected="points of change > 0 and <= 100 (scores are 0-100)")
        result = qol_change_files(
            baseline, follow_up, definition or [], threshold_points=threshold
        )
        if as_json:
            echo_json(result)
            return
        from rich.console import Console
        from rich.table import Table

        table = Table("scale", "baseline", "follow-up", "change", "classification",
                      title=f"change from baseline (>= {threshold:g} points)")
        for code, row in result["scales"].items():
            change = "" if row["change"] is None else f"{row['change']:+.1f}"
            table.add_row(
                code,
                _score_text(row["baseline"]),
                _score_text(row["follow_up"]),
                change,
                row["classification"] or "",
            )
        Console().print(table)

    app.add_typer(qol, name="qol")
