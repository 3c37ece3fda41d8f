"""``hepar.services`` holds no physical constant and no formula of its own (issue 15).

A use case reads inputs, calls the science layers and writes outputs. The import-linter contract
"Services, pipeline and commands hold no science of their own" (pyproject.toml) keeps scipy,
SimpleITK and YAML out; this test checks what a contract cannot see: numbers, formulas, and
imports of another package's private modules.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "hepar"
SERVICES = sorted((SRC / "services").glob("*.py"))
#: Numbers a use case may write: nothing, one, and percent for display.
NEUTRAL = {0.0, 1.0, 100.0}
#: Other float literals, by file and value, with their reason.
ALLOWED_NUMBERS = {
    ("clinical_qol.py", 10.0): "default --threshold of `hepar qol change` (README contract), "
                               "a clinical setting, not a physical constant",
}
#: Functions whose call in a service would be a formula of its own.
FORMULA_FUNCTIONS = {"log", "log2", "log10", "log1p", "exp", "expm1", "sqrt", "power", "pow"}
#: A module-level name with a physical unit is a constant that belongs to hepar.physics.
UNIT_SUFFIX = re.compile(r"_(GY|MBQ|BQ|G_PER_ML|KG|G|ML|MM|CM|H|S|KEV|MEV|MJ|J)(_PER_\w+)?$")


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", SERVICES, ids=lambda p: p.name)
def test_a_service_writes_no_physical_number(path):
    numbers = {
        float(node.value) for node in ast.walk(_tree(path))
        if isinstance(node, ast.Constant) and type(node.value) is float
    }
    odd = sorted(v for v in numbers - NEUTRAL if (path.name, v) not in ALLOWED_NUMBERS)
    assert odd == [], f"{path.name}: physical numbers belong in hepar.physics or the protocol"


@pytest.mark.parametrize("path", SERVICES, ids=lambda p: p.name)
def test_a_service_computes_no_formula_of_its_own(path):
    calls = sorted({
        node.func.attr for node in ast.walk(_tree(path))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
        and node.func.attr in FORMULA_FUNCTIONS
    })
    assert calls == [], f"{path.name}: use the tested function of the science layers"


@pytest.mark.parametrize("path", SERVICES, ids=lambda p: p.name)
def test_a_service_defines_no_physical_constant(path):
    names = [
        target.id for node in _tree(path).body if isinstance(node, ast.Assign | ast.AnnAssign)
        for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
        if isinstance(target, ast.Name) and UNIT_SUFFIX.search(target.id)
    ]
    assert names == []


def test_services_and_commands_use_the_public_face_of_the_science():
    private = []
    for path in sorted([*SERVICES, *(SRC / "cli").glob("*.py")]):
        own = path.parent.name
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                parts = node.module.split(".")
                if parts[0] == "hepar" and len(parts) > 2 and parts[1] != own \
                        and parts[2].startswith("_"):
                    private.append(f"{path.name}: {node.module}")
    assert private == []


def test_the_checks_see_a_formula_and_a_constant():
    code = ast.parse("LUNG_DENSITY_G_PER_ML = 0.26\nx = math.log(2.0) * y\n")
    assert UNIT_SUFFIX.search(code.body[0].targets[0].id)
    assert any(isinstance(n, ast.Call) and n.func.attr == "log" for n in ast.walk(code)
               if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute))
