"""Values that lost a merge: listing them with both sides, and a supervisor's resolution,
which is itself a versioned edit and travels onwards."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..kernel import sql as store
from ..kernel.changes import Changes
from ..kernel.errors import ConflictError, NotFound, PermissionDenied
from ..kernel.session import Session
from ..kernel.undo import RowChange
from .records import ENTITIES, VALIDATORS, Invalid, canonical, q
from .versions import compress, effective_versions, field_hash, lineage, next_seq, row_hashes

# A short description of the entity a conflict is about, by table.
LABELS = {
    "documents": "SELECT title FROM documents WHERE id = ?",
    "annotations": "SELECT coalesce(c.statement, a.quote) FROM annotations a LEFT JOIN"
    " claims c ON c.annotation_id = a.id WHERE a.id = ?",
    "claims": "SELECT statement FROM claims WHERE annotation_id = ?",
    "annotation_tags": "SELECT quote FROM annotations WHERE id = ?",
    "tags": "SELECT name FROM tags WHERE id = ?",
    "sources": "SELECT name FROM sources WHERE id = ?",
    "links": "SELECT relation FROM links WHERE id = ?",
    "reviews": "SELECT decision FROM reviews WHERE id = ?",
    "judgements": "SELECT statement FROM judgements WHERE id = ?",
    "judgement_evidence": "SELECT statement FROM judgements WHERE id = ?",
    "judgement_reviews": "SELECT decision FROM judgement_reviews WHERE id = ?",
    # analysis of competing hypotheses
    "ach_matrices": "SELECT question FROM ach_matrices WHERE id = ?",
    "ach_hypotheses": "SELECT text FROM ach_hypotheses WHERE id = ?",
    "ach_evidence": "SELECT question FROM ach_matrices WHERE id = ?",
    "ach_cells": "SELECT 'rating of “' || text || '”' FROM ach_hypotheses WHERE id = ?",
}


@dataclass
class Conflict:
    id: str
    entity: str
    entity_id: str
    field: str
    local_value: Any
    remote_value: Any
    local_by: str
    remote_by: str
    local_at: str
    remote_at: str
    winner: str
    current_value: Any
    bundle_id: str
    created_at: str
    resolved_at: str | None
    resolved_by: str | None
    resolution: Any
    label: str = ""


class Conflicts:
    """The `conflicts` table, read and settled through SESSION."""

    def __init__(self, session: Session, index_pending: Callable[..., int]):
        self.session, self.index_pending = session, index_pending

    def list(self, unresolved_only: bool = True) -> list[Conflict]:
        """Values that lost a merge, with both sides, newest first."""
        sql = "SELECT * FROM conflicts"
        if unresolved_only:
            sql += " WHERE resolved_at IS NULL"
        out = []
        for r in self.session.rows(sql + " ORDER BY created_at DESC, id"):
            lv = json.loads(r["local_version"]) if r["local_version"] else [0, "", "", "", []]
            rv = json.loads(r["remote_version"]) if r["remote_version"] else [0, "", "", "", []]
            out.append(
                Conflict(
                    id=r["id"],
                    entity=r["entity"],
                    entity_id=r["entity_id"],
                    field=r["field"],
                    local_value=json.loads(r["local_value"]),
                    remote_value=json.loads(r["remote_value"]),
                    local_by=lv[2],
                    remote_by=rv[2],
                    local_at=lv[3],
                    remote_at=rv[3],
                    winner=r["winner"],
                    current_value=self._current_value(r["entity"], r["entity_id"], r["field"]),
                    bundle_id=r["bundle_id"],
                    created_at=r["created_at"],
                    resolved_at=r["resolved_at"],
                    resolved_by=r["resolved_by"],
                    resolution=json.loads(r["resolution"]) if r["resolution"] else None,
                    label=self._label(r["entity"], r["entity_id"]),
                )
            )
        return out

    def _current_value(self, entity: str, kstr: str, fname: str) -> Any:
        if entity not in ENTITIES:
            return None
        ent = ENTITIES[entity]
        row = self.session.row(
            f"SELECT {q(fname)} FROM {entity} WHERE "
            + " AND ".join(f"{q(k)} = ?" for k in ent.key),
            kstr.split("|"),
        )
        return row[fname] if row else None

    def _label(self, entity: str, kstr: str) -> str:
        sql = LABELS.get(entity)
        row = self.session.db.execute(sql, [kstr.split("|")[0]]).fetchone() if sql else None
        return (row[0] or "")[:120] if row else ""

    def resolve(self, conflict_id: str, choice: str = "local", value: Any = None) -> Changes:
        """A supervisor settles a conflict: keep a side or write a new value (travels onwards)."""
        session = self.session
        if not session.is_supervisor:
            raise PermissionDenied("Only a supervisor resolves merge conflicts.")
        if choice not in ("local", "remote", "value"):
            raise ConflictError("Choose local, remote, or value (with a new value).")
        rows = session.rows(
            "SELECT * FROM conflicts WHERE id = ? OR id LIKE ?",
            [conflict_id, conflict_id + "%" if len(conflict_id) >= 4 else ""],
        )
        if len(rows) != 1:
            raise NotFound(f"No single conflict with id {conflict_id}.")
        c = rows[0]
        if c["resolved_at"]:
            raise ConflictError(
                f"That conflict was resolved on {c['resolved_at'][:10]} by {c['resolved_by']}."
            )
        if choice == "local":
            chosen = json.loads(c["local_value"])
        elif choice == "remote":
            chosen = json.loads(c["remote_value"])
        else:
            chosen = value
        with session.action("Resolve conflict") as tx:
            if c["entity"] in ENTITIES and c["field"] != "*":
                self._write_resolution(tx, c, chosen)
            tx.update(
                "conflicts",
                (c["id"],),
                {
                    "resolved_at": tx.now,
                    "resolved_by": tx.actor,
                    "resolution": canonical(chosen).decode(),
                },
            )
            tx.audit(
                "resolve conflict",
                c["entity"],
                c["entity_id"],
                {"conflict": c["id"], "field": c["field"], "choice": choice, "value": chosen},
            )
        if tx.changes.index and not session.defer_index:
            self.index_pending()
        return tx.changes

    def _write_resolution(self, tx, c: dict, chosen: Any) -> None:
        ent = ENTITIES[c["entity"]]
        fname = c["field"]
        try:
            VALIDATORS[ent.name][fname](chosen)
        except Invalid as exc:
            raise ConflictError(f"{fname} must be {exc}.") from None
        keyvals = c["entity_id"].split("|")
        cols = ", ".join(q(x) for x in (*ent.columns, "hlc", "updated_at", "updated_by"))
        where = " AND ".join(f"{q(k)} = ?" for k in ent.key)
        local = store.row(tx.db, f"SELECT {cols} FROM {ent.name} WHERE {where}", keyvals)
        if local is None:
            raise NotFound(f"The {ent.name[:-1]} of this conflict no longer exists.")
        if ent.name == "annotations" and fname in ("start", "end"):
            raise ConflictError("A span is resolved by editing the annotation, not here.")
        sync = store.row(
            tx.db,
            "SELECT row_hlc, hashes, versions FROM sync_state WHERE entity = ? AND key = ?",
            [ent.name, c["entity_id"]],
        )
        before = tx.fetch("meta", ("sync_seq",))
        seq = next_seq(tx)
        tx.records.append(RowChange("meta", ("sync_seq",), before, tx.fetch("meta", ("sync_seq",))))
        replica = self.session.replica_id
        versions, _hashes_now = effective_versions(ent, local, sync, replica)
        after = tx.update(ent.name, tuple(keyvals), {fname: chosen})
        sides = [field_hash(json.loads(c[k])) for k in ("local_value", "remote_value")]
        versions[fname] = (
            after["hlc"],
            replica,
            tx.actor,
            tx.now,
            lineage(field_hash(local[fname]), versions[fname], *sides),
        )
        tx.insert(
            "sync_state",
            {
                "entity": ent.name,
                "key": c["entity_id"],
                "row_hlc": after["hlc"],
                "hashes": row_hashes(ent, after),
                "versions": canonical(compress(versions)).decode(),
                "seq": seq,
            },
            travelling=False,
        )
        tx.note(ent.name, tuple(keyvals), after)  # every merged table is one the index knows
