"""Property-based tests (STYLE.md habit 11) with their own time budget: every test here sets
``max_examples`` and runs in seconds; ``HEPAR_HYPOTHESIS_EXAMPLES`` raises the count for a
longer hunt."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

sys.path.insert(0, str(Path(__file__).parent.parent / "cli"))  # the records of tests/cli

settings.register_profile(
    "hepar-properties",
    max_examples=int(os.environ.get("HEPAR_HYPOTHESIS_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(scope="session")
def images(tmp_path_factory):
    """The synthetic images of tests/cli (CT series, NM RECON TOMO, SEG, NIfTI)."""
    from cli_images import build_images

    return build_images(tmp_path_factory.mktemp("images"))
