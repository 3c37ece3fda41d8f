"""``hepar batch`` on Dask: the same batch on a LocalCluster of 1 worker process, then of 2.

Six enrolled ``tiny``-preset virtual patients (``cohort_plan(6, seed=2)``) are written as study
folders (the ``hepar phantom`` layout) with a camera file and a study database holding their
records, once. The reference is the same batch on a ``LocalCluster`` with one worker (same
scheduler, same task overhead), each run into a fresh output folder and a fresh copy of the
database, so that nothing is skipped. Prints the per-patient cost (CPU seconds in the workers,
wall seconds with one worker), the data read and written per patient (the figures of the
1,000-patient estimate in benchmarks/README.md) and, last, the speed-up from 1 to 2 workers.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from hepar.pipeline import check_batch, run_batch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "pipeline"))
from batch_studies import Studies, enrolled, write_studies  # the test suite's study folders

#: HEPAR_BENCH_PATIENTS and HEPAR_BENCH_PRESET override the cohort size and the preset
N_PATIENTS = int(os.environ.get("HEPAR_BENCH_PATIENTS", "6"))
PRESET = os.environ.get("HEPAR_BENCH_PRESET", "tiny")
SEED = 2
BYTES_PER_MB = 1_000_000  # decimal megabyte (SI)


def _size_mb(paths: list[Path]) -> float:
    return sum(p.stat().st_size for path in paths for p in
               ([path] if path.is_file() else path.rglob("*")) if p.is_file()) / BYTES_PER_MB


#: What a batch task imports (lazily) on its first patient.
SCIENCE_MODULES = ("hepar.services.reconstruction", "hepar.services.planning",
                   "hepar.services.dose_calculation", "hepar.io", "hepar.imaging", "pydicom")


def _import_science() -> None:
    import importlib

    for name in SCIENCE_MODULES:
        importlib.import_module(name)


def _batch(studies: Studies, folder: Path, workers: int) -> tuple[float, float, int]:
    """(wall seconds, worker CPU seconds, patients imaged) of one batch on ``workers``."""
    from dask.distributed import Client, LocalCluster

    run = studies.copy(folder / f"run{workers}")
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                      dashboard_address=None, silence_logs=logging.ERROR) as cluster, \
            Client(cluster) as client:
        # A batch cluster is long-lived: its workers import the science stack once, not per
        # batch; import it before the clock starts so both runs time the patients only.
        client.run(_import_science)
        cpu_before = sum(client.run(time.process_time).values())
        start = time.perf_counter()
        summary = run_batch(check_batch(run.root, out=folder / f"out{workers}",
                                        scheduler=cluster.scheduler_address,
                                        database_url=run.url))
        wall = time.perf_counter() - start
        cpu = sum(client.run(time.process_time).values()) - cpu_before
    for failed in summary["failed"]:
        print(f"  patient {failed['patient_id']} failed: {failed['error']}: "
              f"{failed['message'][:120]}")
    return wall, cpu, summary["done"]


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        studies = write_studies(folder / "data", enrolled(N_PATIENTS, SEED), n=N_PATIENTS,
                                seed=SEED, preset=PRESET)
        n = len(studies.patient_ids)
        read_mb = _size_mb([studies.root / pid / part for pid in studies.patient_ids
                            for part in ("nm/ho166_scout.dcm", "nm/ho166_treatment.dcm",
                                         "ct/scout", "ct/treatment", "seg")]) / n
        one, cpu, imaged = _batch(studies, folder, 1)
        written_mb = _size_mb([folder / "out1" / pid for pid in studies.patient_ids]) / n
        shutil.rmtree(folder / "run1")
        two, _, _ = _batch(studies, folder, 2)
        print(f"{n} enrolled {PRESET} patients (cohort_plan({N_PATIENTS}, seed={SEED})), "
              f"{imaged} imaged through")
        print(f"per patient: {cpu / n:.1f} s CPU in the worker, {one / n:.1f} s wall with "
              f"1 worker; {read_mb:.1f} MB read, {written_mb:.1f} MB written")
        print(f"1 worker: {one:.1f} s wall; 2 workers: {two:.1f} s wall")
        print(f"speed-up 1 -> 2 workers: {one / two:.2f}x")


if __name__ == "__main__":
    main()
