"""The demo study (``hepar demo --patients N``) end to end, with its per-stage split.

Default: the 34-patient study at the clinical grid, issue 12's benchmark (target: 10 minutes on
2 cores, the reference this prints its ratio against). ``--patients 3 --preset tiny`` is the
quick check. Stages:

- with ``--workers 1`` (default): every step of the per-patient workflow
  (:data:`hepar.services.demo_study.DEMO_STEPS`: simulate, write, calibrate, ..., dose,
  follow-up, truth comparison) summed over the patients, timed from the workflow's own progress
  calls, patients one after the other;
- with ``--workers W``: the imaging as one stage (Dask ``LocalCluster``, W processes);
- then the sphere-phantom recovery measurement and the database, analysis and reports
  (:func:`hepar.services.study_demo.finish_study`: database, export, study report, one
  dosimetry PDF per imaged patient).

Everything is written into a temporary folder, removed at the end. Last line: total seconds,
the ratio to the 10-minute target and the slowest stage.
"""

from __future__ import annotations

import argparse
import itertools
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

TARGET_S = 600.0  # issue 12: the 34-patient clinical demo in at most 10 minutes on 2 cores


def _image_serially(jobs: list[Any], folder: Path, stages: dict[str, float]) -> list[Any]:
    """Each patient through the per-patient workflow, its steps timed; the pipeline's result
    (what ``run_patient`` returns) built from each finished folder."""
    from hepar.errors import HeparError
    from hepar.pipeline._patient import _result
    from hepar.services.demo_study import run_demo

    results = []
    for job in jobs:
        marks: list[tuple[str, float]] = []

        def mark(step: str, marks: list[tuple[str, float]] = marks) -> None:
            marks.append((step, time.perf_counter()))

        try:
            summary = run_demo(folder / job.patient_id, seed=job.seed, preset_name=job.preset,
                               progress=mark)
        except HeparError as error:
            print(f"patient {job.patient_id} failed: {type(error).__name__}: {error}")
            summary = None
        marks.append(("", time.perf_counter()))
        for (step, start), (_, end) in itertools.pairwise(marks):
            stages[step] += end - start
        if summary is not None:
            results.append(_result(job, folder / job.patient_id, summary))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=34)
    parser.add_argument("--preset", default="clinical", choices=("clinical", "tiny"))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()

    from hepar.pipeline import PatientImaging, run_jobs, study_jobs
    from hepar.services.study_demo import finish_study
    from hepar.services.study_recovery import recovery_for_study

    stages: dict[str, float] = defaultdict(float)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as work:
        out = Path(work) / "study"
        (out / "patients").mkdir(parents=True)
        jobs = study_jobs(args.patients, args.seed, args.preset)
        if args.workers <= 1:
            imaging = _image_serially(jobs, out / "patients", stages)
        else:
            mark = time.perf_counter()
            done = run_jobs(jobs, out / "patients", workers=args.workers)
            imaging = [d for d in done if isinstance(d, PatientImaging)]
            stages[f"image patients ({args.workers} workers)"] = time.perf_counter() - mark
        mark = time.perf_counter()
        recovery_for_study(out / "recovery", args.preset)
        stages["sphere-phantom recovery coefficients"] = time.perf_counter() - mark
        mark = time.perf_counter()
        outcome = finish_study(out, n_patients=args.patients, seed=args.seed,
                               preset=args.preset, imaging=imaging)
        stages["database, analysis and reports"] = time.perf_counter() - mark
    total = time.perf_counter() - start
    print(f"{args.patients} enrolled {args.preset} patients (seed {args.seed}), "
          f"{len(imaging)} imaged through, workers {args.workers}")
    for stage, seconds in stages.items():
        print(f"  {stage}: {seconds:.1f} s")
    print(f"primary endpoint: {outcome.headline}")
    slowest = max(stages, key=lambda s: stages[s])
    print(f"total {total:.1f} s ({total / TARGET_S:.2f}x the 10-minute target); slowest stage: "
          f"{slowest} ({stages[slowest]:.1f} s)")


if __name__ == "__main__":
    main()
