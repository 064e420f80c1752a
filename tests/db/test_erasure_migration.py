"""The erasure migration's SQLite rebuild keeps every row, index, trigger and foreign key."""

from __future__ import annotations

import importlib.util
import json
import sqlite3
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _migration():
    path = ROOT / "migrations" / "civicfutures_2026_12_05t15_10_00_000000_erasure.py"
    spec = importlib.util.spec_from_file_location("erasure_migration", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_rebuild_adds_autoincrement_and_keeps_everything(tmp_path):
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as db:
        db.executescript(
            """
            PRAGMA foreign_keys = ON;
            CREATE TABLE IF NOT EXISTS "parent" ("id" INTEGER PRIMARY KEY NOT NULL,
                "code" VARCHAR(64) NOT NULL DEFAULT '');
            CREATE TABLE IF NOT EXISTS "child" ("id" INTEGER PRIMARY KEY NOT NULL,
                "parent" INTEGER NOT NULL REFERENCES "parent" ("id") ON DELETE CASCADE,
                "body" TEXT NOT NULL DEFAULT '');
            CREATE UNIQUE INDEX uq_parent_code ON parent (code);
            CREATE INDEX ix_child_parent ON child (parent);
            CREATE TRIGGER child_no_update BEFORE UPDATE ON child
                BEGIN SELECT RAISE(ABORT, 'append-only'); END;
            INSERT INTO parent (code) VALUES ('A'), ('B'), ('C');
            INSERT INTO child (parent, body) VALUES (3, 'told by C');
            DELETE FROM parent WHERE id = 3;
            INSERT INTO child (parent, body) VALUES (2, 'told by B');
            """
        )
    rebuilt = _migration().rebuild_with_autoincrement(str(path))
    assert rebuilt == ["child", "parent"]
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA foreign_keys = ON")
        assert db.execute("SELECT id, code FROM parent").fetchall() == [(1, "A"), (2, "B")]
        assert db.execute("SELECT parent, body FROM child").fetchall() == [(2, "told by B")]
        names = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE sql IS NOT NULL")}
        assert {"uq_parent_code", "ix_child_parent", "child_no_update"} <= names
        db.execute("INSERT INTO parent (code) VALUES ('D')")
        # From the rebuild on, a deleted largest id (D's) is not handed out again.
        db.execute("DELETE FROM parent WHERE code = 'D'")
        assert db.execute("INSERT INTO parent (code) VALUES ('E') RETURNING id").fetchone() == (4,)
        db.execute("DELETE FROM parent WHERE code = 'B'")
        assert db.execute("SELECT count(*) FROM child").fetchone() == (0,)
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []


def test_stored_answers_become_references():
    reference = _migration()._reference
    story = json.dumps({"id": 42, "body": "a story"})
    assert reference("7:/api/v1/stories", story) == ("story", "42")
    report = json.dumps({"created": {"workshops": 1, "stories": 2, "codings": 3}})
    assert reference("7:/api/v1/imports/", report) == ("import", "1,0,2,0,3")
    assert reference("7:/api/v1/stories", "not json") == ("story", "")
