"""Settings shared by the conftest and the tests of tests/spect_cli (a module of its own: a test
never imports ``conftest``, whose name other test folders share)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

#: Calibration: 100 MBq measured at REFERENCE, imaged 30 min later for 5 min.
SOURCE_MBQ = 100.0
REFERENCE = datetime(2015, 4, 18, 8, 0, tzinfo=timezone(timedelta(hours=2)))
