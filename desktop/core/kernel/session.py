"""The session over one workspace folder: connections, the write lock, transactions, batches,
undoable writes and the blob store. Every service writes through it."""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from db import index as ixmod
from db import migrations, store

from . import audit, keys
from .changes import Changes
from .errors import NotFound, ReadOnlyWorkspace, WorkspaceError
from .hlc import HybridClock
from .ids import utcnow
from .lock import WorkspaceLock
from .profile import Profile, load_profile
from .undo import BOOKKEEPING, META, PRIMARY_KEYS, RowChange, UndoHistory, UndoStep

if TYPE_CHECKING:
    from sqlite_utils import Database

DB_NAME = "assay.db"
SENT_KEY = "bundle_prev"  # meta: the manifest hash of the last bundle this store exported
JOURNAL = "import.journal"  # present while imported bytes may not yet belong to a document


class Tx:
    """One write transaction: the clock, the actor, the audit log and the index queue."""

    def __init__(self, session: Session, db: Database):
        self.session, self.db = session, db
        self.now = utcnow()
        self.actor = session.profile.id
        self.changes = Changes()
        self.records: list[RowChange] = []
        self.blobs = False  # documents were imported inside this transaction (a batch)

    def hlc(self) -> int:
        return self.session.clock.now()

    def audit(self, action: str, entity: str, entity_id: str | None, change: dict) -> None:
        self.session.audit_log.append(
            self.db, self.now, self.actor, action, entity, entity_id, change
        )

    # Row writes that an undo step can reverse.
    def insert(self, table: str, row: dict, *, travelling: bool = True) -> dict:
        row = dict(row)
        if travelling:
            row.setdefault("created_at", self.now)
            row.setdefault("created_by", self.actor)
            row.update(updated_at=self.now, updated_by=self.actor, hlc=self.hlc())
            row.setdefault("deleted", 0)
        keys_ = PRIMARY_KEYS[table]
        key = tuple(row[k] for k in keys_)
        before = self.fetch(table, key)
        cols = ", ".join(f'"{c}"' for c in row)
        self.db.execute(
            f"INSERT OR REPLACE INTO {table} ({cols}) VALUES ({','.join('?' * len(row))})",
            list(row.values()),
        )
        after = self.fetch(table, key)
        self.records.append(RowChange(table, key, before, after))
        return after

    def update(self, table: str, key: tuple, values: dict) -> dict:
        before = self.fetch(table, key)
        if before is None:
            raise NotFound(f"No {table[:-1]} with id {key[0]}.")
        if "updated_at" in before:
            values = {**values, "updated_at": self.now, "updated_by": self.actor, "hlc": self.hlc()}
        keys_ = PRIMARY_KEYS[table]
        self.db.execute(
            f"UPDATE {table} SET {', '.join(f'{c} = ?' for c in values)}"
            f" WHERE {' AND '.join(f'{k} = ?' for k in keys_)}",
            [*values.values(), *key],
        )
        after = self.fetch(table, key)
        self.records.append(RowChange(table, key, before, after))
        return after

    def delete(self, table: str, key: tuple) -> None:
        """Remove a row outright (for rows that never travelled; an undo puts it back)."""
        before = self.fetch(table, key)
        if before is None:
            return
        keys_ = PRIMARY_KEYS[table]
        self.db.execute(
            f"DELETE FROM {table} WHERE {' AND '.join(f'{k} = ?' for k in keys_)}", list(key)
        )
        self.records.append(RowChange(table, key, before, None))

    def fetch(self, table: str, key: tuple) -> dict | None:
        keys_ = PRIMARY_KEYS[table]
        return store.row(
            self.db,
            f"SELECT * FROM {table} WHERE " + " AND ".join(f"{k} = ?" for k in keys_),
            list(key),
        )

    def queue(self, entity: str, entity_id: str, op: str = "update") -> None:
        self.db.execute(
            "INSERT INTO index_queue(entity, entity_id, op) VALUES (?, ?, ?)",
            [entity, entity_id, op],
        )
        self.changes.index = True

    def note(self, table: str, key: tuple, row: dict) -> None:
        """Queue the index and fill `changes` for a row written by an action or an undo."""
        if table == "documents":
            self.changes.documents.add(key[0])
            self.queue("document", key[0])
        elif table in ("annotations", "claims", "annotation_tags"):
            ann_id = key[0]
            self.changes.annotations.add(ann_id)
            doc = (
                row.get("document_id")
                or self.db.execute(
                    "SELECT document_id FROM annotations WHERE id = ?", [ann_id]
                ).fetchone()[0]
            )
            self.changes.documents.add(doc)
            self.queue("annotation", ann_id)
            if table == "annotation_tags":
                self.changes.tags.add(key[1])
        elif table == "tags":
            self.changes.tags.add(key[0])
        elif table == "links":
            self.changes.annotations.update((row["from_id"], row["to_id"]))
        elif table == "sources":
            self.changes.sources.add(key[0])
        elif table == "reviews":
            self.changes.reviews.add(key[0])
            self.changes.annotations.add(row["annotation_id"])
        elif table == "judgements":
            self.changes.judgements.add(key[0])
        elif table == "judgement_evidence":
            self.changes.judgements.add(key[0])
        elif table == "judgement_reviews":
            self.changes.reviews.add(key[0])
            self.changes.judgements.add(row["judgement_id"])
        elif table.startswith("ach_"):  # analysis of competing hypotheses
            self.changes.matrices.add(key[0] if table == "ach_matrices" else row["matrix_id"])


class Session:
    """A workspace folder opened by one process: assay.db (SQLite, WAL), index/ (Whoosh),
    blobs/sha256/…, lock. Holds one connection per thread, one write lock, the clock, the audit
    log and the undo stack; knows nothing of documents, claims or bundles."""

    def __init__(self, path: Path, *, readonly: bool = False, profile: Profile | None = None):
        self.path = Path(path)
        self.readonly = readonly
        self.profile = profile or load_profile()
        self._local = threading.local()
        self._connections: list[Database] = []
        self._conn_lock = threading.Lock()
        self.write_lock = threading.RLock()
        self._lock: WorkspaceLock | None = None
        self.undo_stack = UndoHistory(self)  # in the store, per analyst
        self.defer_index = False
        self._defer_depth = 0
        # originals of documents an undo removed outright: kept for a redo until close
        self.redo_blobs: set[str] = set()
        # the search service drains the index queue; the session calls it after each action
        self.indexer: Callable[[], int] = lambda: 0
        self.index: ixmod.SearchIndex | None = None
        self.unlocked: dict = {}  # analyst id → private key unlocked in this session
        db_path = self.path / DB_NAME
        if not db_path.exists():
            raise WorkspaceError(
                f"{self.path} is not an Assay workspace (no {DB_NAME}). "
                "Create one with `assay init PATH` or `assay demo PATH`."
            )
        if not readonly:
            self._lock = WorkspaceLock(self.path)
            self._lock.acquire()
        try:
            db = self.db
            self.upgraded_from = self._upgrade(db)
            self.clock = HybridClock(int(store.get_meta(db, "hlc", "0") or 0))
            self.audit_log = audit.AuditLog(db)
            row = db.execute("SELECT id, name FROM workspace").fetchone()
            self.replica_id, self.name = (row[0], row[1]) if row else ("", self.path.name)
            try:
                self.index = ixmod.SearchIndex(self.path / "index", readonly=readonly)
            except ixmod.IndexUnavailable as exc:
                raise WorkspaceError(str(exc)) from None
        except BaseException:
            self.close()
            raise

    @staticmethod
    def create_store(path: Path, name: str | None = None) -> None:
        """A new, empty workspace folder at PATH (which holds no workspace yet)."""
        path = Path(path)
        if (path / DB_NAME).exists():
            raise WorkspaceError(f"{path} already holds a workspace.")
        path.mkdir(parents=True, exist_ok=True)
        (path / "blobs" / "sha256").mkdir(parents=True, exist_ok=True)
        db = store.open_store(path / DB_NAME)
        with db.atomic():
            db["workspace"].insert(
                {"id": str(uuid.uuid4()), "name": name or path.name, "created_at": utcnow()}
            )
        db.close()

    def _upgrade(self, db: Database) -> str | None:
        """Refuse a newer workspace; back up an older one, then migrate it. Returns the backup."""
        applied = migrations.applied_names(db)
        known = migrations.all_names()
        newer = [n for n in applied if n not in known]
        if newer:
            raise WorkspaceError(
                f"The workspace {self.path} was written by a newer version of Assay (schema step "
                f"{newer[-1]!r}; this version knows up to {known[-1]!r}). Install the newer "
                "Assay to open it; nothing was changed."
            )
        pending = [n for n in known if n not in applied]
        if not pending:
            return None
        if self.readonly:
            raise WorkspaceError(
                "This workspace was made by an older version of Assay and needs an upgrade; "
                "open it once for writing first (a backup is made before upgrading)."
            )
        backup = None
        if applied:  # an existing workspace, not one being created
            folder = self.path / "backups"
            folder.mkdir(exist_ok=True)
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
            backup = folder / f"assay-{applied[-1]}-{stamp}.db"
            self.backup_db(db, backup)
        migrations.apply(db)
        # undo steps hold rows as an older schema wrote them: an upgrade starts afresh
        with db.atomic():
            db.execute("DELETE FROM undo_steps")
        return str(backup) if backup else None

    def schema_steps(self) -> list[str]:
        return migrations.applied_names(self.db)

    @staticmethod
    def backup_db(db: Database, dest: Path) -> None:
        target = store.connect(dest)
        try:
            db.conn.backup(target.conn)
        finally:
            target.close()

    def close(self) -> None:
        if self.redo_blobs and not self.readonly:
            with contextlib.suppress(Exception):
                held = {r[0] for r in self.db.execute("SELECT DISTINCT sha256 FROM documents")}
                for sha in self.redo_blobs - held:
                    with contextlib.suppress(FileNotFoundError):
                        self.blob_path(sha).unlink()
            self.redo_blobs.clear()
        if self.index is not None:
            self.index.close()
        with self._conn_lock:
            for db in self._connections:
                with contextlib.suppress(Exception):
                    db.close()
            self._connections.clear()
        self._local = threading.local()
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    @property
    def db(self) -> Database:
        """This thread's connection (SQLite connections are not shared between threads)."""
        db = getattr(self._local, "db", None)
        if db is None:
            db = store.connect(self.path / DB_NAME, readonly=self.readonly)
            self._local.db = db
            with self._conn_lock:
                self._connections.append(db)
        return db

    # -- reading -----------------------------------------------------------------------------
    def rows(self, sql: str, args: list | tuple = ()) -> list[dict]:
        return store.rows(self.db, sql, args)

    def row(self, sql: str, args: list | tuple = ()) -> dict | None:
        return store.row(self.db, sql, args)

    def scalar(self, sql: str, args: list | tuple = ()):
        found = self.db.execute(sql, list(args)).fetchone()
        return found[0] if found else None

    def column(self, sql: str, args: list | tuple = ()) -> list:
        return [r[0] for r in self.db.execute(sql, list(args))]

    def get_meta(self, key: str, default: str | None = None) -> str | None:
        return store.get_meta(self.db, key, default)

    def integrity_problems(self) -> list[str]:
        return store.integrity_problems(self.db)

    @property
    def in_batch(self) -> bool:
        return getattr(self._local, "batch", None) is not None

    @property
    def is_supervisor(self) -> bool:
        """The roster grants the role, not the profile: a profile's wish to supervise counts
        only in a roster with no supervisor yet (the first to claim it)."""
        found = self.db.execute(
            "SELECT role FROM analysts WHERE id = ?", [self.profile.id]
        ).fetchone()
        if found is not None and found[0] == "supervisor" and self._keyed(self.db):
            return True
        return self.profile.role == "supervisor" and not self._has_supervisor(self.db)

    def _keyed(self, db) -> bool:
        found = db.execute(
            "SELECT fingerprint FROM analysts WHERE id = ?", [self.profile.id]
        ).fetchone()
        return bool(found and found[0])

    @staticmethod
    def _has_supervisor(db) -> bool:
        found = db.execute(
            "SELECT 1 FROM analysts WHERE role = 'supervisor' AND fingerprint IS NOT NULL LIMIT 1"
        )
        return found.fetchone() is not None

    # -- writing -------------------------------------------------------------------------------
    @contextlib.contextmanager
    def write(self) -> Iterator[Tx]:
        """A transaction that is not an undo step by itself (bookkeeping, merges, undo)."""
        if self.readonly:
            raise ReadOnlyWorkspace(
                f"The workspace {self.path} is open read-only; nothing was changed."
            )
        outer = getattr(self._local, "batch", None)
        if outer is not None:  # inside a batch: its transaction, in a savepoint
            with self._savepoint(outer):
                yield outer
            return
        with self.write_lock:
            db = self.db
            tx = Tx(self, db)
            try:
                with db.atomic():
                    self._ensure_analyst(tx)
                    yield tx
                    store.set_meta(db, "hlc", str(self.clock.last))
            except BaseException:
                # the audit chain's cached head may have advanced inside the rolled-back tx
                self.audit_log.reload(db)
                raise

    @contextlib.contextmanager
    def action(self, label: str) -> Iterator[Tx]:
        """One user action: one transaction, one undo step, then the index catches up."""
        outer = getattr(self._local, "batch", None)
        if outer is not None:  # part of a batch: a savepoint, so a failed step leaves nothing
            with self._savepoint(outer):
                yield outer
            return
        with self.write() as tx:
            yield tx
            self.undo_stack.push(
                tx.db, UndoStep(label, tx.records, store.get_meta(tx.db, SENT_KEY))
            )
        self._finish(tx)

    def record_step(self, label: str, records: list[RowChange], changes: Changes) -> None:
        """One undo step for work committed in several transactions (an import in chunks)."""
        if records:
            with self.write() as tx:
                self.undo_stack.push(tx.db, UndoStep(label, records, self.get_meta(SENT_KEY)))
        changes.undo_label, changes.redo_label = self.undo_label(), self.redo_label()

    def _finish(self, tx: Tx) -> None:
        tx.changes.undo_label, tx.changes.redo_label = self.undo_label(), self.redo_label()
        if tx.changes.index and not self.defer_index:
            self.indexer()

    @contextlib.contextmanager
    def _savepoint(self, outer: Tx) -> Iterator[None]:
        """A step inside an open batch: if it fails, its rows, undo records and audit entries
        go and the batch goes on (or fails as a whole, as its caller decides)."""
        done = len(outer.records)
        seen = outer.changes.copy()
        try:
            with outer.db.atomic():
                yield
        except BaseException:
            del outer.records[done:]
            outer.changes.restore(seen)
            self.audit_log.reload(outer.db)
            raise

    @contextlib.contextmanager
    def batch(self, label: str) -> Iterator[Changes]:
        """Many actions as one: one transaction and one undo step named LABEL. If anything in
        the block raises, nothing of it is kept — documents imported inside it included (their
        bytes are removed again). Yields the Changes the actions add up to. A batch opened
        inside another is part of it (a savepoint; the outer label names the undo step)."""
        outer = getattr(self._local, "batch", None)
        if outer is not None:
            with self._savepoint(outer):
                yield outer.changes
            return
        tx = None
        try:
            with self.write() as tx:
                self._local.batch = tx
                try:
                    yield tx.changes
                finally:
                    self._local.batch = None
                self.undo_stack.push(
                    tx.db, UndoStep(label, tx.records, store.get_meta(tx.db, SENT_KEY))
                )
        finally:
            if tx is not None and tx.blobs:
                # bytes stored for documents that were rolled back (the batch, or one step)
                with contextlib.suppress(Exception):
                    self.collect_orphan_blobs()
                with contextlib.suppress(FileNotFoundError):
                    (self.path / JOURNAL).unlink()
        self._finish(tx)

    @contextlib.contextmanager
    def deferred_indexing(self) -> Iterator[None]:
        """Run many small actions, then bring the index up to date once (the outermost block
        does, when several are nested)."""
        self._defer_depth += 1
        self.defer_index = True
        try:
            yield
        finally:
            self._defer_depth -= 1
            if self._defer_depth == 0:
                self.defer_index = False
                self.indexer()

    def current_batch(self) -> Tx | None:
        return getattr(self._local, "batch", None)

    # -- undo ----------------------------------------------------------------------------------
    def undo_label(self) -> str | None:
        return self.undo_stack.undo_label()

    def redo_label(self) -> str | None:
        return self.undo_stack.redo_label()

    def undo(self) -> Changes:
        """Reverse the last action; the reversal is itself a change that travels and is audited."""
        if self.undo_label() is None:
            raise WorkspaceError("Nothing to undo.")
        changes = self._replay(undo=True)
        changes.undo_label, changes.redo_label = self.undo_label(), self.redo_label()
        return changes

    def redo(self) -> Changes:
        if self.redo_label() is None:
            raise WorkspaceError("Nothing to redo.")
        changes = self._replay(undo=False)
        changes.undo_label, changes.redo_label = self.undo_label(), self.redo_label()
        return changes

    def _replay(self, *, undo: bool) -> Changes:
        """Replay the analyst's last step (or last undone one) and move it to the other side,
        in one transaction."""
        with self.write() as tx:
            found = self.undo_stack.top("done" if undo else "undone", tx.db)
            if found is None:  # another thread replayed it since the caller looked
                raise WorkspaceError(f"Nothing to {'undo' if undo else 'redo'}.")
            seq, step = found
            # what the step made has travelled if a bundle went out since: then peers must
            # learn of its removal (a tombstone); else the store goes back exactly as it was
            travelled = store.get_meta(tx.db, SENT_KEY) != step.sent
            for rc in reversed(step.changes) if undo else step.changes:
                if travelled and rc.table in BOOKKEEPING:
                    continue  # the next reconcile versions the undone values afresh
                target = rc.before if undo else rc.after
                keys_ = PRIMARY_KEYS[rc.table]
                current = tx.fetch(rc.table, rc.key)
                if target is None:
                    if travelled and "deleted" in (current or rc.after or {}):
                        tx.update(rc.table, rc.key, {"deleted": 1})
                    else:  # a row that never had a tombstone goes again
                        tx.delete(rc.table, rc.key)
                        if rc.table == "documents" and current is not None:
                            self.redo_blobs.add(current["sha256"])  # a redo needs the bytes
                elif current is None:  # a row an action removed outright comes back
                    cols = ", ".join(f'"{c}"' for c in target)
                    tx.db.execute(
                        f"INSERT INTO {rc.table} ({cols}) VALUES ({','.join('?' * len(target))})",
                        list(target.values()),
                    )
                    tx.records.append(RowChange(rc.table, rc.key, None, target))
                else:
                    values = {k: v for k, v in target.items() if k not in keys_ and k not in META}
                    tx.update(rc.table, rc.key, values)
                tx.note(rc.table, rc.key, target or rc.after or current or {})
            tx.audit("undo" if undo else "redo", "step", None, {"label": step.label})
            self.undo_stack.move(tx.db, seq, "undone" if undo else "done")
        if tx.changes.index:
            self.indexer()
        return tx.changes

    # -- the analyst at the keyboard -------------------------------------------------------------
    @property
    def signing_key(self):
        """The active analyst's Ed25519 private key (from the profile folder, never the store)."""
        key = self.unlocked.get(self.profile.id)
        if key is None:
            key = self.unlocked[self.profile.id] = keys.load_or_create_private_key(self.profile.id)
        return key

    def unlock(self, analyst_id: str, passphrase: str | None = None):
        """Unlock an analyst's key for this session (asked once; kept until close)."""
        key = self.unlocked.get(analyst_id)
        if key is None:
            key = keys.load_or_create_private_key(analyst_id, passphrase=passphrase)
            self.unlocked[analyst_id] = key
        return key

    def unlocked_key(self, analyst_id: str):
        """An analyst's key if it is unlocked in this session (never asks)."""
        if analyst_id == self.profile.id:
            return self.signing_key
        return self.unlocked.get(analyst_id)

    def _ensure_analyst(self, tx: Tx) -> None:
        p = self.profile
        known = tx.db.execute(
            "SELECT name, role, fingerprint FROM analysts WHERE id = ?", [p.id]
        ).fetchone()
        # the first to claim supervision in a roster without a supervisor gets it; after that
        # the roster keeps the role it granted (a supervisor promotes and demotes)
        claims = p.role == "supervisor" and not self._has_supervisor(tx.db)
        if known is not None and known[0] == p.name and known[2] and not claims:
            return
        raw = keys.public_raw(self.signing_key.public_key())
        fp = keys.fingerprint(raw)
        # a name-only entry (from an imported file, no key) grants its role to nobody
        kept = known[1] if known is not None and known[2] else "analyst"
        role = "supervisor" if claims else kept
        tx.db.execute(
            "INSERT INTO analysts(id, name, role, public_key, fingerprint, created_at, hlc)"
            " VALUES (?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET name = excluded.name,"
            " role = excluded.role, public_key = excluded.public_key,"
            " fingerprint = excluded.fingerprint, hlc = excluded.hlc",
            [p.id, p.name, role, keys.encode_public(raw), fp, tx.now, tx.hlc()],
        )
        # my own key is trusted on my workstation
        tx.db.execute(
            "INSERT OR IGNORE INTO keyring(fingerprint, public_key, name, analyst_id, trusted_at)"
            " VALUES (?,?,?,?,?)",
            [fp, keys.encode_public(raw), p.name, p.id, tx.now],
        )
        tx.audit(
            "register analyst", "analyst", p.id, {"name": p.name, "role": role, "fingerprint": fp}
        )

    def switch_profile(self, profile: Profile) -> None:
        """Another analyst takes the keyboard: their undo history is their own (the store keeps
        each analyst's steps apart)."""
        self.profile = profile

    # -- the blob store --------------------------------------------------------------------------
    def blob_path(self, sha256: str) -> Path:
        return self.path / "blobs" / "sha256" / sha256[:2] / sha256[2:]

    def store_blob(self, sha256: str, data: bytes) -> None:
        target = self.blob_path(sha256)
        if target.exists():
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".tmp")
        with open(tmp, "wb") as fh:
            fh.write(data)
        os.replace(tmp, target)

    def blob_files(self) -> Iterator[Path]:
        root = self.path / "blobs" / "sha256"
        if root.exists():
            for sub in root.iterdir():
                if sub.is_dir():
                    yield from sub.iterdir()

    def collect_orphan_blobs(self) -> int:
        known = {r[0] for r in self.db.execute("SELECT sha256 FROM documents")}
        removed = 0
        for path in self.blob_files():
            name = path.parent.name + path.name
            if path.name.endswith(".tmp") or name not in known:
                path.unlink()
                removed += 1
        return removed

    def copy_to(self, dest: Path) -> None:
        """SQLite online backup plus blobs and index into DEST (an empty folder)."""
        with self.write_lock:
            self.backup_db(self.db, dest / DB_NAME)
            shutil.copytree(self.path / "blobs", dest / "blobs", dirs_exist_ok=True)
            shutil.copytree(self.path / "index", dest / "index", dirs_exist_ok=True)
