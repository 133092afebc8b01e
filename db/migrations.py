"""The workspace schema, built step by step with named sqlite-utils migrations."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlite_utils import Database


class _Steps:
    """`@migrations(name=…)` registers a step, as sqlite-utils' Migrations does; sqlite-utils
    itself is loaded only to apply steps, so opening a workspace read-only (which only compares
    the names) does not import it (bench/bench_coldstart.py)."""

    migrations_table = "_sqlite_migrations"

    def __init__(self, name: str):
        self.name = name
        self._migrations: list = []
        self._real = None

    def __call__(self, *, name: str | None = None, transactional: bool = True):
        def inner(fn):
            self._migrations.append((name or fn.__name__, fn, transactional))
            self._real = None
            return fn

        return inner

    def names(self) -> list[str]:
        return [m[0] for m in self._migrations]

    def applied(self, db: Database) -> list[str]:
        if not db.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
            [self.migrations_table],
        ).fetchone():
            return []
        sql = f"SELECT name FROM {self.migrations_table} WHERE migration_set = ? ORDER BY rowid"
        return [r[0] for r in db.execute(sql, [self.name])]

    def apply(self, db: Database, **options) -> None:
        if self._real is None:
            from .store import import_sqlite_utils

            import_sqlite_utils()
            from sqlite_utils.migrations import Migrations

            real = Migrations(self.name)
            for name, fn, transactional in self._migrations:
                real(name=name, transactional=transactional)(fn)
            self._real = real
        self._real.apply(getattr(db, "database", db), **options)


migrations = _Steps("assay")

# Columns every entity that travels between workstations carries (DESIGN.md, "Data model").
TRAVELLING = {
    "created_at": str,
    "created_by": str,
    "updated_at": str,
    "updated_by": str,
    "hlc": int,
    "deleted": int,
}


@migrations(name="m001_foundation")
def m001_foundation(db: Database) -> None:
    db["meta"].create({"key": str, "value": str}, pk="key")
    db["workspace"].create({"id": str, "name": str, "created_at": str}, pk="id")
    db["analysts"].create(
        {
            "id": str,
            "name": str,
            "role": str,
            "public_key": str,
            "fingerprint": str,
            "created_at": str,
            "hlc": int,
        },
        pk="id",
    )
    db["sources"].create(
        {"id": str, "name": str, "kind": str, "reliability": str, **TRAVELLING},
        pk="id",
        not_null={"name"},
        defaults={"deleted": 0, "kind": "outlet", "reliability": "F"},
    )
    db["documents"].create(
        {
            "id": str,
            "sha256": str,
            "title": str,
            "source_id": str,
            "author": str,
            "published_at": str,
            "url": str,
            "language": str,
            "mime": str,
            "filename": str,
            "size": int,
            "text": str,
            "marking": str,
            "reliability": str,  # per-document override of the source's reliability
            "imported_at": str,
            "imported_by": str,
            **TRAVELLING,
        },
        pk="id",
        not_null={"sha256", "title", "text"},
        defaults={"deleted": 0, "marking": "CLEAR", "language": "und"},
        foreign_keys=[("source_id", "sources", "id")],
    )
    db["documents"].create_index(["sha256"], unique=True)
    db["documents"].create_index(["imported_at"])
    db["documents"].create_index(["published_at"])
    db["documents"].create_index(["source_id"])
    db["documents"].create_index(["title"])
    # Written in the same transaction as the change it describes; the indexer drains it.
    db.execute(
        "CREATE TABLE index_queue (seq INTEGER PRIMARY KEY AUTOINCREMENT,"
        " entity TEXT NOT NULL, entity_id TEXT NOT NULL, op TEXT NOT NULL)"
    )
    db.execute(
        "CREATE TABLE audit (seq INTEGER PRIMARY KEY, at TEXT NOT NULL, actor TEXT NOT NULL,"
        " action TEXT NOT NULL, entity TEXT NOT NULL, entity_id TEXT, change TEXT NOT NULL,"
        " prev_hash TEXT NOT NULL, hash TEXT NOT NULL)"
    )


def apply(db: Database) -> None:
    """Bring the schema up to date; each step runs in its own transaction."""
    migrations.apply(db)


def all_names() -> list[str]:
    """The schema steps this version of Assay knows, oldest first."""
    return migrations.names()


def latest_name() -> str:
    return all_names()[-1]


def applied_names(db: Database) -> list[str]:
    return migrations.applied(db)


@migrations(name="m002_annotations")
def m002_annotations(db: Database) -> None:
    db["annotations"].create(
        {
            "id": str,
            "document_id": str,
            "start": int,
            "end": int,
            "quote": str,
            "prefix": str,
            "suffix": str,
            "kind": str,  # note | claim
            "comment": str,
            "status": str,  # draft | submitted | approved | rejected | changes_requested
            **TRAVELLING,
        },
        pk="id",
        not_null={"document_id", "start", "end", "kind", "status"},
        defaults={"deleted": 0, "status": "draft", "comment": ""},
        foreign_keys=[("document_id", "documents", "id")],
    )
    db["annotations"].create_index(["document_id"])
    db["annotations"].create_index(["created_by"])
    db["annotations"].create_index(["status"])
    db["claims"].create(
        {
            "annotation_id": str,
            "statement": str,
            "credibility": int,
            "likelihood": str,
            "confidence": str,
            "rationale": str,
            **TRAVELLING,
        },
        pk="annotation_id",
        defaults={"deleted": 0, "statement": "", "rationale": ""},
        foreign_keys=[("annotation_id", "annotations", "id")],
    )
    db["tags"].create(
        {"id": str, "name": str, "parent_id": str, "colour": str, **TRAVELLING},
        pk="id",
        not_null={"name"},
        defaults={"deleted": 0},
    )
    db["tags"].create_index(["name"])
    db["annotation_tags"].create(
        {"annotation_id": str, "tag_id": str, **TRAVELLING},
        pk=("annotation_id", "tag_id"),
        defaults={"deleted": 0},
        foreign_keys=[("annotation_id", "annotations", "id"), ("tag_id", "tags", "id")],
    )
    db["annotation_tags"].create_index(["tag_id"])
    db["links"].create(
        {
            "id": str,
            "from_id": str,
            "to_id": str,
            "relation": str,  # corroborates | contradicts | duplicates | refines
            "comment": str,
            **TRAVELLING,
        },
        pk="id",
        defaults={"deleted": 0, "comment": ""},
        foreign_keys=[("from_id", "annotations", "id"), ("to_id", "annotations", "id")],
    )
    db["links"].create_index(["from_id"])
    db["links"].create_index(["to_id"])


@migrations(name="m003_review_and_exchange")
def m003_review_and_exchange(db: Database) -> None:
    # Append-only: a row is never updated or deleted, so reviews merge as a set.
    db["reviews"].create(
        {
            "id": str,
            "annotation_id": str,
            "reviewer_id": str,
            "decision": str,  # submit | approve | reject | request_changes
            "opinion": str,  # STIX 2.1 opinion-enum value, for supervisors' decisions
            "comment": str,
            "created_at": str,
            "hlc": int,
        },
        pk="id",
        not_null={"annotation_id", "reviewer_id", "decision"},
        defaults={"comment": ""},
        foreign_keys=[("annotation_id", "annotations", "id")],
    )
    db["reviews"].create_index(["annotation_id"])
    db["conflicts"].create(
        {
            "id": str,
            "entity": str,
            "entity_id": str,
            "field": str,
            "local_value": str,  # JSON
            "remote_value": str,  # JSON
            "local_hlc": int,
            "remote_hlc": int,
            "winner": str,  # local | remote
            "bundle_id": str,
            "created_at": str,
            "resolved_at": str,
            "resolved_by": str,
            "resolution": str,  # JSON of the value chosen or written
        },
        pk="id",
    )
    db["conflicts"].create_index(["entity", "entity_id"])
    db["bundles_seen"].create(
        {
            "id": str,
            "origin": str,
            "manifest_sha256": str,
            "signer": str,
            "imported_at": str,
            "imported_by": str,
            "counts": str,  # JSON
        },
        pk="id",
    )
    # Trust is local to this workstation and never travels in a bundle.
    db["keyring"].create(
        {
            "fingerprint": str,
            "public_key": str,  # base64 raw Ed25519
            "name": str,
            "analyst_id": str,
            "trusted_at": str,
            "revoked_at": str,
        },
        pk="fingerprint",
    )


@migrations(name="m004_bundle_sync")
def m004_bundle_sync(db: Database) -> None:
    # Local bookkeeping of the bundle merge (desktop/core/exchange/); none of it travels as is.
    # Per row: the row's hlc when last reconciled (a different hlc means a local edit since),
    # short hashes of its fields then, each field's version [hlc, replica, by, at, lineage]
    # as JSON, and the local change sequence number for "changed since the last bundle".
    db["sync_state"].create(
        {
            "entity": str,
            "key": str,
            "row_hlc": int,
            "hashes": str,
            "versions": str,
            "seq": int,
        },
        pk=("entity", "key"),
        not_null={"row_hlc", "seq"},
    )
    db["sync_state"].create_index(["entity", "seq"])
    # Records stamped too far in the future: kept here, not applied, for a person to inspect.
    db["quarantine"].create(
        {
            "id": str,
            "bundle_id": str,
            "origin": str,
            "entity": str,
            "entity_key": str,
            "record": str,  # canonical JSON, as received
            "reason": str,
            "received_at": str,
        },
        pk="id",
    )
    # Bundles this workstation wrote, per team, for "changed since the last bundle to TEAM".
    db["bundles_sent"].create(
        {
            "id": str,
            "team": str,
            "seq": int,
            "manifest_sha256": str,
            "path": str,
            "created_at": str,
            "created_by": str,
            "counts": str,  # JSON
        },
        pk="id",
    )
    db["bundles_sent"].create_index(["team", "seq"])
    # Both sides' versions ([hlc, replica, by, at, lineage]) of a value that lost a merge.
    db["conflicts"].add_column("local_version", str)
    db["conflicts"].add_column("remote_version", str)
    db["conflicts"].create_index(["resolved_at"])


@migrations(name="m005_read_indexes")
def m005_read_indexes(db: Database) -> None:
    # measured at 50 000 annotations: "returned to me" and tag counts read these directly
    db["annotations"].create_index(["created_by", "status"])
    db["annotation_tags"].create_index(["tag_id", "deleted"])
    db["documents"].create_index(["deleted"])


@migrations(name="m006_covering_indexes")
def m006_covering_indexes(db: Database) -> None:
    # `deleted` sits after the document text, so reading it from the table walks the text's
    # overflow pages; these indexes answer the library's source and language lists alone
    # (sources() took 2.3 s at 20 000 documents, measured by bench/bench_gui.py).
    db["documents"].create_index(["source_id", "deleted"])
    db["documents"].create_index(["deleted", "language"])


@migrations(name="m007_audit_by_entity")
def m007_audit_by_entity(db: Database) -> None:
    # a claim's history and where each step of its review thread came from (an imported
    # file) are read from the audit log by entity; without it each read scans the whole log
    db.execute("CREATE INDEX IF NOT EXISTS audit_entity ON audit(entity_id, entity)")


@migrations(name="m008_undo_history")
def m008_undo_history(db: Database) -> None:
    # each analyst's undo and redo steps (JSON of the rows each step changed), so that the next
    # process — the CLI, the next window — can undo the last step; never travels in a bundle
    db.execute(
        "CREATE TABLE undo_steps (seq INTEGER PRIMARY KEY, analyst_id TEXT NOT NULL,"
        " state TEXT NOT NULL CHECK (state IN ('done', 'undone')), label TEXT NOT NULL,"
        " step TEXT NOT NULL, created_at TEXT NOT NULL)"
    )
    db.execute("CREATE INDEX undo_steps_analyst ON undo_steps(analyst_id, state, seq)")


@migrations(name="m009_judgements")
def m009_judgements(db: Database) -> None:
    # Key judgements (issue 12): a statement with an ICD 203 likelihood and confidence, a TLP
    # marking and a review state, resting on claims. Evidence rows name claims without a
    # foreign key: a bundle may carry a judgement whose claims the receiver never had, and
    # those are shown as missing evidence, never dropped.
    db["judgements"].create(
        {
            "id": str,
            "statement": str,
            "likelihood": str,
            "confidence": str,
            "marking": str,
            "status": str,
            **TRAVELLING,
        },
        pk="id",
        defaults={"deleted": 0, "status": "draft", "marking": "CLEAR"},
    )
    db["judgement_evidence"].create(
        {"judgement_id": str, "annotation_id": str, "role": str, **TRAVELLING},
        pk=("judgement_id", "annotation_id"),
        defaults={"deleted": 0, "role": "supporting"},
        foreign_keys=[("judgement_id", "judgements", "id")],
    )
    db["judgement_evidence"].create_index(["annotation_id"])
    # Append-only, shaped like `reviews`: submissions and decisions on judgements.
    db["judgement_reviews"].create(
        {
            "id": str,
            "judgement_id": str,
            "reviewer_id": str,
            "decision": str,  # submit | approve | reject | request_changes
            "opinion": str,
            "comment": str,
            "created_at": str,
            "hlc": int,
        },
        pk="id",
        not_null={"judgement_id", "reviewer_id", "decision"},
        defaults={"comment": ""},
        foreign_keys=[("judgement_id", "judgements", "id")],
    )
    db["judgement_reviews"].create_index(["judgement_id"])


@migrations(name="m010_ach")
def m010_ach(db: Database) -> None:
    # analysis of competing hypotheses: a matrix per question, hypotheses as its columns,
    # claims as its rows (evidence) and one rating per cell; all four travel in bundles
    db["ach_matrices"].create(
        {"id": str, "question": str, "marking": str, **TRAVELLING},
        pk="id",
        not_null={"question"},
        defaults={"deleted": 0, "marking": "CLEAR"},
    )
    db["ach_hypotheses"].create(
        {"id": str, "matrix_id": str, "text": str, "position": int, **TRAVELLING},
        pk="id",
        not_null={"matrix_id", "text"},
        defaults={"deleted": 0, "position": 0},
    )
    db["ach_hypotheses"].create_index(["matrix_id", "deleted"])
    # no foreign key to annotations: a row whose claim is gone stays, shown as missing evidence
    db["ach_evidence"].create(
        {"matrix_id": str, "annotation_id": str, "position": int, **TRAVELLING},
        pk=("matrix_id", "annotation_id"),
        defaults={"deleted": 0, "position": 0},
    )
    db["ach_evidence"].create_index(["annotation_id"])
    db["ach_cells"].create(
        {"hypothesis_id": str, "annotation_id": str, "matrix_id": str, "rating": str, **TRAVELLING},
        pk=("hypothesis_id", "annotation_id"),
        not_null={"matrix_id"},
        defaults={"deleted": 0},
    )
    # covers the matrix read (bench/bench_ach.py: 15 000 cells by index alone, grouped per claim)
    db["ach_cells"].create_index(
        ["matrix_id", "deleted", "annotation_id", "hypothesis_id", "rating"],
        index_name="ach_cells_read",
    )


@migrations(name="m012_trust_seals")
def m012_trust_seals(db: Database) -> None:
    # an author's signature over what they own in one record (claim content, a review, an
    # analyst's name and role), kept so the record can travel on through other peers' bundles
    db.execute(
        "CREATE TABLE seals (entity TEXT NOT NULL, key TEXT NOT NULL, by TEXT NOT NULL,"
        " payload_sha256 TEXT NOT NULL, signature TEXT NOT NULL, PRIMARY KEY (entity, key))"
    )
