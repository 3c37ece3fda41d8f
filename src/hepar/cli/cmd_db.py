"""``hepar db upgrade | export | import | load-virtual``: the study database.

The database is ``--database URL``, else ``$HEPAR_DATABASE_URL``, else the SQLite file
``./hepar.db``. SQLAlchemy and the services are imported inside the commands (``hepar --version``
stays fast).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from hepar.errors import InvalidValueError

_DATABASE_HELP = "SQLAlchemy URL of the study database (default: $HEPAR_DATABASE_URL or " \
                 "sqlite:///hepar.db)."
#: hepar.phantoms.cohort_plan's largest cohort.
MAX_VIRTUAL_PATIENTS = 1000
#: What hepar.services.study_data.export_study writes.
EXPORT_FORMATS = ("odm", "csv")
DatabaseOption = Annotated[str | None, typer.Option("--database", help=_DATABASE_HELP)]


def register(app: typer.Typer) -> None:
    """Add the ``db`` command group to ``app``."""
    db = typer.Typer(help="The study database (SQLite by default, PostgreSQL for a multi-site "
                          "study).", no_args_is_help=True)

    @db.command("upgrade")
    def upgrade_command(database: DatabaseOption = None) -> None:
        """Create the database or upgrade its schema to this version of hepar."""
        from hepar.cli._database import open_store
        from hepar.services.study_data import upgrade_database

        with open_store(database, write=True) as store:
            result = upgrade_database(store)
        typer.echo(f"{result['database']}: schema at revision {result['revision']}")

    @db.command("export")
    def export_command(
        format: Annotated[str, typer.Option("--format", help="odm or csv.")],
        out: Annotated[Path, typer.Option("--out", help="Folder to create (must not exist "
                                                         "or be empty).")],
        database: DatabaseOption = None,
        overwrite: bool = typer.Option(False, "--overwrite", help="Replace a non-empty --out."),
    ) -> None:
        """Export the study: CDISC ODM 1.3.2 with audit records, or CSV (one file per form)."""
        from hepar.cli._database import open_store
        from hepar.io import check_output_folder
        from hepar.services.study_data import export_study

        if format not in EXPORT_FORMATS:  # checked before the database is opened
            raise InvalidValueError(field="--format", value=format,
                                    expected=" or ".join(repr(f) for f in EXPORT_FORMATS))
        check_output_folder(out, overwrite=overwrite)
        with open_store(database, write=False) as store:
            counts = export_study(store, out, format=format, overwrite=overwrite)
        typer.echo(f"{out}: {len(counts)} file(s) written")

    @db.command("import")
    def import_command(
        file: Annotated[Path, typer.Argument(help="An ODM file written by hepar db export.")],
        database: DatabaseOption = None,
    ) -> None:
        """Rebuild an EMPTY database from an ODM export (its audit chain is checked first)."""
        from hepar.cli._database import open_store
        from hepar.services.study_data import import_study

        if not file.is_file():
            raise InvalidValueError(field="FILE", value=str(file),
                                    expected="an existing ODM file (hepar db export --format "
                                    "odm)")
        with open_store(database, write=True) as store:
            counts = import_study(store, file)
        records = sum(v for k, v in counts.items() if k != "audit_log")
        typer.echo(f"imported {records} records and {counts['audit_log']} audit rows")

    @db.command("load-virtual")
    def load_virtual_command(
        patients: Annotated[int, typer.Option("--patients", help="Enrolled virtual patients.")],
        seed: int = typer.Option(0, "--seed", help="Cohort seed."),
        database: DatabaseOption = None,
        as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    ) -> None:
        """Load N virtual patients (hepar.phantoms) and the cohort's screen failures, through
        the same audited use cases as a site's staff."""
        from dataclasses import asdict

        from hepar.cli._database import open_store
        from hepar.phantoms import check_seed
        from hepar.services.study_data import upgrade_database

        if not 1 <= patients <= MAX_VIRTUAL_PATIENTS:
            raise InvalidValueError(field="--patients", value=patients,
                                    expected=f"1 to {MAX_VIRTUAL_PATIENTS} enrolled patients")
        check_seed(seed)
        with open_store(database, write=True) as store:
            upgrade_database(store)
            report = _load_virtual(store, patients, seed)
        if as_json:
            typer.echo(json.dumps(asdict(report)))
            return
        typer.echo(f"loaded {report.enrolled} enrolled patients and {report.screen_failures} "
                   f"screen failures ({report.skipped} already there); "
                   f"{report.audit_rows} audit rows")

    app.add_typer(db, name="db")


def _load_virtual(store: Any, patients: int, seed: int) -> Any:
    """Load the virtual patients, with a progress bar only for a person watching."""
    from hepar.services.study_virtual import load_virtual_patients

    if not sys.stderr.isatty():
        return load_virtual_patients(store, n_patients=patients, seed=seed)
    from rich.console import Console
    from rich.progress import Progress

    from hepar.phantoms import cohort_plan

    total = len(cohort_plan(patients, seed=seed))
    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("loading virtual patients", total=total)
        return load_virtual_patients(
            store, n_patients=patients, seed=seed,
            progress=lambda message: bar.update(task, advance=1, description=message))
