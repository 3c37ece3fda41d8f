"""The per-patient imaging pipeline on Dask: 1 worker process against 2, same jobs.

The reference is the same batch of ``tiny``-preset patients run on a ``LocalCluster`` with one
worker (same scheduler overhead), in fresh folders each time so that no result is reused.
Prints the per-patient cost (CPU seconds in the worker, wall seconds per patient with one
worker) and the data volume written per patient, the figures the 1,000-patient estimate in
benchmarks/README.md starts from. Last line: the speed-up from 1 to 2 workers.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from hepar.pipeline import PatientImaging, run_jobs, study_jobs

N_PATIENTS, SEED, PRESET = 6, 2, "tiny"
BYTES_PER_MB = 1_000_000  # decimal megabyte (SI), for the data volume


def _batch(workers: int) -> tuple[float, float, int]:
    """(wall seconds, MB written per imaged patient, imaged patients)."""
    with tempfile.TemporaryDirectory() as folder:
        jobs = study_jobs(N_PATIENTS, SEED, PRESET)
        start = time.perf_counter()
        done = run_jobs(jobs, Path(folder), workers=workers)
        wall = time.perf_counter() - start
        imaged = [d for d in done if isinstance(d, PatientImaging)]
        size = sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file())
        return wall, size / BYTES_PER_MB / max(len(imaged), 1), len(imaged)


def main() -> None:
    one, volume_mb, imaged = _batch(1)
    two, _, _ = _batch(2)
    print(f"{N_PATIENTS} enrolled {PRESET} patients (seed {SEED}), {imaged} imaged through")
    print(f"1 worker: {one:.1f} s wall ({one / N_PATIENTS:.1f} s per patient)")
    print(f"2 workers: {two:.1f} s wall")
    print(f"data written per imaged patient: {volume_mb:.1f} MB")
    print(f"speed-up 1 -> 2 workers: {one / two:.2f}x")


if __name__ == "__main__":
    main()
