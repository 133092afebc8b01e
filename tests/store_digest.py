"""A digest of a workspace's whole store, and a diff of two digests that says which rows moved."""

from __future__ import annotations

# Not compared: the audit log (an undo is audited, by design), the index queue (derived: the
# indexer drains it), the schema's own bookkeeping, sqlite's internal tables and any table
# holding the undo history itself.
SKIPPED_TABLES = frozenset({"audit", "index_queue", "_sqlite_migrations"})
SKIPPED_PREFIXES = ("sqlite_", "undo")
# Stamped afresh on every write, an undo included, so the reversal travels in the next bundle
# (desktop.core.kernel.undo.META); the clock never runs backwards. What an undo must restore
# is everything else.
CLOCK_COLUMNS = frozenset({"hlc", "updated_at", "updated_by"})
# meta rows that are the clock's high-water mark, not state an action makes
CLOCK_META_KEYS = frozenset({"hlc"})

Row = tuple[tuple[str, object], ...]  # (column, value) pairs, by column name


class StoreDigest(dict):
    """Table name → its rows (each a sorted tuple of (column, value)), rows sorted, so two
    digests are equal exactly when the stores hold the same rows. `keys_of` holds each
    table's primary key columns, for `diff`."""

    keys_of: dict[str, tuple[str, ...]]


def compared_tables(db) -> list[str]:
    return sorted(
        name
        for name in db.table_names()
        if name not in SKIPPED_TABLES
        and not name.startswith(SKIPPED_PREFIXES)
        and not _is_fts_shadow(db, name)
    )


def _is_fts_shadow(db, name: str) -> bool:
    """A full-text table or one of its shadow tables (derived from the rows they index)."""
    return any(name == fts or name.startswith(fts + "_") for fts in _fts_tables(db))


def _fts_tables(db) -> list[str]:
    return [
        r[0]
        for r in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%'"
            " AND sql LIKE '%USING fts%'"
        )
    ]


def store_digest(ws) -> StoreDigest:
    """Every row of every compared table of WS's store (`ws.db`), order-free."""
    db = ws.db
    out = StoreDigest()
    out.keys_of = {}
    for table in compared_tables(db):
        t = db[table]
        cols = [c.name for c in t.columns if c.name not in CLOCK_COLUMNS]
        pks = tuple(p for p in t.pks if p != "rowid") or tuple(cols)
        out.keys_of[table] = pks
        quoted = ", ".join(f'"{c}"' for c in cols)
        rows: list[Row] = []
        for values in db.execute(f'SELECT {quoted} FROM "{table}"'):
            row = tuple(sorted(zip(cols, values, strict=True)))
            if table == "meta" and dict(row).get("key") in CLOCK_META_KEYS:
                continue
            rows.append(row)
        out[table] = sorted(rows, key=repr)
    return out


def diff(before: StoreDigest, after: StoreDigest, *, limit: int = 8) -> str:
    """What differs between two digests, table by table: rows added (a 'tombstone' when the row
    is there only as deleted = 1), rows gone, and rows changed with each changed field."""
    lines: list[str] = []
    keys_of = {**getattr(after, "keys_of", {}), **getattr(before, "keys_of", {})}
    for table in sorted(set(before) | set(after)):
        old = {_key(r, keys_of.get(table)): dict(r) for r in before.get(table, [])}
        new = {_key(r, keys_of.get(table)): dict(r) for r in after.get(table, [])}
        if old == new:
            continue
        added = [k for k in new if k not in old]
        gone = [k for k in old if k not in new]
        changed = [k for k in new if k in old and new[k] != old[k]]
        tombstones = [k for k in added if new[k].get("deleted") == 1]
        added = [k for k in added if k not in tombstones]
        for label, keys in (
            ("tombstone (row left with deleted = 1)", tombstones),
            ("row added", added),
            ("row gone", gone),
        ):
            for k in keys[:limit]:
                row = new.get(k) or old[k]
                lines.append(f"{table}: {label}: {_show_key(k)} {_brief(row)}")
            if len(keys) > limit:
                lines.append(f"{table}: … {len(keys) - limit} more ({label})")
        for k in changed[:limit]:
            fields = ", ".join(
                f"{c}: {old[k].get(c)!r} → {new[k].get(c)!r}"
                for c in sorted(set(old[k]) | set(new[k]))
                if old[k].get(c) != new[k].get(c)
            )
            lines.append(f"{table}: row changed: {_show_key(k)} {fields}")
        if len(changed) > limit:
            lines.append(f"{table}: … {len(changed) - limit} more changed rows")
    return "\n".join(lines) or "(no difference)"


def summary(before: StoreDigest, after: StoreDigest) -> dict[str, dict[str, int]]:
    """Per table that differs: how many rows were added, left as tombstones, gone, changed."""
    out: dict[str, dict[str, int]] = {}
    keys_of = {**getattr(after, "keys_of", {}), **getattr(before, "keys_of", {})}
    for table in sorted(set(before) | set(after)):
        old = {_key(r, keys_of.get(table)): dict(r) for r in before.get(table, [])}
        new = {_key(r, keys_of.get(table)): dict(r) for r in after.get(table, [])}
        if old == new:
            continue
        added = [k for k in new if k not in old]
        out[table] = {
            "tombstones": sum(new[k].get("deleted") == 1 for k in added),
            "added": sum(new[k].get("deleted") != 1 for k in added),
            "gone": sum(k not in new for k in old),
            "changed": sum(k in old and new[k] != old[k] for k in new),
        }
    return out


def _key(row: Row, pks: tuple[str, ...] | None) -> tuple:
    d = dict(row)
    if not pks:
        return row
    return tuple((k, d.get(k)) for k in pks)


def _show_key(key: tuple) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in key)


def _brief(row: dict, width: int = 60) -> str:
    parts = []
    for k, v in row.items():
        text = repr(v)
        parts.append(f"{k}={text[:width] + '…' if len(text) > width else text}")
    return "{" + ", ".join(parts) + "}"
