"""A digest of everything that travels: two workstations that converged give the same one."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

from ..kernel import sql as store
from ..kernel.session import Session
from .records import ENTITIES, ORDER, PLAIN_COLUMNS, canonical, key_sql, q
from .versions import effective_versions, version_json


def state_digest(session: Session) -> str:
    """SHA-256 of a canonical dump of every travelling table (with each field's version) and
    the blobs held. SESSION is a Session, or anything holding one as `.session`."""
    h = hashlib.sha256()
    for line in state_lines(session):
        h.update(line)
    return h.hexdigest()


def state_lines(session: Session) -> Iterator[bytes]:
    """The canonical dump behind `state_digest`, one line per row (handy to diff in tests)."""
    session = getattr(session, "session", session)
    db = session.db
    for name in ORDER:
        if name in ENTITIES:
            ent = ENTITIES[name]
            cols = ", ".join(f"t.{q(c)}" for c in (*ent.columns, "hlc", "updated_at", "updated_by"))
            sql = (
                f"SELECT {cols}, s.row_hlc, s.hashes, s.versions FROM {name} t"
                f" LEFT JOIN sync_state s ON s.entity = '{name}'"
                f" AND s.key = {key_sql(name, 't')} ORDER BY {key_sql(name, 't')}"
            )
        else:
            columns = PLAIN_COLUMNS[name]
            ent = None
            sql = f"SELECT {', '.join(q(c) for c in columns)} FROM {name} ORDER BY id"
        for r in store.rows(db, sql):
            if ent is None:
                yield canonical([name, r]) + b"\n"
                continue
            sync = r if r["row_hlc"] is not None else None
            versions, _h = effective_versions(ent, r, sync, session.replica_id)
            values = {c: r[c] for c in ent.columns}
            yield (
                canonical([name, values, {f: version_json(v) for f, v in versions.items()}]) + b"\n"
            )
    blobs = sorted(
        p.parent.name + p.name for p in session.blob_files() if not p.name.endswith(".tmp")
    )
    yield canonical(["blobs", blobs]) + b"\n"
