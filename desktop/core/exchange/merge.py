"""The merge of one bundle into one store: per entity and field, the highest
`(hlc, replica, sha256(value))` wins and the losing value goes to `conflicts` unless the
winner's lineage shows its writer had that value and replaced it. Reviews are a set
(append-only), analysts are whole-row last-writer-wins, created/imported stamps keep the
earliest. Every step is a join, so workstations that have seen the same bundles agree."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import zipsafe
from ..kernel import sql as store
from ..kernel.errors import BundleError, PeerRefused
from ..kernel.hlc import COUNTER_BITS, pack
from .authority import SEALED, Authority, check_seal_shape, tag_cycle
from .records import (
    ANALYST_COLUMNS,
    ENTITIES,
    ORDER,
    PLAIN_COLUMNS,
    REFERENCES,
    VALIDATORS,
    Entity,
    Invalid,
    canonical,
    check_semantics,
    key_str,
    q,
)
from .verify import Opened
from .versions import (
    Version,
    compress,
    effective_versions,
    field_hash,
    merge_order,
    parse_version,
    row_hashes,
    token,
    value_sha,
    version_json,
)

FUTURE_MS = 24 * 3600 * 1000  # records stamped further ahead than this are quarantined


@dataclass
class EntityCounts:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    conflicting: int = 0
    quarantined: int = 0
    removed: int = 0  # of the updated: live here, a tombstone after the merge

    @property
    def total(self) -> int:
        return self.new + self.updated + self.unchanged + self.quarantined


class Rollback(Exception):
    """Raised to undo a dry run's transaction once it has counted everything."""


class Merge:
    """Applies one bundle's records inside the caller's transaction and counts what happened."""

    def __init__(
        self,
        tx,
        opened: Opened,
        *,
        replica: str,
        blob_path: Callable[[str], Path],
        dry_run: bool,
        seq: int,
        signer_id: str | None = None,
        derive_text: Callable[[bytes, str], str] | None = None,
    ):
        self.tx, self.db, self.opened = tx, tx.db, opened
        self.authority = Authority(
            tx.db, opened, signer_id or opened.info.signer_id, blob_path, derive_text
        )
        self.dry_run, self.seq = dry_run, seq
        self.replica, self.blob_path = replica, blob_path
        self.bundle_id = opened.manifest["bundle_id"]
        self.counts = {name: EntityCounts() for name in ORDER}
        self.quarantined: dict[str, set[str]] = {name: set() for name in ORDER}
        self.new_conflicts: list[str] = []
        self.max_hlc = 0
        self.limit_hlc = pack(time.time_ns() // 1_000_000 + FUTURE_MS, 0)
        self.doc_lengths: dict[str, int] = {}
        self.index: dict[str, set[str]] = {"document": set(), "annotation": set()}
        self.changed_sources: set[str] = set()
        self.changed_tags: set[str] = set()
        self.changed_matrices: set[str] = set()
        self.reviews: set[str] = set()
        self.judgements: set[str] = set()
        self.blobs_written: list[Path] = []
        self.dirs_made: list[Path] = []
        self.validators = VALIDATORS
        self.present: dict[str, set[str]] = {name: set() for name in ORDER}
        self.conn = self.db.conn
        self._sql: dict[tuple, str] = {}
        self.open_conflicts = {
            (e, i, f)
            for e, i, f in self.db.execute(
                "SELECT entity, entity_id, field FROM conflicts WHERE resolved_at IS NULL"
            )
        }

    # one record -----------------------------------------------------------------------------
    def record(self, name: str, rec: Any, where: str) -> None:
        try:
            values, versions = self._validate(name, rec)
        except Invalid as exc:
            raise BundleError(f"{where}: expected {exc}.") from None
        newest = max((v[0] for v in versions.values()), default=values.get("hlc", 0))
        kstr = key_str(name, values)
        if newest > self.limit_hlc:
            ahead = ((newest >> COUNTER_BITS) - time.time_ns() // 1_000_000) / 3_600_000
            self._quarantine(name, kstr, rec, f"stamped {ahead:.0f} hours in the future")
            return
        missing = self._missing_parent(name, values)
        if missing is not None:
            parent, pkey = missing
            if pkey in self.quarantined[parent]:
                self._quarantine(name, kstr, rec, f"its {parent[:-1]} {pkey} is quarantined")
                return
            raise BundleError(
                f"{where}: refers to {parent[:-1]} {pkey}, which is neither in "
                "this bundle nor in this workspace (import the earlier bundle "
                "from the same origin first)."
            )
        self.max_hlc = max(self.max_hlc, newest)
        self.authority.check(name, values, rec, where)
        if name == "analysts":
            self._merge_analyst(values)
        elif name in ("reviews", "judgement_reviews"):
            self._merge_review(values, where, name)
        else:
            if name == "annotations":
                length = self._doc_length(values["document_id"])
                if values["end"] > length:
                    raise BundleError(
                        f"{where}: the span {values['start']}–{values['end']} "
                        f"lies outside its document (0–{length})."
                    )
            if name == "documents":
                self._blob(values, where)
            self._merge_row(ENTITIES[name], values, versions, kstr, where, rec)
            if len(ENTITIES[name].key) == 1:
                self.present[name].add(kstr)
        self.authority.keep(name, values, rec)

    def _validate(self, name: str, rec: Any) -> tuple[dict, dict[str, Version]]:
        checks = self.validators[name]
        versioned = name in ENTITIES
        shape = {"v", "d", "c"} if versioned else {"v"}
        if not isinstance(rec, dict) or set(rec) - {"s"} != shape:
            raise Invalid("a record object with " + ("v, d and c" if versioned else "v"))
        if "s" in rec:
            if name not in SEALED:
                raise Invalid(f"no seal on {name}")
            check_seal_shape(rec["s"])
        values = rec["v"]
        if not isinstance(values, dict):
            raise Invalid("field values in v")
        missing = set(checks) - set(values)
        extra = set(values) - set(checks)
        if missing or (extra and not self.opened.newer_minor):
            raise Invalid(f"exactly the fields {', '.join(sorted(checks))}")
        for col, check in checks.items():
            try:
                check(values[col])
            except Invalid as exc:
                raise Invalid(f"{col} to be {exc}") from None
        values = {c: values[c] for c in checks}
        check_semantics(name, values)
        if not versioned:
            return values, {}
        ent = ENTITIES[name]
        default = parse_version(rec["d"])
        overrides = rec["c"]
        if not isinstance(overrides, dict) or not set(overrides) <= set(ent.fields):
            raise Invalid("versions only for merged fields")
        versions = {
            f: parse_version(overrides[f]) if f in overrides else default for f in ent.fields
        }
        return values, versions

    def _missing_parent(self, name: str, values: dict) -> tuple[str, str] | None:
        for col, parent in REFERENCES.get(name, ()):
            ref = values[col]
            if ref is None or ref in self.present[parent]:
                continue
            pk = ENTITIES[parent].key[0]
            if (
                self.conn.execute(f"SELECT 1 FROM {parent} WHERE {q(pk)} = ?", [ref]).fetchone()
                is None
            ):
                return parent, ref
            self.present[parent].add(ref)
        return None

    def _quarantine(self, name: str, kstr: str, rec: Any, reason: str) -> None:
        self.quarantined[name].add(kstr)
        self.counts[name].quarantined += 1
        qid = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{self.bundle_id}/{name}/{kstr}"))
        self.db.execute(
            "INSERT OR REPLACE INTO quarantine(id, bundle_id, origin, entity, entity_key, record,"
            " reason, received_at) VALUES (?,?,?,?,?,?,?,?)",
            [
                qid,
                self.bundle_id,
                self.opened.info.origin,
                name,
                kstr,
                canonical(rec).decode(),
                reason,
                self.tx.now,
            ],
        )

    def _doc_length(self, doc_id: str) -> int:
        n = self.doc_lengths.get(doc_id)
        if n is None:
            row = self.db.execute("SELECT text FROM documents WHERE id = ?", [doc_id]).fetchone()
            n = self.doc_lengths[doc_id] = len(row[0] or "") if row else 0
        return n

    def _blob(self, values: dict, where: str) -> None:
        sha = values["sha256"]
        member = self.opened.members.get(f"blobs/sha256/{sha}")
        target = self.blob_path(sha)
        if member is None:
            if not target.exists():
                raise BundleError(
                    f"{where}: the document arrives without its original file, "
                    "and this workspace does not have it."
                )
            return
        if target.exists() or self.dry_run:
            return
        if not target.parent.exists():
            target.parent.mkdir(parents=True)
            self.dirs_made.append(target.parent)
        tmp = target.with_name(f"{target.name}.{uuid.uuid4().hex[:8]}.tmp")
        digest = hashlib.sha256()
        try:
            with open(tmp, "wb") as out:
                for chunk in zipsafe.read_chunks(self.opened.fh, member, member.size):
                    digest.update(chunk)
                    out.write(chunk)
            if digest.hexdigest() != sha:
                raise BundleError(f"{where}: its original file does not match its hash.")
            os.replace(tmp, target)
        finally:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
        self.blobs_written.append(target)

    # merging --------------------------------------------------------------------------------
    def _merge_analyst(self, values: dict) -> None:
        c = self.counts["analysts"]
        local = store.row(self.db, "SELECT * FROM analysts WHERE id = ?", [values["id"]])
        if local is None:
            self._insert("analysts", values)
            c.new += 1
            return
        local = {k: local[k] for k in ANALYST_COLUMNS}
        if local == values or (values["public_key"] is None and local["public_key"]):
            c.unchanged += 1  # a name-only entry never replaces a keyed one
        elif (values["hlc"], value_sha(values)) > (local["hlc"] or 0, value_sha(local)):
            self._update("analysts", ("id",), values)
            c.updated += 1
        else:
            c.unchanged += 1

    def _merge_review(self, values: dict, where: str, table: str = "reviews") -> None:
        """Reviews of claims, or of judgements (TABLE): append-only, a set."""
        c, columns = self.counts[table], PLAIN_COLUMNS[table]
        found = self.conn.execute(
            f"SELECT {', '.join(columns)} FROM {table} WHERE id = ?", [values["id"]]
        ).fetchone()
        local = dict(zip(columns, found, strict=True)) if found else None
        if local is None:
            self._insert(table, values)
            self.reviews.add(values["id"])
            if table == "judgement_reviews":
                self.judgements.add(values["judgement_id"])
            self._sync_plain(table, values["id"], values["hlc"])
            c.new += 1
            return
        local = {k: local[k] for k in columns}
        if local == values:
            c.unchanged += 1
            return
        # reviews never change: two different rows under one id lost nothing only if both stay
        remote_wins = (values["hlc"], value_sha(values)) > (local["hlc"] or 0, value_sha(local))
        lv = (local["hlc"] or 0, "", local["reviewer_id"], local["created_at"] or "", ())
        rv = (
            values["hlc"],
            self.opened.info.origin,
            values["reviewer_id"],
            values["created_at"] or "",
            (),
        )
        if self._conflict(
            table,
            values["id"],
            "*",
            local,
            lv,
            values,
            rv,
            "remote" if remote_wins else "local",
        ):
            c.conflicting += 1
        if remote_wins:
            self._update(table, ("id",), values)
            self._sync_plain(table, values["id"], values["hlc"])
            c.updated += 1
        else:
            c.unchanged += 1

    def _merge_row(
        self,
        ent: Entity,
        values: dict,
        remote: dict[str, Version],
        kstr: str,
        where: str,
        rec: dict,
    ) -> None:
        c = self.counts[ent.name]
        keyvals = [values[k] for k in ent.key]
        names = (*ent.columns, "hlc", "updated_at", "updated_by")
        sql = self._sql.get(("select", ent.name))
        if sql is None:
            sql = self._sql["select", ent.name] = (
                f"SELECT {', '.join(q(x) for x in names)} FROM {ent.name} WHERE "
                + " AND ".join(f"{q(k)} = ?" for k in ent.key)
            )
        found = self.conn.execute(sql, keyvals).fetchone()
        if found is None:
            top = max(remote.values(), key=lambda v: (v[0], v[1]))
            row = {**values, "hlc": top[0], "updated_at": top[3], "updated_by": top[2]}
            self._insert(ent.name, row)
            self.conn.execute(  # a new row keeps the versions exactly as they came
                "INSERT OR REPLACE INTO sync_state(entity, key, row_hlc, hashes, versions, seq)"
                " VALUES (?,?,?,?,?,?)",
                [
                    ent.name,
                    kstr,
                    row["hlc"],
                    row_hashes(ent, row),
                    canonical({**rec["c"], "*": rec["d"]}).decode(),
                    self.seq,
                ],
            )
            self._changed(ent.name, values)
            c.new += 1
            return
        local = dict(zip(names, found, strict=True))
        for col in ent.fixed:
            if local[col] != values[col]:
                raise BundleError(
                    f"{where}: its {col} differs from this workspace's copy "
                    f"({values[col]!r} here {local[col]!r}); the record is not "
                    "the same entity."
                )
        found = self.conn.execute(
            "SELECT row_hlc, hashes, versions FROM sync_state WHERE entity = ? AND key = ?",
            [ent.name, kstr],
        ).fetchone()
        sync = dict(zip(("row_hlc", "hashes", "versions"), found, strict=True)) if found else None
        mine, hashes = effective_versions(ent, local, sync, self.replica)
        merged = dict(mine)
        new_values: dict[str, Any] = {}
        conflicted = False
        for f in ent.fields:
            lv, rv = mine[f], remote[f]
            lval, rval = local[f], values[f]
            if lv == rv and lval == rval:
                continue
            remote_wins = merge_order(rv, rval) > merge_order(lv, lval)
            if remote_wins:
                merged[f] = rv
                if rval != lval:
                    new_values[f] = rval
            if lval != rval:
                winner, lost = (rv, lval) if remote_wins else (lv, rval)
                if field_hash(lost) not in winner[4] and self._conflict(
                    ent.name, kstr, f, lval, lv, rval, rv, "remote" if remote_wins else "local"
                ):
                    conflicted = True
            if merged[f] != mine[f] and (ent.name, kstr, f) in self.open_conflicts:
                self._settle(ent.name, kstr, f, merged[f], new_values.get(f, lval))
        for a, b in ent.quiet:
            ours = (local[a] is None, local[a] or "", local[b] or "")
            theirs = (values[a] is None, values[a] or "", values[b] or "")
            if theirs < ours:
                new_values[a], new_values[b] = values[a], values[b]
        if conflicted:
            c.conflicting += 1
        if not new_values and merged == mine:
            if hashes is not None:  # local edits stamped while looking: remember them
                self._write_sync(ent, kstr, local, mine, hashes=hashes)
            c.unchanged += 1
            return
        top = max(merged.values(), key=lambda v: (v[0], v[1]))
        sets = {**new_values, "hlc": top[0], "updated_at": top[3], "updated_by": top[2]}
        self.db.execute(
            f"UPDATE {ent.name} SET {', '.join(f'{q(k)} = ?' for k in sets)} WHERE "
            + " AND ".join(f"{q(k)} = ?" for k in ent.key),
            [*sets.values(), *keyvals],
        )
        row = {**local, **sets}
        self._write_sync(ent, kstr, row, merged)
        if any(f in ent.fields for f in new_values):
            self._changed(ent.name, row)
            c.updated += 1
            if new_values.get("deleted") == 1 and not local.get("deleted"):
                c.removed += 1
        else:
            c.unchanged += 1

    def _conflict(
        self,
        entity: str,
        kstr: str,
        fname: str,
        lval: Any,
        lv: Version,
        rval: Any,
        rv: Version,
        winner: str,
    ) -> bool:
        loser = lv if winner == "remote" else rv
        cid = str(
            uuid.uuid5(uuid.NAMESPACE_URL, f"assay-conflict/{entity}/{kstr}/{fname}/{token(loser)}")
        )
        cur = self.db.execute(
            "INSERT OR IGNORE INTO conflicts(id, entity, entity_id, field, local_value,"
            " remote_value, local_hlc, remote_hlc, winner, bundle_id, created_at,"
            " local_version, remote_version) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            [
                cid,
                entity,
                kstr,
                fname,
                canonical(lval).decode(),
                canonical(rval).decode(),
                lv[0],
                rv[0],
                winner,
                self.bundle_id,
                self.tx.now,
                canonical(version_json(lv)).decode(),
                canonical(version_json(rv)).decode(),
            ],
        )
        if cur.rowcount:
            self.new_conflicts.append(cid)
            self.open_conflicts.add((entity, kstr, fname))
            return True
        return False

    def _settle(self, entity: str, kstr: str, fname: str, version: Version, value: Any) -> None:
        """Close conflicts the incoming value already settled: its writer had both sides."""
        seen = {field_hash(value), *version[4]}
        for cid, lval, rval in self.db.execute(
            "SELECT id, local_value, remote_value FROM conflicts WHERE entity = ? AND"
            " entity_id = ? AND field = ? AND resolved_at IS NULL",
            [entity, kstr, fname],
        ).fetchall():
            if {field_hash(json.loads(lval)), field_hash(json.loads(rval))} <= seen:
                self.db.execute(
                    "UPDATE conflicts SET resolved_at = ?, resolved_by = ?, resolution = ?"
                    " WHERE id = ?",
                    [version[3], version[2], canonical(value).decode(), cid],
                )

    def _insert(self, table: str, row: dict) -> None:
        shape = ("insert", table, *row)
        sql = self._sql.get(shape)
        if sql is None:
            cols = ", ".join(q(c) for c in row)
            sql = self._sql[shape] = (
                f"INSERT INTO {table} ({cols}) VALUES ({','.join('?' * len(row))})"
            )
        self.conn.execute(sql, list(row.values()))

    def _update(self, table: str, key: tuple[str, ...], row: dict) -> None:
        sets = {k: v for k, v in row.items() if k not in key}
        self.db.execute(
            f"UPDATE {table} SET {', '.join(f'{q(k)} = ?' for k in sets)} WHERE "
            + " AND ".join(f"{q(k)} = ?" for k in key),
            [*sets.values(), *(row[k] for k in key)],
        )

    def _write_sync(
        self,
        ent: Entity,
        kstr: str,
        row: dict,
        versions: dict[str, Version],
        *,
        hashes: str | None = None,
    ) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO sync_state(entity, key, row_hlc, hashes, versions, seq)"
            " VALUES (?,?,?,?,?,?)",
            [
                ent.name,
                kstr,
                row["hlc"],
                hashes or row_hashes(ent, row),
                canonical(compress(versions)).decode(),
                self.seq,
            ],
        )

    def _sync_plain(self, entity: str, kstr: str, hlc: int) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO sync_state(entity, key, row_hlc, hashes, versions, seq)"
            " VALUES (?,?,?,'','',?)",
            [entity, kstr, hlc, self.seq],
        )

    def _changed(self, name: str, row: dict) -> None:
        if name == "documents":
            self.index["document"].add(row["id"])
        elif name in ("annotations",):
            self.index["annotation"].add(row["id"])
        elif name in ("claims", "annotation_tags"):
            self.index["annotation"].add(row["annotation_id"])
        elif name == "sources":
            self.changed_sources.add(row["id"])
        elif name == "tags":
            self.changed_tags.add(row["id"])
        elif name == "judgements":
            self.judgements.add(row["id"])
        elif name == "judgement_evidence":
            self.judgements.add(row["judgement_id"])
        elif name.startswith("ach_"):
            self.changed_matrices.add(row["id"] if name == "ach_matrices" else row["matrix_id"])

    def check_tag_parents(self) -> None:
        bad = self.db.execute(
            "SELECT t.id, t.parent_id FROM tags t WHERE t.parent_id IS NOT NULL AND NOT EXISTS"
            " (SELECT 1 FROM tags p WHERE p.id = t.parent_id) LIMIT 1"
        ).fetchone()
        if bad:
            raise BundleError(
                f"records/tags.jsonl: tag {bad[0]} has a parent {bad[1]} that is "
                "neither in this bundle nor in this workspace."
            )
        loop = tag_cycle(self.db)
        if loop:
            names = dict(self.db.execute("SELECT id, name FROM tags"))
            chain = " → ".join(repr(names.get(t, t)) for t in loop)
            raise PeerRefused(
                f"{self.opened.path.name} is refused: records/tags.jsonl: the tags' parents "
                f"make a loop ({chain}); nothing was changed."
            )

    def queue_index(self) -> None:
        docs, anns = self.index["document"], self.index["annotation"]
        for sid in self.changed_sources:
            for (doc,) in self.db.execute("SELECT id FROM documents WHERE source_id = ?", [sid]):
                docs.add(doc)
        for doc in list(docs):
            anns.update(
                r[0]
                for r in self.db.execute("SELECT id FROM annotations WHERE document_id = ?", [doc])
            )
        for tid in self.changed_tags:
            anns.update(
                r[0]
                for r in self.db.execute(
                    "SELECT annotation_id FROM annotation_tags WHERE tag_id = ?", [tid]
                )
            )
        self.db.conn.executemany(
            "INSERT INTO index_queue(entity, entity_id, op) VALUES (?, ?, 'update')",
            [("document", i) for i in sorted(docs)] + [("annotation", i) for i in sorted(anns)],
        )

    def remove_written_blobs(self) -> None:
        for path in self.blobs_written:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        for d in reversed(self.dirs_made):
            with contextlib.suppress(OSError):
                d.rmdir()
