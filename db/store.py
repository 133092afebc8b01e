"""Open a workspace database (WAL, foreign keys) and the small typed helpers over it."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlite_utils import Database


def import_sqlite_utils():
    """sqlite_utils, without numpy: sqlite_utils imports numpy when it is installed (py3langid
    brings it) only to map numpy types to columns, which we never insert; that was ~40 % of a
    search process's imports. Later imports of numpy are not affected."""
    if "sqlite_utils.db" not in sys.modules and "numpy" not in sys.modules:
        blocked = {m: sys.modules.get(m) for m in ("numpy", "pandas")}
        sys.modules.update(dict.fromkeys(blocked))  # None: `import numpy` raises ImportError
        try:
            import sqlite_utils.db
        finally:
            for name, mod in blocked.items():
                if mod is None:
                    sys.modules.pop(name, None)
                else:
                    sys.modules[name] = mod
    import sqlite_utils

    return sqlite_utils


_DIRECT = frozenset({"SELECT", "PRAGMA"})


class Store:
    """A sqlite3 connection with sqlite-utils' Database API, which is loaded at first use.

    `execute`, `executescript`, `conn` and `close` (all a search needs) are plain sqlite3;
    anything else (`db["table"]`, `atomic()`, `ensure_autocommit_on()`, …) goes to one
    sqlite_utils Database over the same connection, made on first use (bench/bench_coldstart.py:
    importing sqlite-utils and what it brings, click, pluggy, dateutil, was ~15 % of a new
    `assay search` process)."""

    __slots__ = ("conn", "_db")

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self._db = None

    @property
    def database(self) -> Database:
        if self._db is None:
            self._db = import_sqlite_utils().Database(self.conn, execute_plugins=False)
        return self._db

    def execute(self, sql: str, parameters: Any = None) -> sqlite3.Cursor:
        # A SELECT or PRAGMA opens no implicit transaction, so sqlite-utils' execute (which
        # commits a write made outside a transaction) would only pass it on; writes go there.
        if self._db is None and sql.lstrip()[:6].upper() in _DIRECT:
            if parameters is not None:
                return self.conn.execute(sql, parameters)
            return self.conn.execute(sql)
        return self.database.execute(sql, parameters)

    def executescript(self, sql: str) -> sqlite3.Cursor:
        return self.database.executescript(sql)

    def close(self) -> None:
        self.conn.close()

    def __getitem__(self, name: str):
        return self.database[name]

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __getattr__(self, name: str):
        return getattr(self.database, name)

    def __repr__(self) -> str:
        return f"<Store {self.conn!r}>"


def connect(path: Path, *, readonly: bool = False) -> Database:
    """A Database (see Store) on its own connection, tuned for one writer and many readers."""
    if readonly:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=10)
    else:
        conn = sqlite3.connect(str(path), timeout=10)
    db = Store(conn)
    db.execute("PRAGMA foreign_keys = ON")
    db.execute("PRAGMA busy_timeout = 10000")
    if not readonly:
        # outside a transaction (sqlite-utils' ensure_autocommit_on, without loading it)
        level, conn.isolation_level = conn.isolation_level, None
        try:
            db.execute("PRAGMA journal_mode = WAL")
        finally:
            conn.isolation_level = level
        # WAL with NORMAL sync is durable against application crashes, which is what we promise.
        db.execute("PRAGMA synchronous = NORMAL")
    db.execute("PRAGMA temp_store = MEMORY")
    db.execute("PRAGMA cache_size = -32000")
    return db


def open_store(path: Path, *, readonly: bool = False, migrate: bool = True) -> Database:
    db = connect(path, readonly=readonly)
    if migrate and not readonly:
        from . import migrations

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
