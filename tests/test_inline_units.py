"""No inline unit conversion in ``src/hepar`` (issue 15; STYLE.md habit 3).

A multiplication or division by one of the factors that unit conversions are made of (10: cm ->
mm, 1000: g -> kg, mm^3 -> mL, mJ -> J, ms -> s, HU; 1e6: Bq -> MBq; 3600: h -> s; 1e-3, 1e-6)
must use a named constant of ``hepar/physics/_constants.py`` (``MM_PER_CM``, ``G_PER_KG``,
``MM3_PER_ML``, ``MJ_PER_J``, ``MS_PER_S``, ``HU_SCALE``, ``BQ_PER_MBQ``, ``S_PER_H``...). The
allow-list below names each exception by file and line text with its reason; an entry that no
longer matches fails too, so the list stays exact. Percent (100) is not checked: it is a display
scale, not a unit.
"""

from __future__ import annotations

import ast
import io
import tokenize
from collections import Counter
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[1] / "src" / "hepar"
#: Literal factors that betray a unit conversion written inline.
FACTORS = {10.0, 1000.0, 1.0e6, 3600.0, 1.0e-3, 1.0e-6}
#: Where the constants are defined.
CONSTANTS = "physics/_constants.py"

_CLINICAL = "hepar.clinical may not import hepar.physics (clinical engines are pure, DESIGN.md)"
ALLOWED: dict[tuple[str, str], str] = {
    ("clinical/_adverse_events.py",
     "late = (event.reported_at - deadline).total_seconds() / 3600.0"): _CLINICAL,
    ("clinical/_protocol.py",
     "return self.mean_dose_treated_liver_gy / (self.absorbed_energy_mj_per_mbq * 1e-3)"):
        _CLINICAL,
    ("dosimetry/_tac.py",
     "return math.log(max(lam - floor, 1e-6 * max(floor, 1e-9)))"):
        "a numerical floor of the fit parameter, not a unit",
    ("dosimetry/_tac_voxel.py",
     "a1, np.log(lam1 - lam2), a2, np.log(np.maximum(lam2 - lam_phys, lam_phys * 1e-6)),"):
        "a numerical floor of the fit start, not a unit",
    ("io/_dicom_series.py",
     "allowed = IN_PLANE_TOLERANCE_MM + 1e-3 * np.abs(along - along[0])"):
        "a relative geometric tolerance, not a unit",
    ("io/_rtdose.py",
     "if step == 0 or np.abs(steps - step).max() > max(0.01, 1e-3 * abs(step)):"):
        "a relative geometric tolerance, not a unit",
    ("phantoms/_projector.py",
     "basis = np.stack([1.0 + np.minimum(hu_arr, 0.0) / 1000.0,"):
        "the simulator's own HU model (kept apart from the reconstruction; its file is the "
        "SPECT work's)",
    ("phantoms/_projector.py",
     "np.maximum(hu_arr, 0.0) / 1000.0]).astype(F32)"):
        "the simulator's own HU model (kept apart from the reconstruction; its file is the "
        "SPECT work's)",
}

_SKIP = (tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT)


def inline_conversions(text: str) -> list[str]:
    """Stripped source lines where a factor of :data:`FACTORS` multiplies or divides."""
    tokens = [t for t in tokenize.generate_tokens(io.StringIO(text).readline)
              if t.type not in _SKIP]
    found = []
    for i, token in enumerate(tokens):
        if token.type != tokenize.NUMBER or token.string.endswith(("j", "J")):
            continue
        try:
            value = float(ast.literal_eval(token.string))
        except (ValueError, SyntaxError):
            continue
        if value not in FACTORS:
            continue
        before = tokens[i - 1].string if i else ""
        after = tokens[i + 1].string if i + 1 < len(tokens) else ""
        if before in ("*", "/") or after in ("*", "/"):
            found.append(token.line.strip())
    return found


def test_the_detector_sees_the_conversions_it_is_meant_to_catch():
    caught = inline_conversions(
        "r_mm = r_g_per_cm2 * 10.0 / rho\nm_kg = m_g / 1000\na = bq / 1e6\nt = s / 3600.\n"
        "ok = 2.0 * x\nn = 1000\n"
    )
    assert caught == ["r_mm = r_g_per_cm2 * 10.0 / rho", "m_kg = m_g / 1000", "a = bq / 1e6",
                      "t = s / 3600."]


def test_no_inline_unit_conversion_outside_the_allow_list():
    found: Counter[tuple[str, str]] = Counter()
    for path in sorted(SOURCE.rglob("*.py")):
        relative = path.relative_to(SOURCE).as_posix()
        if relative == CONSTANTS:
            continue
        for line in inline_conversions(path.read_text(encoding="utf-8")):
            found[(relative, line)] += 1
    new = sorted(f"{file}: {line}" for file, line in found if (file, line) not in ALLOWED)
    assert not new, "inline unit conversions (use hepar.physics constants):\n" + "\n".join(new)
    stale = sorted(f"{file}: {line}" for file, line in ALLOWED if (file, line) not in found)
    assert not stale, "allow-list entries that no longer match:\n" + "\n".join(stale)
