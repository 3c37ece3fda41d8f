"""``hepar batch``: every bad input is refused before any computation, one input at a time: exit
status 2, one ``error:`` line naming the option, file or field, no traceback, nothing written
(the whole temporary folder -- studies, camera file, database, output -- is unchanged)."""

from __future__ import annotations

import shutil
import socket
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from bad_input import check_bad_input

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "pipeline"))
from batch_studies import write_studies  # (the study folders of the batch tests)

#: cohort_plan(1, seed=5): one enrolled patient and one screen failure (no administrations)
_COHORT = (1, 5)


@dataclass(frozen=True)
class Setup:
    root: Path  # tmp: studies/ (one good study folder and camera.json), study.db
    good: str
    screen_failure: str

    @property
    def studies(self) -> Path:
        return self.root / "studies"

    @property
    def url(self) -> str:
        return f"sqlite:///{self.root / 'study.db'}"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Setup:
    from hepar.phantoms import cohort_plan

    plan = cohort_plan(_COHORT[0], seed=_COHORT[1])
    good = next(m for m in plan if m.fails is None)
    failure = next(m for m in plan if m.fails is not None)
    root = tmp_path_factory.mktemp("batch-bad")
    write_studies(root, [(good.patient_id, good.seed)], n=_COHORT[0], seed=_COHORT[1])
    return Setup(root, good.patient_id, failure.patient_id)


@pytest.fixture
def setup(template: Setup, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Setup:
    root = tmp_path / "work"
    shutil.copytree(template.root, root)
    copy = Setup(root, template.good, template.screen_failure)
    monkeypatch.setenv("HEPAR_DATABASE_URL", copy.url)
    monkeypatch.chdir(root)
    return copy


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _studies(s: Setup) -> list[str]:
    return [str(s.studies), "--out", str(s.root / "out")]


def _without(relative: str) -> Callable[[Setup], list[str]]:
    def make(s: Setup) -> list[str]:
        path = s.studies / s.good / relative
        shutil.rmtree(path) if path.is_dir() else path.unlink()
        return _studies(s)
    return make


def _emptied(relative: str) -> Callable[[Setup], list[str]]:
    def make(s: Setup) -> list[str]:
        path = s.studies / s.good / relative
        shutil.rmtree(path)
        path.mkdir()
        return _studies(s)
    return make


def _folder_for_file(relative: str) -> Callable[[Setup], list[str]]:
    def make(s: Setup) -> list[str]:
        path = s.studies / s.good / relative
        path.unlink()
        path.mkdir()
        return _studies(s)
    return make


def _renamed(to: Callable[[Setup], str]) -> Callable[[Setup], list[str]]:
    def make(s: Setup) -> list[str]:
        (s.studies / s.good).rename(s.studies / to(s))
        return _studies(s)
    return make


def _bad_cohort(s: Setup) -> list[str]:
    (s.studies / "cohort.json").write_text('{"members": 3}')
    return _studies(s)


def _empty_dir(s: Setup) -> list[str]:
    (s.root / "empty").mkdir()
    return [str(s.root / "empty")]


def _hidden_only(s: Setup) -> list[str]:
    folder = s.root / "hidden"
    (folder / ".cache").mkdir(parents=True)
    (folder / "notes.txt").write_text("no study here\n")
    return [str(folder)]


def _out_file(s: Setup) -> list[str]:
    (s.root / "out.txt").write_text("a file\n")
    return [str(s.studies), "--out", str(s.root / "out.txt")]


def _out_foreign(s: Setup) -> list[str]:
    (s.root / "other").mkdir()
    (s.root / "other" / "keep.txt").write_text("not a batch's\n")
    return [str(s.studies), "--out", str(s.root / "other")]


def _no_camera(s: Setup) -> list[str]:
    (s.studies / "camera.json").unlink()
    return _studies(s)


def _bad_camera(s: Setup) -> list[str]:
    (s.root / "not_a_camera.json").write_text('{"format": "something else"}')
    return [*_studies(s), "--camera", str(s.root / "not_a_camera.json")]


def _env(value: Callable[[Setup], str]) -> Callable[[Setup, pytest.MonkeyPatch], list[str]]:
    def make(s: Setup, monkeypatch: pytest.MonkeyPatch) -> list[str]:
        monkeypatch.setenv("HEPAR_DATABASE_URL", value(s))
        return _studies(s)
    return make


CASES: dict[str, tuple[Callable[..., list[str]], str]] = {
    "nonexistent STUDIES_DIR": (lambda s: [str(s.root / "missing")], "STUDIES_DIR"),
    "STUDIES_DIR is a file": (lambda s: [str(s.studies / "camera.json")], "STUDIES_DIR"),
    "empty STUDIES_DIR": (_empty_dir, "STUDIES_DIR"),
    "no study sub-folder": (_hidden_only, "STUDIES_DIR"),
    "scheduler without scheme": (lambda s: [*_studies(s), "--scheduler", "localhost:8786"],
                                 "--scheduler"),
    "scheduler without port": (lambda s: [*_studies(s), "--scheduler", "tcp://127.0.0.1"],
                               "--scheduler"),
    "scheduler port out of range": (
        lambda s: [*_studies(s), "--scheduler", "tcp://127.0.0.1:70000"], "--scheduler"),
    "unreachable scheduler": (
        lambda s: [*_studies(s), "--scheduler", f"tcp://127.0.0.1:{_free_port()}"],
        "--scheduler"),
    "--workers 0": (lambda s: [*_studies(s), "--workers", "0"], "--workers"),
    "--workers -1": (lambda s: [*_studies(s), "--workers", "-1"], "--workers"),
    "--workers abc": (lambda s: [*_studies(s), "--workers", "abc"], "--workers"),
    "--workers with --scheduler": (
        lambda s: [*_studies(s), "--workers", "2", "--scheduler", "tcp://127.0.0.1:8786"],
        "--workers"),
    "unreadable cohort.json": (_bad_cohort, "cohort.json"),
    "study without its scout CT": (_without("ct/scout"), "ct/scout"),
    "study with an empty treatment CT": (_emptied("ct/treatment"), "ct/treatment"),
    "study without treatment projections": (_without("nm/ho166_treatment.dcm"),
                                            "nm/ho166_treatment.dcm"),
    "study without its scout SEG": (_without("seg/scout.dcm"), "seg/scout.dcm"),
    "SEG path is a folder": (_folder_for_file("seg/treatment.dcm"), "seg/treatment.dcm"),
    "no camera file": (_no_camera, "--camera"),
    "not a camera file": (_bad_camera, "not_a_camera.json"),
    "--out is a file": (_out_file, "--out"),
    "--out is another folder": (_out_foreign, "--out"),
    "--out inside STUDIES_DIR": (
        lambda s: [str(s.studies), "--out", str(s.studies / "out")], "--out"),
    "--user unknown": (lambda s: [*_studies(s), "--user", "nobody"], "--user"),
    "patient not in the database": (_renamed(lambda s: "HEPAR-V99999999"), "study_id"),
    "patient without administrations": (_renamed(lambda s: s.screen_failure),
                                        "administrations"),
}

ENV_CASES: dict[str, Callable[[Setup], str]] = {
    "database file missing": lambda s: f"sqlite:///{s.root / 'missing.db'}",
    "database of another kind": lambda s: "mysql://user@localhost/hepar",
    "database URL unparsable": lambda s: "not a url",
    "database server unreachable": lambda s: f"postgresql://nobody@127.0.0.1:{_free_port()}/x",
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_is_refused_before_any_computation(
        case: str, setup: Setup, capsys: pytest.CaptureFixture[str]) -> None:
    make, named = CASES[case]
    argv = make(setup)
    check_bad_input(capsys, ["batch", *argv], named, out=setup.root)
    assert not (setup.root / "out").exists()


@pytest.mark.parametrize("case", list(ENV_CASES))
def test_bad_database_is_refused_before_any_computation(
        case: str, setup: Setup, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    argv = _env(ENV_CASES[case])(setup, monkeypatch)
    check_bad_input(capsys, ["batch", *argv], "HEPAR_DATABASE_URL", out=setup.root)
    assert not (setup.root / "missing.db").exists() and not (setup.root / "out").exists()
