"""``hepar db upgrade | export | import | load-virtual``: a bad URL, database file, option, ODM
file or ``--out`` is one ``error:`` line with exit status 2 and nothing written: no database file
created by a refused command, the study database unchanged, ``--out`` absent or unchanged
(issue 9)."""

from __future__ import annotations

import shutil

import pytest
from bad_input import check_bad_input, snapshot
from cli_database import empty_sqlite_file, sqlite_url

from hepar.cli import main


def _cases(study, tmp_path):
    database = tmp_path / "study.db"
    shutil.copy(study["database"], database)
    url = sqlite_url(database)
    new_db = tmp_path / "new.db"
    a_file = tmp_path / "notes.txt"
    a_file.write_text("not a database", encoding="utf-8")
    a_folder = tmp_path / "folder.db"
    a_folder.mkdir()
    no_schema = empty_sqlite_file(tmp_path / "no_schema.db")
    used = tmp_path / "used"
    used.mkdir()
    (used / "keep.csv").write_text("earlier export\n", encoding="utf-8")
    out = tmp_path / "export"
    odm_text = study["odm"].read_text(encoding="utf-8")
    truncated = tmp_path / "truncated.xml"
    truncated.write_text(odm_text[: len(odm_text) // 2], encoding="utf-8")
    not_odm = tmp_path / "other.xml"
    not_odm.write_text('<?xml version="1.0"?><catalog><book/></catalog>', encoding="utf-8")
    tampered = tmp_path / "tampered.xml"
    tampered.write_text(odm_text.replace('New="Ada Admin"', 'New="Eve Intruder"', 1),
                        encoding="utf-8")
    assert tampered.read_text(encoding="utf-8") != odm_text
    binary = tmp_path / "binary.xml"
    binary.write_bytes(b"\x00\xff\xfe" * 100)
    bad_url = "postgresql://nobody@127.0.0.1:1/hepar"  # nothing listens on port 1
    return [
        # upgrade
        ("unknown scheme", ["db", "upgrade", "--database", "mysql://x/y"], "--database", new_db),
        ("not a URL", ["db", "upgrade", "--database", "::not a url::"], "--database", new_db),
        ("SQLite under /proc", ["db", "upgrade", "--database", "sqlite:////proc/hepar.db"],
         "/proc", None),
        ("SQLite in a missing folder", ["db", "upgrade", "--database",
                                        sqlite_url(tmp_path / "no" / "such.db")], "--database",
         tmp_path / "no"),
        ("SQLite inside a file", ["db", "upgrade", "--database", sqlite_url(a_file / "x.db")],
         "--database", a_file),
        ("a text file as database", ["db", "upgrade", "--database", sqlite_url(a_file)],
         "not one", a_file),
        ("a folder as database", ["db", "upgrade", "--database", sqlite_url(a_folder)],
         "folder", a_folder),
        ("unreachable PostgreSQL", ["db", "upgrade", "--database", bad_url], "--database",
         None),
        # export
        ("unknown export format", ["db", "export", "--format", "xml", "--out", out,
                                   "--database", url], "--format", out),
        ("export of a missing database", ["db", "export", "--format", "odm", "--out", out,
                                          "--database", sqlite_url(new_db)], "--database",
         new_db),
        ("export without schema", ["db", "export", "--format", "csv", "--out", out,
                                   "--database", sqlite_url(no_schema)], "database", out),
        ("export into a used folder", ["db", "export", "--format", "csv", "--out", used,
                                       "--database", url], "--out", used),
        ("export --out is a file", ["db", "export", "--format", "csv", "--out", a_file,
                                    "--database", url], "--out", a_file),
        ("export --out under /proc", ["db", "export", "--format", "csv", "--out",
                                      "/proc/hepar-export", "--database", url], "/proc", None),
        ("export --out inside a file", ["db", "export", "--format", "odm", "--out",
                                        a_file / "export", "--database", url], "--out", a_file),
        ("export without --format", ["db", "export", "--out", out, "--database", url],
         "--format", out),
        # import
        ("import of a missing file", ["db", "import", tmp_path / "none.xml", "--database",
                                      sqlite_url(new_db)], "none.xml", new_db),
        ("import of a folder", ["db", "import", used, "--database", sqlite_url(new_db)],
         "FILE", new_db),
        ("import of truncated XML", ["db", "import", truncated, "--database",
                                     sqlite_url(new_db)], "truncated.xml", new_db),
        ("import of XML that is not ODM", ["db", "import", not_odm, "--database",
                                           sqlite_url(new_db)], "ODM", new_db),
        ("import of a tampered export", ["db", "import", tampered, "--database",
                                         sqlite_url(new_db)], "tampered.xml", new_db),
        ("import of binary data", ["db", "import", binary, "--database", sqlite_url(new_db)],
         "binary.xml", new_db),
        ("import into a study database", ["db", "import", study["odm"], "--database", url],
         "empty database", database),
        # load-virtual
        ("no patients", ["db", "load-virtual", "--patients", "0", "--database",
                         sqlite_url(new_db)], "--patients", new_db),
        ("negative patients", ["db", "load-virtual", "--patients", "-2", "--database",
                               sqlite_url(new_db)], "--patients", new_db),
        ("too many patients", ["db", "load-virtual", "--patients", "1001", "--database",
                               sqlite_url(new_db)], "--patients", new_db),
        ("negative seed", ["db", "load-virtual", "--patients", "2", "--seed", "-1",
                           "--database", sqlite_url(new_db)], "seed", new_db),
        ("load into a text file", ["db", "load-virtual", "--patients", "1", "--database",
                                   sqlite_url(a_file)], "not one", a_file),
        ("missing --patients", ["db", "load-virtual", "--database", sqlite_url(new_db)],
         "--patients", new_db),
        ("unknown sub-command", ["db", "downgrade"], "downgrade", None),
    ]


CASE_COUNT = 30


@pytest.mark.parametrize("index", range(CASE_COUNT))
def test_bad_db_input(study_database, tmp_path, capsys, index):
    cases = _cases(study_database, tmp_path)
    assert len(cases) == CASE_COUNT
    _case, argv, named, out = cases[index]
    database = tmp_path / "study.db"
    before = snapshot(database)
    check_bad_input(capsys, argv, named, out=out)
    assert snapshot(database) == before  # the study database is never touched
    assert not (tmp_path / "new.db").exists()  # no database file created by a refusal


def test_a_refused_import_removes_the_database_it_created(study_database, tmp_path, capsys):
    # import creates the schema, then finds the file's audit chain broken: the new file goes
    target = tmp_path / "fresh.db"
    tampered = tmp_path / "tampered.xml"
    tampered.write_text(study_database["odm"].read_text(encoding="utf-8").replace(
        'New="Nina Nurse"', 'New="Nina Changed"', 1), encoding="utf-8")
    check_bad_input(capsys, ["db", "import", tampered, "--database", sqlite_url(target)],
                    "tampered.xml")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tampered.xml"]


def test_the_export_imports_into_a_new_database(study_database, tmp_path, capsys):
    # the good path next to the bad ones: the same files are accepted when they are right
    target = tmp_path / "copy.db"
    assert main(["db", "import", str(study_database["odm"]), "--database",
                 sqlite_url(target)]) == 0
    assert main(["audit", "verify", "--database", sqlite_url(target), "--json"]) == 0
    assert '"ok": true' in capsys.readouterr().out
