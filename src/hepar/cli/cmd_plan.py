"""``hepar plan``: the 166Ho activity for a target mean dose, checked against the protocol limits.

Quick check without images::

    hepar plan --treated-mass-kg 1.2 [--target-dose-gy 60] [--lsf 0.05] [--lung-mass-kg 1.0] --json

From a scout SPECT (Bq/mL) and the treated-liver mask::

    hepar plan --spect scout.nii.gz --liver-mask liver.nii.gz [--lung-mask lungs.nii.gz]
               [--tumour-mask t1.nii.gz ...] [--ct CT_DIR]
               [--injection "right hepatic=right.nii.gz" --injection ...] --json
"""

from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from hepar.cli._output import json_text
from hepar.errors import InvalidValueError


def _time(value: str | None, field: str) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise InvalidValueError(
            field=field, value=value, expected="an ISO 8601 time with a UTC offset, e.g. "
            "2025-03-03T09:30+01:00",
        )
    return moment


def _injections(values: list[str] | None) -> list[tuple[str, Path]]:
    """``NAME=MASK`` options as (name, path) pairs."""
    pairs = []
    for value in values or []:
        name, _, path = value.partition("=")
        if not name.strip() or not path.strip():
            raise InvalidValueError(
                field="injection", value=value,
                expected="NAME=MASK, a position's name and its perfused-territory mask, e.g. "
                "'right hepatic=right.nii.gz'",
            )
        pairs.append((name.strip(), Path(path.strip())))
    return pairs


def _verdict(record: dict[str, Any]) -> str:
    if record["within_limits"]:
        return "Within all limits."
    failed = "; ".join(
        f"{f['name']} {f['value']:.3g} exceeds {f['limit']:.3g}" for f in record["failed_limits"]
    )
    return f"NOT within limits: {failed}."


def _summary(record: dict[str, Any]) -> str:
    lines = [
        f"Protocol {record['protocol']}.",
        f"Administer {record['activity_mbq']:.0f} MBq of 166Ho for a mean dose of "
        f"{record['target_dose_gy']:g} Gy to {record['treated_mass_kg']:.3f} kg of treated liver.",
        f"Lung shunt {100 * record['lung_shunt_fraction']:.1f} % -> lung dose "
        f"{record['lung_dose_gy']:.1f} Gy (limit {record['limits']['lung_dose_max_gy']:g} Gy, "
        f"lung mass {record['lung_mass_kg']:.2f} kg).",
    ]
    for voi in record.get("vois", []):
        lines.append(
            f"  {voi['name']}: {voi['mass_g']:.0f} g, {100 * voi['fraction_of_scout']:.1f} % of "
            f"the scout, predicted mean dose {voi['predicted_mean_dose_gy']:.1f} Gy"
        )
    for spot in record.get("extrahepatic", []):
        x, y, z = spot["centroid_lps_mm"]
        lines.append(
            f"  extrahepatic deposition {spot['label']}: {spot['activity_mbq']:.2f} MBq "
            f"({100 * spot['fraction_of_scout']:.1f} % of the scout) at LPS "
            f"({x:.0f}, {y:.0f}, {z:.0f}) mm"
        )
    for position in record.get("injection_positions", []):
        lines.append(
            f"  inject {position['activity_mbq']:.0f} MBq at {position['name']} "
            f"({position['mass_kg']:.3f} kg perfused)"
        )
    if "activity_at_calibration_mbq" in record:
        lines.append(
            f"Prepare {record['activity_at_calibration_mbq']:.0f} MBq at "
            f"{record['calibration_time']} for {record['activity_mbq']:.0f} MBq at "
            f"{record['administration_time']}."
        )
    lines.extend(f"Assumed: {text}." for text in record.get("assumptions", []))
    lines.append(_verdict(record))
    return "\n".join(lines)


def register(app: typer.Typer) -> None:
    """Add the ``plan`` command to ``app``."""

    @app.command("plan")
    def plan_command(
        treated_mass_kg: Annotated[float | None, typer.Option(
            help="Treated liver mass in kg (quick check without images).")] = None,
        target_dose_gy: Annotated[float | None, typer.Option(
            help="Target mean dose to the treated liver (default: the protocol's, 60 Gy).")
        ] = None,
        lsf: Annotated[float | None, typer.Option(
            "--lsf", help="Lung shunt fraction 0..1 (default 0, or measured on the scout).")
        ] = None,
        lung_mass_kg: Annotated[float | None, typer.Option(
            help="Lung mass in kg (default: from the lung mask, else the protocol's 1 kg).")
        ] = None,
        spect: Annotated[Path | None, typer.Option(
            help="Scout SPECT in Bq/mL (NIfTI or NM RECON TOMO).")] = None,
        liver_mask: Annotated[Path | None, typer.Option(help="Treated-liver mask (NIfTI).")] = None,
        lung_mask: Annotated[Path | None, typer.Option(help="Lung mask (NIfTI).")] = None,
        tumour_mask: Annotated[list[Path] | None, typer.Option(
            help="Tumour mask (NIfTI); repeat for each tumour.")] = None,
        structures: Annotated[Path | None, typer.Option(
            help="RT Structure Set or SEG with regions 'liver', 'lungs' and tumours.")] = None,
        ct: Annotated[Path | None, typer.Option(
            help="CT (DICOM folder or NIfTI in HU) for the density map.")] = None,
        protocol: Annotated[str, typer.Option(
            help="Protocol version (registry, paper-v6) or file.")] = "registry",
        calibration_time: Annotated[str | None, typer.Option(
            help="Time the activity is prepared (ISO 8601 with offset).")] = None,
        administration_time: Annotated[str | None, typer.Option(
            help="Time of administration (ISO 8601 with offset).")] = None,
        scout_activity_mbq: Annotated[float | None, typer.Option(
            help="Administered scout activity in MBq (for the scout biodistribution).")] = None,
        scout_time_h: Annotated[float | None, typer.Option(
            help="Hours from scout injection to the scout SPECT (default 0, then said in "
            "'assumptions').")] = None,
        injection: Annotated[list[str] | None, typer.Option(
            help="NAME=MASK: an injection position and its perfused-territory mask (NIfTI); "
            "repeat for each position to split the activity by perfused mass.")] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
        unit: Annotated[str | None, typer.Option(
            help="Unit of a NIfTI SPECT that does not store one (Bq/mL); refused otherwise.")
        ] = None,
        frame_of_reference: Annotated[str | None, typer.Option(
            "--frame-of-reference", help="FrameOfReferenceUID of a NIfTI SPECT that stores none "
            "(to use it with a DICOM CT).")] = None,
        like: Annotated[Path | None, typer.Option(
            help="A DICOM image or series (the CT) whose frame of reference a NIfTI SPECT that "
            "stores none lies in.")] = None,
    ) -> None:
        """Plan the 166Ho activity and check lung dose and liver dose against the protocol."""
        from hepar.services.planning import image_plan, quick_plan

        times = {
            "calibration_time": _time(calibration_time, "calibration_time"),
            "administration_time": _time(administration_time, "administration_time"),
        }
        if lsf is not None and not (math.isfinite(lsf) and 0.0 <= lsf < 1.0):
            raise InvalidValueError(
                field="lsf", value=lsf, expected="a lung shunt fraction from 0 to below 1"
            )
        with_images = spect is not None or liver_mask is not None or structures is not None
        if treated_mass_kg is not None and with_images:
            raise InvalidValueError(
                field="treated_mass_kg", value=treated_mass_kg,
                expected="either --treated-mass-kg or images (--spect, --liver-mask), not both",
            )
        injections = _injections(injection)
        if treated_mass_kg is not None and (unit or frame_of_reference or like):
            raise InvalidValueError(
                field="unit" if unit else "frame_of_reference" if frame_of_reference else "like",
                value=unit or frame_of_reference or str(like),
                expected="--spect (these options describe a NIfTI SPECT)",
            )
        if treated_mass_kg is not None:
            if injections:
                raise InvalidValueError(
                    field="injection", value=injection,
                    expected="--spect with --liver-mask: the split needs the territory masks",
                )
            record = quick_plan(
                treated_mass_kg, target_dose_gy=target_dose_gy, lung_shunt_fraction=lsf,
                lung_mass_kg=lung_mass_kg, protocol=protocol, **times,
            )
        elif spect is not None:
            record = image_plan(
                spect=spect, liver_mask=liver_mask, lung_mask=lung_mask,
                tumour_masks=tumour_mask or [], structures=structures, ct=ct,
                target_dose_gy=target_dose_gy, lung_shunt_fraction=lsf,
                lung_mass_kg=lung_mass_kg, protocol=protocol,
                scout_activity_mbq=scout_activity_mbq, scout_time_h=scout_time_h,
                injections=injections, unit=unit, frame_of_reference_uid=frame_of_reference,
                like=like, **times,
            )
        else:
            raise InvalidValueError(
                field="plan", value=None,
                expected="--treated-mass-kg, or --spect with --liver-mask (or --structures)",
            )
        typer.echo(json_text(record) if as_json else _summary(record))
