"""Append-only, hash-chained log of every change; `verify` names the first broken entry."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlite_utils import Database


GENESIS = "0" * 64


def canonical(value) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def entry_hash(
    prev_hash: str,
    seq: int,
    at: str,
    actor: str,
    action: str,
    entity: str,
    entity_id: str | None,
    change: str,
) -> str:
    payload = canonical([prev_hash, seq, at, actor, action, entity, entity_id or "", change])
    return hashlib.sha256(payload.encode()).hexdigest()


class AuditLog:
    """Writes audit rows inside the caller's transaction; the caller holds the write lock."""

    def __init__(self, db: Database):
        last = db.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
        self._seq, self._hash = (last[0], last[1]) if last else (0, GENESIS)

    def reload(self, db: Database) -> None:
        self.__init__(db)

    def append(
        self,
        db: Database,
        at: str,
        actor: str,
        action: str,
        entity: str,
        entity_id: str | None,
        change: dict,
    ) -> None:
        seq = self._seq + 1
        body = canonical(change)
        h = entry_hash(self._hash, seq, at, actor, action, entity, entity_id, body)
        db.execute(
            "INSERT INTO audit(seq, at, actor, action, entity, entity_id, change, prev_hash, hash)"
            " VALUES (?,?,?,?,?,?,?,?,?)",
            [seq, at, actor, action, entity, entity_id, body, self._hash, h],
        )
        self._seq, self._hash = seq, h


@dataclass
class VerifyResult:
    ok: bool
    entries: int
    first_bad: int | None = None
    reason: str = ""


def verify(db: Database) -> VerifyResult:
    prev, expected_seq, n = GENESIS, 1, 0
    for seq, at, actor, action, entity, entity_id, change, prev_hash, h in db.execute(
        "SELECT seq, at, actor, action, entity, entity_id, change, prev_hash, hash"
        " FROM audit ORDER BY seq"
    ):
        n += 1
        if seq != expected_seq:
            return VerifyResult(False, n, seq, f"entry {expected_seq} is missing")
        if prev_hash != prev:
            return VerifyResult(False, n, seq, f"entry {seq} does not follow entry {seq - 1}")
        if entry_hash(prev_hash, seq, at, actor, action, entity, entity_id, change) != h:
            return VerifyResult(False, n, seq, f"entry {seq} ({action} {entity}) was altered")
        prev, expected_seq = h, seq + 1
    return VerifyResult(True, n)
