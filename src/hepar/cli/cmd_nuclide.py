"""``hepar nuclide NAME [--json]``: a nuclide's decay data."""

from __future__ import annotations

import typer

from hepar.cli._output import echo_json


def register(app: typer.Typer) -> None:
    """Add the ``nuclide`` command to ``app``."""

    @app.command("nuclide")
    def nuclide_command(
        name: str = typer.Argument(..., help="Nuclide, e.g. Ho-166, 166Ho or ho166."),
        as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
    ) -> None:
        """Print a nuclide's half-life, photon lines and energy absorbed per MBq (ICRP 107)."""
        from hepar.services.nuclide_data import nuclide_record  # heavy imports only when run

        record = nuclide_record(name)
        if as_json:
            echo_json(record)
            return
        from rich.console import Console
        from rich.table import Table

        console = Console()
        console.print(f"[bold]{record['name']}[/bold]  half-life {record['half_life_h']:g} h")
        console.print(
            f"mean electron energy {record['mean_electron_energy_mev'] * 1000:.1f} keV/decay; "
            f"absorbed energy {record['absorbed_energy_mj_per_mbq']:.2f} mJ/MBq "
            f"({record['absorbed_energy_source']})"
        )
        table = Table("energy (keV)", "photons per decay (%)", "kind", title="photon lines")
        for line in record["photons"]:
            table.add_row(
                f"{line['energy_kev']:.1f}", f"{100 * line['abundance']:.2f}", line["kind"]
            )
        console.print(table)
