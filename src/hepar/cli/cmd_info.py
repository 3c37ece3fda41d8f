"""``hepar info PATH [--json] [--series UID]``: what an imaging file or series folder holds."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from hepar.cli._output import echo_json

_LABELS = (
    ("path", "path"),
    ("kind", "kind"),
    ("modality", "modality"),
    ("sop_class", "SOP class"),
    ("shape", "shape"),
    ("spacing_mm", "spacing (mm)"),
    ("origin_lps_mm", "origin LPS (mm)"),
    ("orientation", "orientation (row, column)"),
    ("unit", "unit"),
    ("isotope", "isotope"),
    ("acquisition_start", "acquisition start"),
    ("frame_duration_s", "frame duration (s)"),
    ("n_views", "views"),
    ("n_detectors", "detectors"),
    ("regions", "regions"),
    ("frame_of_reference_uid", "frame of reference"),
    ("study_instance_uid", "study UID"),
    ("series_instance_uid", "series UID"),
    ("n_files", "files"),
)


def _text(value: Any) -> str:
    if isinstance(value, list):
        return " x ".join(str(v) for v in value) if value and all(
            isinstance(v, int) for v in value) else ", ".join(_text(v) for v in value)
    if value is None:
        return "?"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _print_table(record: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    table = Table(show_header=False)
    table.add_column("field", no_wrap=True)
    table.add_column("value", overflow="fold")
    for key, label in _LABELS:
        if record[key] not in (None, []):
            table.add_row(label, _text(record[key]))
    for window in record["energy_windows"]:
        table.add_row(f"window {window['name']}",
                      f"{window['lower_kev']:g}-{window['upper_kev']:g} keV")
    console.print(table)
    for warning in record["warnings"]:
        console.print(f"[yellow]warning:[/yellow] {warning}", soft_wrap=True)


def register(app: typer.Typer) -> None:
    """Add the ``info`` command to ``app``."""

    @app.command("info")
    def info_command(
        path: Annotated[Path, typer.Argument(
            help="A DICOM series folder, a DICOM file (CT, NM, RT Dose, RTSTRUCT, SEG) or "
            "a NIfTI file.")],
        as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
        series: str | None = typer.Option(
            None, "--series", help="SeriesInstanceUID to describe when a folder holds several."),
    ) -> None:
        """Describe an imaging file or series: modality, size, spacing, orientation, unit,
        energy windows, acquisition start and frame of reference."""
        from hepar.services.describe import describe  # DICOM/NIfTI stack loaded only when used

        record = describe(path, series_uid=series)
        if as_json:
            echo_json(record)
        else:
            _print_table(record)
