"""Open a workspace database (WAL, foreign keys) and the small typed helpers over it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlite_utils import Database

from . import migrations


def connect(path: Path, *, readonly: bool = False) -> Database:
    """A sqlite-utils Database on its own connection, tuned for one writer and many readers."""
    if readonly:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=10)
    else:
        conn = sqlite3.connect(str(path), timeout=10)
    db = Database(conn, execute_plugins=False)
    db.execute("PRAGMA foreign_keys = ON")
    db.execute("PRAGMA busy_timeout = 10000")
    if not readonly:
        with db.ensure_autocommit_on():
            db.execute("PRAGMA journal_mode = WAL")
        # WAL with NORMAL sync is durable against application crashes, which is what we promise.
        db.execute("PRAGMA synchronous = NORMAL")
    db.execute("PRAGMA temp_store = MEMORY")
    db.execute("PRAGMA cache_size = -32000")
    return db


def open_store(path: Path, *, readonly: bool = False, migrate: bool = True) -> Database:
    db = connect(path, readonly=readonly)
    if migrate and not readonly:
        migrations.apply(db)
    return db


def get_meta(db: Database, key: str, default: str | None = None) -> str | None:
    row = db.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
    return row[0] if row else default


def set_meta(db: Database, key: str, value: str) -> None:
    db.execute(
        "INSERT INTO meta(key, value) VALUES (?, ?)"
        " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        [key, value],
    )


def rows(db: Database, sql: str, params: list | tuple = ()) -> list[dict]:
    cur = db.execute(sql, list(params))
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def row(db: Database, sql: str, params: list | tuple = ()) -> dict | None:
    found = rows(db, sql, params)
    return found[0] if found else None


def integrity_problems(db: Database) -> list[str]:
    result = [r[0] for r in db.execute("PRAGMA integrity_check").fetchall()]
    problems = [] if result == ["ok"] else [f"SQLite integrity: {r}" for r in result]
    fk = db.execute("PRAGMA foreign_key_check").fetchall()
    problems += [f"foreign key broken in {r[0]} row {r[1]}" for r in fk]
    return problems
