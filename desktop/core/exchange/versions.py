"""Field versions: what each travelling field's value descends from, and the local edits that
get fresh versions when the store is reconciled (on export, import and resolve).

Each travelling row keeps, in the local `sync_state` table, a *version* per field:
`[hlc, replica, by, at, lineage]`, where lineage lists short hashes of the values this value's
writer replaced, newest first. Local edits are not hooked: a row whose `hlc` differs from the
one recorded at the last reconcile was edited here, and each field whose hash changed gets a
fresh version stamped with the row's hlc.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from typing import Any

from ..kernel import sql as store
from .records import (
    ENTITIES,
    ID_RE,
    MAX_HLC,
    ORDER,
    Entity,
    Invalid,
    canonical,
    key_sql,
    key_str,
    q,
)

LINEAGE = 16  # replaced values remembered per field
LINEAGE_RE = re.compile(r"[0-9a-f]{12}")
HASH_CHARS = 12

Version = tuple  # (hlc, replica, by, at, lineage: tuple[str, ...])


def token(v: Version) -> str:
    return f"{v[0]}@{v[1]}"


def lineage(replaced: str, prev: Version, *more: str) -> tuple[str, ...]:
    """The lineage of a value that replaced one hashing to REPLACED (whose version was PREV)."""
    out = list(dict.fromkeys([*more, replaced, *prev[4]]))
    return tuple(out[:LINEAGE])


def as_version(x: list) -> Version:
    return (x[0], x[1], x[2], x[3], tuple(x[4]))


def value_sha(value: Any) -> str:
    return hashlib.sha256(canonical(value)).hexdigest()


def merge_order(v: Version, value: Any) -> tuple:
    """What decides a merge: the highest (hlc, replica, sha256(value)) wins."""
    return (v[0], v[1], value_sha(value), canonical(list(v)))


def field_hash(value: Any) -> str:
    if value is None:
        raw = b"n"
    elif isinstance(value, int):
        raw = b"i" + str(value).encode()
    else:
        raw = b"s" + str(value).encode("utf-8", "surrogatepass")
    return hashlib.blake2b(raw, digest_size=HASH_CHARS // 2).hexdigest()


def row_hashes(ent: Entity, row: dict) -> str:
    return "".join(field_hash(row[f]) for f in ent.fields)


def expand(ent: Entity, versions: str | dict) -> dict[str, Version]:
    data = json.loads(versions) if isinstance(versions, str) else versions
    default = data["*"]
    return {f: as_version(data.get(f, default)) for f in ent.fields}


def compress(versions: dict[str, Version]) -> dict:
    counts = Counter(versions.values())
    default = max(counts, key=lambda v: (counts[v], v[0], v[1]))
    out: dict = {"*": version_json(default)}
    for f, v in versions.items():
        if v != default:
            out[f] = version_json(v)
    return out


def version_json(v: Version) -> list:
    return [v[0], v[1], v[2], v[3], list(v[4])]


def parse_version(x: Any) -> Version:
    """A version as it arrives in a record, checked."""
    if not (isinstance(x, list) and len(x) == 5):
        raise Invalid("a version [hlc, replica, by, at, lineage]")
    h, replica, by, at, lineage_ = x
    if type(h) is not int or not 0 < h <= MAX_HLC:
        raise Invalid("a version with a valid clock value")
    if not (isinstance(replica, str) and ID_RE.fullmatch(replica)):
        raise Invalid("a version with a valid replica id")
    if not (isinstance(by, str) and len(by) <= 80 and isinstance(at, str) and len(at) <= 64):
        raise Invalid("a version with a valid author and time")
    if not (
        isinstance(lineage_, list)
        and len(lineage_) <= LINEAGE
        and all(isinstance(t, str) and LINEAGE_RE.fullmatch(t) for t in lineage_)
    ):
        raise Invalid("a version with a valid lineage")
    return (h, replica, by, at, tuple(lineage_))


def effective_versions(
    ent: Entity, row: dict, sync: dict | None, replica: str
) -> tuple[dict[str, Version], str | None]:
    """Each field's version, stamping fields edited here since the last reconcile.

    Returns the versions and, when sync_state needs rewriting, the row's new field hashes.
    """
    if sync is not None and sync["row_hlc"] == row["hlc"] and sync["versions"]:
        return expand(ent, sync["versions"]), None
    now_hashes = row_hashes(ent, row)
    hlc = int(row["hlc"] or 0)
    mine = (hlc, replica, row.get("updated_by") or "", row.get("updated_at") or "", ())
    if sync is None or not sync["versions"]:
        return {f: mine for f in ent.fields}, now_hashes
    old, old_hashes = expand(ent, sync["versions"]), sync["hashes"] or ""
    out = {}
    for i, f in enumerate(ent.fields):
        part = slice(i * HASH_CHARS, (i + 1) * HASH_CHARS)
        if now_hashes[part] != old_hashes[part]:
            out[f] = (*mine[:4], lineage(old_hashes[part], old[f]))
        else:
            out[f] = old[f]
    return out, now_hashes


def next_seq(tx) -> int:
    """The next reconcile sequence number (a watermark for `--team` exports)."""
    seq = int(store.get_meta(tx.db, "sync_seq", "0") or 0) + 1
    store.set_meta(tx.db, "sync_seq", str(seq))
    return seq


def reconcile_all(tx, seq: int, replica: str) -> int:
    """Give fields edited here since the last reconcile their versions; returns rows touched."""
    db, touched = tx.db, 0
    for name in ORDER:
        if name in ENTITIES:
            ent = ENTITIES[name]
            rowids = [
                r[0]
                for r in db.execute(
                    f"SELECT t.rowid FROM {name} t LEFT JOIN sync_state s ON s.entity = ?"
                    f" AND s.key = {key_sql(name, 't')}"
                    " WHERE s.row_hlc IS NULL OR s.row_hlc != t.hlc",
                    [name],
                )
            ]
            cols = ", ".join(f"t.{q(c)}" for c in (*ent.columns, "hlc", "updated_at", "updated_by"))
            for i in range(0, len(rowids), 500):
                chunk = rowids[i : i + 500]
                batch = []
                for r in store.rows(
                    db,
                    f"SELECT {cols}, s.row_hlc, s.hashes, s.versions FROM {name} t"
                    f" LEFT JOIN sync_state s ON s.entity = ? AND s.key = {key_sql(name, 't')}"
                    f" WHERE t.rowid IN ({','.join('?' * len(chunk))})",
                    [name, *chunk],
                ):
                    sync = r if r["row_hlc"] is not None else None
                    versions, new_hashes = effective_versions(ent, r, sync, replica)
                    batch.append(
                        (
                            name,
                            key_str(name, r),
                            r["hlc"],
                            new_hashes or r["hashes"],
                            canonical(compress(versions)).decode(),
                            seq,
                        )
                    )
                db.conn.executemany(
                    "INSERT OR REPLACE INTO sync_state(entity, key, row_hlc, hashes,"
                    " versions, seq) VALUES (?,?,?,?,?,?)",
                    batch,
                )
                touched += len(batch)
        else:
            cur = db.execute(
                "INSERT OR REPLACE INTO sync_state(entity, key, row_hlc, hashes, versions,"
                f" seq) SELECT ?, t.id, coalesce(t.hlc, 0), '', '', ? FROM {name} t"
                " LEFT JOIN sync_state s ON s.entity = ? AND s.key = t.id"
                " WHERE s.row_hlc IS NULL OR s.row_hlc != coalesce(t.hlc, 0)",
                [name, seq, name],
            )
            touched += cur.rowcount
    return touched
