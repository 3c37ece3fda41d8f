"""Use case: calibrate the gamma camera from an acquisition of a known source (``hepar calibrate``).

The acquisition (a planar NM STATIC image or a SPECT, read by :mod:`hepar.io`) and the source's
activity at its reference time (from the dose calibrator) go to
:func:`hepar.spect.calibrate_camera`, which decay-corrects the activity to the acquisition and
derives sensitivity per isotope and window and the dead-time parameters. The result is written
as ``camera.json`` (:func:`hepar.io.write_camera_file`), atomically, with the SHA-256 of the
acquisition file. Every option and path is checked before the file is read.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hepar import __version__
from hepar.errors import InvalidValueError
from hepar.physics import COLLIMATORS, S_PER_H, canonical_nuclide_name

from .input_files import aware_time, file_records, positive_number

__all__ = ["KNOWN_COLLIMATORS", "calibrate_file", "calibration_summary"]

#: Collimators hepar has geometry for (hepar.physics.COLLIMATORS: LEHR, ME, MELP, MEGP).
KNOWN_COLLIMATORS = tuple(COLLIMATORS)


def _check_out(out: Path, overwrite: bool) -> None:
    if out.exists() and not overwrite:
        raise InvalidValueError(field="out", value=str(out),
                                expected="a file that does not exist yet (or --overwrite)")
    if out.is_dir():
        raise InvalidValueError(field="out", value=str(out), expected="a file, not a folder")
    if not out.parent.is_dir():
        raise InvalidValueError(field="out", value=str(out),
                                expected="a file in an existing folder")
    if out.suffix.lower() != ".json":
        raise InvalidValueError(field="out", value=str(out), expected="a .json file")
    from hepar.io import check_output_file

    check_output_file(out, overwrite=overwrite, option="out")  # /proc, a real write beside it


#: The dose-calibrator reading and the acquisition at most this many half-lives apart: beyond,
#: less than 0.1 % of the activity is left to image (2**-10), a reading of another day.
MAX_HALF_LIVES_TO_ACQUISITION = 10


def _half_life_h(isotope: str, *, given: object) -> float:
    from hepar.physics import nuclide

    try:
        return float(nuclide(isotope).half_life_h)
    except InvalidValueError as error:
        raise InvalidValueError(field="isotope", value=given, expected=error.expected) from None


def _check_reference_time(moment: Any, acquisition_start: Any, isotope: str) -> None:
    hours = abs((acquisition_start - moment).total_seconds()) / S_PER_H
    half_life_h = _half_life_h(isotope, given=isotope)
    if hours > MAX_HALF_LIVES_TO_ACQUISITION * half_life_h:
        raise InvalidValueError(
            field="reference_time", value=moment.isoformat(),
            expected=f"a time within {MAX_HALF_LIVES_TO_ACQUISITION} half-lives of {isotope} "
            f"({MAX_HALF_LIVES_TO_ACQUISITION * half_life_h:.0f} h) of the acquisition start "
            f"{acquisition_start.isoformat()}")


def collimator_choice(option: str | None, from_file: object) -> tuple[str, str]:
    """The collimator to model and where it came from: the option, else the file's
    CollimatorGridName when hepar knows it, else ME (the 166Ho and 177Lu collimator)."""
    if option is not None:
        name = option.strip().upper()
        if name not in KNOWN_COLLIMATORS:
            raise InvalidValueError(field="collimator", value=option,
                                    expected=f"one of {list(KNOWN_COLLIMATORS)}")
        return name, "option"
    written = str(from_file or "").strip().upper()
    if written in KNOWN_COLLIMATORS:
        return written, "file (CollimatorGridName)"
    return "ME", (f"default ME (the file names {written!r})" if written
                  else "default ME (the file names none)")


def calibration_summary(calibration: Any, out: Path, inputs: Sequence[dict[str, str]],
                        collimator_source: str) -> dict[str, Any]:
    """What ``hepar calibrate --json`` prints."""
    record = calibration.to_json_dict()
    return {
        "camera": str(out),
        "sensitivities": [
            {"isotope": s.isotope, "window": s.window,
             "sensitivity_cps_per_mbq": s.sensitivity_cps_per_mbq}
            for s in calibration.sensitivities
        ],
        "dead_time_s": calibration.dead_time_s,
        "dead_time_alpha_cps_per_mbq": calibration.dead_time_alpha_cps_per_mbq,
        "collimator": calibration.collimator,
        "collimator_source": collimator_source,
        "crosstalk": dict(calibration.crosstalk),
        "source_activity_mbq": calibration.source_activity_mbq,
        "acquisition_start": calibration.acquisition_start.isoformat(),
        "notes": list(calibration.notes),
        "calibration": record,
        "inputs": list(inputs),
        "version": __version__,
    }


def calibrate_file(
    acquisition: str | Path,
    *,
    activity_mbq: float,
    reference_time: str | Any,
    out: str | Path,
    isotope: str | None = None,
    collimator: str | None = None,
    combine_with: Sequence[str | Path] = (),
    overwrite: bool = False,
) -> dict[str, Any]:
    """Calibrate the camera from ``acquisition`` and write ``out`` (camera.json).

    Parameters
    ----------
    acquisition
        NM STATIC or NM TOMO file of the calibration source.
    activity_mbq
        The source's activity at ``reference_time`` (dose calibrator reading).
    reference_time
        ISO 8601 time with UTC offset of that reading (or an aware datetime).
    out
        The camera file to write (refused if it exists, unless ``overwrite``).
    isotope
        The source's radionuclide; by default the one the file names.
    collimator
        A name of :data:`hepar.physics.COLLIMATORS` (``LEHR``, ``ME``, ``MELP``, ``MEGP``); by
        default the file's collimator if hepar knows it, else ME.

    Returns
    -------
    dict
        See :func:`calibration_summary` (README, ``hepar calibrate``).
    """
    from hepar.io import read_camera_file, read_nm_acquisition, write_camera_file
    from hepar.spect import calibrate_camera, combine_calibrations

    source, target = Path(acquisition), Path(out)
    positive_number("activity_mbq", activity_mbq)
    moment = aware_time("reference_time", reference_time)
    name = canonical_nuclide_name(isotope) if isotope is not None else None
    if name is not None:
        _half_life_h(name, given=isotope)  # a radionuclide hepar knows, before the file is read
    if collimator is not None:
        collimator_choice(collimator, None)
    if not source.is_file():
        raise InvalidValueError(field="acquisition", value=str(source),
                                expected="an existing NM STATIC or NM TOMO file")
    _check_out(target, overwrite)
    for other in combine_with:
        if not Path(other).is_file():
            raise InvalidValueError(field="combine_with", value=str(other),
                                    expected="an existing camera.json (hepar calibrate)")
    earlier = [read_camera_file(other) for other in combine_with]
    projections = read_nm_acquisition(source)
    name = name or projections.isotope
    if name is None:
        raise InvalidValueError(field="isotope", value=None, source=str(source),
                                expected="the source's radionuclide (--isotope; the file names "
                                "none)")
    _check_reference_time(moment, projections.acquisition_start, name)
    for other, camera in zip(combine_with, earlier, strict=True):
        if canonical_nuclide_name(name) in {canonical_nuclide_name(s.isotope)
                                            for s in camera.sensitivities}:
            raise InvalidValueError(
                field="combine_with", value=str(other),
                expected=f"a camera file of another isotope (it holds a {name} sensitivity, "
                "which would replace the one calibrated now)")
    chosen, chosen_from = collimator_choice(collimator, projections.metadata.get("collimator"))
    calibration = calibrate_camera(projections, activity_mbq=activity_mbq,
                                   reference_time=moment, isotope=name, collimator=chosen)
    inputs = file_records("acquisition", source)
    if earlier:
        calibration = combine_calibrations(calibration, *earlier)
        inputs += [r for other in combine_with for r in file_records("combined camera", other)]
    write_camera_file(calibration, target, inputs=inputs, overwrite=overwrite)
    return calibration_summary(calibration, target, inputs, chosen_from)
