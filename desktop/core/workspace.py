"""The Workspace facade: open or create a workspace folder; every user action is a method here."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from db import index as ixmod
from db import store

from .claims import ClaimsMixin
from .exchange import BundleInfo, Conflict, Exchange, ImportPreview, ImportResult, KeyInfo
from .kernel import audit
from .kernel.changes import Changes
from .kernel.errors import NotFound, ReadOnlyWorkspace, WorkspaceError
from .kernel.ids import document_id, name_id
from .kernel.profile import Profile
from .kernel.session import DB_NAME, Session, Tx
from .review import ReviewMixin

Progress = Callable[[int, int, str], None]

INDEX_BATCH = 500
BULK_INDEX_BATCH = 5000
IMPORT_COMMIT_EVERY = 200
MARKINGS = ("CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED")


class Cancel:
    """A cancel flag shared between the GUI and a worker (threading.Event without the import)."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def set(self) -> None:
        self._event.set()

    def is_set(self) -> bool:
        return self._event.is_set()


@dataclass
class FileProblem:
    path: str
    reason: str


@dataclass
class ImportReport:
    imported: list[str] = field(default_factory=list)  # document ids
    duplicates: list[str] = field(default_factory=list)  # paths whose bytes were already here
    failed: list[FileProblem] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # unsupported files found inside folders
    cancelled: bool = False
    indexed: int = 0
    seconds_stored: float = 0.0
    seconds_total: float = 0.0
    changes: Changes = field(default_factory=Changes)

    def summary(self) -> str:
        parts = [f"{len(self.imported)} imported", f"{len(self.duplicates)} duplicates skipped",
                 f"{len(self.failed)} failed"]
        if self.skipped:
            parts.append(f"{len(self.skipped)} unsupported files ignored")
        if self.cancelled:
            parts.append("cancelled")
        return ", ".join(parts)


@dataclass
class CheckReport:
    problems: list[str]
    documents: int
    indexed: int
    queue: int
    audit_entries: int

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class SearchHit:
    id: str
    kind: str  # document | note | claim
    doc_id: str
    title: str
    score: float
    fragments: dict[str, str]
    marking: str = "CLEAR"


class Workspace(ClaimsMixin, ReviewMixin):
    """A workspace folder: assay.db (SQLite, WAL), index/ (Whoosh), blobs/sha256/…, lock."""

    DB_NAME = DB_NAME

    def __init__(self, path: Path, *, readonly: bool = False, profile: Profile | None = None):
        self.session = Session(path, readonly=readonly, profile=profile)
        self.session.indexer = self.index_pending
        self.exchange = Exchange(self.session, index_pending=self.index_pending)
        self._recovering = False
        try:
            if not readonly:
                self._recover()
        except BaseException:
            self.close()
            raise

    path = property(lambda self: self.session.path)
    readonly = property(lambda self: self.session.readonly)
    @property
    def profile(self) -> Profile:
        return self.session.profile

    @profile.setter
    def profile(self, value: Profile) -> None:
        self.session.profile = value

    db = property(lambda self: self.session.db)
    index = property(lambda self: self.session.index)
    clock = property(lambda self: self.session.clock)
    replica_id = property(lambda self: self.session.replica_id)
    name = property(lambda self: self.session.name)
    upgraded_from = property(lambda self: self.session.upgraded_from)
    signing_key = property(lambda self: self.session.signing_key)
    _undo = property(lambda self: self.session.undo_stack)
    _write_lock = property(lambda self: self.session.write_lock)
    _audit = property(lambda self: self.session.audit_log)
    _defer_index = property(lambda self: self.session.defer_index)

    @property
    def _local(self):
        return self.session._local

    def _write(self):
        return self.session.write()

    def _action(self, label: str):
        return self.session.action(label)

    def batch(self, label: str):
        return self.session.batch(label)

    def deferred_indexing(self):
        return self.session.deferred_indexing()

    def undo_label(self) -> str | None:
        return self.session.undo_label()

    def redo_label(self) -> str | None:
        return self.session.redo_label()

    def undo(self) -> Changes:
        return self.session.undo()

    def redo(self) -> Changes:
        return self.session.redo()

    def _note_change(self, tx: Tx, table: str, key: tuple, row: dict) -> None:
        tx.note(table, key, row)

    # -- opening and closing -------------------------------------------------------------------
    @classmethod
    def create(cls, path: Path, *, name: str | None = None, profile: Profile | None = None
               ) -> Workspace:
        Session.create_store(path, name)
        return cls(path, profile=profile)

    @classmethod
    def open(cls, path: Path, *, readonly: bool = False, create: bool = False,
             profile: Profile | None = None) -> Workspace:
        path = Path(path)
        if create and not (path / DB_NAME).exists():
            return cls.create(path, profile=profile)
        return cls(path, readonly=readonly, profile=profile)

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _recover(self) -> None:
        """After a crash: drop blobs that no committed document owns, replay the index queue."""
        journal = self.path / "import.journal"
        if journal.exists():
            self._collect_orphan_blobs()
            journal.unlink()
        pending = self.db.execute("SELECT count(*) FROM index_queue").fetchone()[0]
        if self.index.rebuilt:
            self._requeue_everything()
            pending = 1
        if pending:
            self._recovering = True
            try:
                self.index_pending()
            finally:
                self._recovering = False

    def _collect_orphan_blobs(self) -> int:
        return self.session.collect_orphan_blobs()

    def _blob_files(self) -> Iterator[Path]:
        return self.session.blob_files()

    def blob_path(self, sha256: str) -> Path:
        return self.session.blob_path(sha256)

    def _store_blob(self, sha256: str, data: bytes) -> None:
        self.session.store_blob(sha256, data)

    # -- import ----------------------------------------------------------------------------------
    def import_paths(self, paths: Iterable[str | Path], *, progress: Progress | None = None,
                     cancel: Cancel | None = None, index: bool = True) -> ImportReport:
        """Import files and folders (recursively). One bad file never stops the batch."""
        from . import ingest

        if self.readonly:
            raise ReadOnlyWorkspace(f"The workspace {self.path} is open read-only; nothing imported.")
        started = time.perf_counter()
        report = ImportReport()
        files: list[Path] = []
        for p in paths:
            p = Path(p)
            if p.is_dir():
                for f in sorted(p.rglob("*")):
                    if not f.is_file() or f.name.startswith("."):
                        continue
                    if f.suffix.lower() in ingest.SUPPORTED_EXTENSIONS:
                        files.append(f)
                    else:
                        report.skipped.append(str(f))
            elif p.exists():
                files.append(p)
            else:
                report.failed.append(FileProblem(str(p), "no such file or folder"))
        total = len(files)
        journal = self.path / "import.journal"
        journal.write_text(str(os.getpid()))
        outer = getattr(self._local, "batch", None)
        if outer is not None:  # if the batch fails, the bytes stored here belong to nobody
            outer.blobs = True
        seen: set[str] = set()
        pending: list[tuple[Path, str, int, object]] = []
        last_commit = time.perf_counter()
        try:
            for n, f in enumerate(files, 1):
                if cancel is not None and cancel.is_set():
                    report.cancelled = True
                    break
                item = self._read_and_parse(f, seen, report)
                if item is not None:
                    pending.append(item)
                    if (len(pending) >= IMPORT_COMMIT_EVERY
                            or time.perf_counter() - last_commit > 0.5):
                        self._commit_documents(pending, report)
                        pending = []
                        last_commit = time.perf_counter()
                if progress:
                    progress(n, total, f.name)
            if pending:
                self._commit_documents(pending, report)
        except BaseException:
            # blobs written for a batch that never committed belong to nobody
            with contextlib.suppress(Exception):
                self._collect_orphan_blobs()
            raise
        finally:
            if outer is None:  # else the batch's end removes it
                with contextlib.suppress(FileNotFoundError):
                    journal.unlink()
        report.seconds_stored = time.perf_counter() - started
        if index:
            report.indexed = self.index_pending(progress=progress, cancel=cancel)
        report.seconds_total = time.perf_counter() - started
        return report

    def _read_and_parse(self, f: Path, seen: set[str], report: ImportReport):
        """Read, hash and parse one file; a problem becomes a line in the report."""
        from . import ingest

        try:
            size = f.stat().st_size
            if size > ingest.MAX_FILE_BYTES:
                raise ingest.IngestError(
                    f"{f.name} is {size / 2**20:.0f} MB; Assay imports files up to "
                    f"{ingest.MAX_FILE_BYTES // 2**20} MB."
                )
            data = f.read_bytes()
        except FileNotFoundError:
            report.failed.append(FileProblem(str(f), "the file disappeared before it was read"))
            return None
        except OSError as exc:
            report.failed.append(FileProblem(str(f), f"could not be read: {exc.strerror or exc}"))
            return None
        except ingest.IngestError as exc:
            report.failed.append(FileProblem(str(f), str(exc)))
            return None
        sha = hashlib.sha256(data).hexdigest()
        if sha in seen or self._has_sha(sha):
            report.duplicates.append(str(f))
            return None
        try:
            parsed = ingest.parse_bytes(data, f.name)
        except ingest.IngestError as exc:
            report.failed.append(FileProblem(str(f), str(exc)))
            return None
        except Exception as exc:  # a parser bug must cost one file, not the batch
            report.failed.append(FileProblem(str(f), f"could not be parsed ({exc!r})"))
            return None
        seen.add(sha)
        self._store_blob(sha, data)
        return f, sha, len(data), parsed

    def _has_sha(self, sha: str) -> bool:
        """A live document holds these bytes (a removed one comes back when imported again)."""
        return self.db.execute(
            "SELECT 1 FROM documents WHERE sha256 = ? AND deleted = 0", [sha]).fetchone() is not None

    def _commit_documents(self, pending: list, report: ImportReport) -> None:
        with self._write() as tx:
            doc_rows, queue_rows = [], []
            for f, sha, size, parsed in pending:
                doc_id = document_id(sha)
                if tx.fetch("documents", (doc_id,)) is not None:  # removed before: restore it
                    tx.update("documents", (doc_id,), {"deleted": 0})
                    tx.audit("restore document", "document", doc_id,
                             {"sha256": sha, "filename": f.name})
                    queue_rows.append(["document", doc_id, "update"])
                    report.imported.append(doc_id)
                    tx.changes.documents.add(doc_id)
                    continue
                source_id = self._ensure_source(tx, parsed.source) if parsed.source else None
                marking = parsed.marking if parsed.marking in MARKINGS else "CLEAR"
                doc_rows.append([
                    doc_id, sha, parsed.title, source_id, parsed.author, parsed.published_at,
                    parsed.url, parsed.language, parsed.mime, f.name, size, parsed.text, marking,
                    tx.now, tx.actor, tx.now, tx.actor, tx.now, tx.actor, tx.hlc(),
                ])
                queue_rows.append(["document", doc_id, "add"])
                tx.audit("import", "document", doc_id,
                         {"sha256": sha, "title": parsed.title, "filename": f.name})
                report.imported.append(doc_id)
                tx.changes.documents.add(doc_id)
            tx.db.conn.executemany(
                "INSERT INTO documents(id, sha256, title, source_id, author, published_at, url,"
                " language, mime, filename, size, text, marking, imported_at, imported_by,"
                " created_at, created_by, updated_at, updated_by, hlc, deleted)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,0)",
                doc_rows,
            )
            tx.db.conn.executemany(
                "INSERT INTO index_queue(entity, entity_id, op) VALUES (?,?,?)", queue_rows
            )
            tx.changes.index = True
        report.changes.merge(tx.changes)

    def _ensure_source(self, tx: Tx, name: str, kind: str | None = None,
                       reliability: str | None = None) -> str:
        sid = name_id("source", name)
        row = tx.fetch("sources", (sid,))
        if row is None:
            vals = {"id": sid, "name": " ".join(name.split()), "kind": kind or "outlet",
                    "reliability": reliability or "F"}
            tx.insert("sources", vals)
            tx.audit("add source", "source", sid, vals)
            tx.changes.sources.add(sid)
        elif (row["deleted"] or (kind and kind != row["kind"])
              or (reliability and reliability != row["reliability"])):
            # a source an undo retired comes back when it is named again
            vals = {"kind": kind or row["kind"], "reliability": reliability or row["reliability"],
                    "deleted": 0}
            tx.update("sources", (sid,), vals)
            tx.audit("edit source", "source", sid, vals)
            tx.changes.sources.add(sid)
            if reliability and reliability != row["reliability"]:
                self._requeue_annotations(
                    tx, "document_id IN (SELECT id FROM documents WHERE source_id = ?)", [sid])
        return sid

    def _requeue_annotations(self, tx: Tx, where: str, args: list) -> None:
        """Annotations carry their document's reliability in the index: refresh them."""
        for (ann_id,) in tx.db.execute(
                f"SELECT id FROM annotations WHERE deleted = 0 AND {where}", args).fetchall():
            tx.queue("annotation", ann_id)
            tx.changes.annotations.add(ann_id)

    def set_source(self, name: str, *, kind: str | None = None, reliability: str | None = None
                   ) -> Changes:
        """Create or update a source (outlet, agency, person) with its Admiralty reliability."""
        if reliability is not None and reliability not in "ABCDEF":
            raise WorkspaceError(f"Reliability must be one of A–F, not {reliability!r}.")
        with self._action("Edit source") as tx:
            self._ensure_source(tx, name, kind, reliability)
        return tx.changes

    def edit_sources(self, edits: dict[str, dict]) -> Changes:
        """Re-rate or re-class several sources as one undo step ("Edit sources"): EDITS maps a
        source's name to {"reliability": A–F, "kind": "agency"…}. Every value is checked before
        anything is written; the annotations of their documents are re-indexed."""
        known = {s["name"]: s for s in self.sources()}
        for name, values in edits.items():
            if name not in known:
                raise NotFound(f"No source named {name!r}.")
            unknown = set(values) - {"reliability", "kind"}
            if unknown:
                raise WorkspaceError(f"Unknown source field(s): {', '.join(sorted(unknown))}.")
            if values.get("reliability") not in (None, *RELIABILITIES):
                raise WorkspaceError(
                    f"{name}: reliability must be one of A–F, not {values['reliability']!r}.")
            kind = values.get("kind")
            if kind is not None and not _SOURCE_KIND.fullmatch(kind):
                raise WorkspaceError(
                    f"{name}: a source's kind is a short word such as agency or outlet, "
                    f"not {kind!r}.")
        with self.batch("Edit sources") as changes:
            for name, values in edits.items():
                self.set_source(name, kind=values.get("kind"),
                                reliability=values.get("reliability"))
                # their documents' headers show the rating: name them as changed
                changes.documents.update(r[0] for r in self.db.execute(
                    "SELECT id FROM documents WHERE source_id = ? AND deleted = 0",
                    [known[name]["id"]]))
        return changes

    DOCUMENT_FIELDS = ("title", "author", "published_at", "url", "language", "marking", "source",
                       "reliability")

    def document_properties(self, doc_id: str) -> dict:
        """A document's editable metadata as stored: its own reliability (None: its source's)
        and its source's reliability apart, for a properties form."""
        row = store.row(
            self.db,
            "SELECT d.id, d.title, d.author, d.published_at, d.url, d.language, d.marking,"
            " d.reliability, s.name AS source, s.reliability AS source_reliability"
            " FROM documents d LEFT JOIN sources s ON s.id = d.source_id"
            " WHERE d.id = ? AND d.deleted = 0", [doc_id])
        if row is None:
            raise NotFound(f"No document with id {doc_id}.")
        return row

    def update_document(self, doc_id: str, *, source_reliability: str | None = None,
                        **values) -> Changes:
        """Edit a document's metadata (title, author, date, url, language, marking, source,
        its own reliability) and, with SOURCE_RELIABILITY, rate its source (A–F) in the same
        undo step. Empty strings clear the optional fields; every value is checked first."""
        unknown = set(values) - set(self.DOCUMENT_FIELDS)
        if unknown:
            raise WorkspaceError(f"Unknown document field(s): {', '.join(sorted(unknown))}.")
        values = _clean_document_values(values)
        if source_reliability is not None and source_reliability not in RELIABILITIES:
            raise WorkspaceError(f"Reliability must be one of A–F, not {source_reliability!r}.")
        doc = self.document(doc_id)
        with self._action("Edit document") as tx:
            sets = {k: v for k, v in values.items() if k != "source"}
            source_name = values["source"] if "source" in values else doc.source
            if "source" in values:
                sets["source_id"] = (self._ensure_source(tx, values["source"])
                                     if values["source"] else None)
            if source_reliability is not None:
                if not source_name:
                    raise WorkspaceError("This document names no source to rate; give it one.")
                self._ensure_source(tx, source_name, reliability=source_reliability)
                tx.changes.documents.add(doc.id)
            if sets:
                tx.update("documents", (doc.id,), sets)
                tx.audit("edit document", "document", doc.id, values)
                tx.queue("document", doc.id)
                self._requeue_annotations(tx, "document_id = ?", [doc.id])
                tx.changes.documents.add(doc.id)
        return tx.changes

    def removed_documents(self) -> list[dict]:
        """Removed documents, most recent first: id, title, filename, removed_at, removed_by
        (a name) and how many notes and claims went with each (restore_document brings them
        back)."""
        return store.rows(
            self.db,
            "SELECT d.id, d.title, d.filename, d.updated_at AS removed_at,"
            " coalesce(an.name, d.updated_by) AS removed_by,"
            " (SELECT count(*) FROM annotations a WHERE a.document_id = d.id AND a.deleted = 1"
            "  AND a.updated_at = d.updated_at) AS annotations"
            " FROM documents d LEFT JOIN analysts an ON an.id = d.updated_by"
            " WHERE d.deleted = 1 ORDER BY d.updated_at DESC, d.title")

    def restore_document(self, doc_id: str) -> Changes:
        """Bring a removed document back with the notes and claims (their tags and links)
        removed with it — those changed in the same step as the document — as one undo step
        that travels like the removal did."""
        row = store.row(self.db, "SELECT id, title, deleted, updated_at FROM documents"
                        " WHERE id = ?", [doc_id])
        if row is None or not row["deleted"]:
            raise NotFound(f"No removed document with id {doc_id}.")
        when = row["updated_at"]
        with self._action("Restore document") as tx:
            ids = [r[0] for r in tx.db.execute(
                "SELECT id FROM annotations WHERE document_id = ? AND deleted = 1"
                " AND updated_at = ?", [doc_id, when]).fetchall()]
            tx.update("documents", (doc_id,), {"deleted": 0})
            self._note_change(tx, "documents", (doc_id,), {})
            for ann_id in ids:
                tx.update("annotations", (ann_id,), {"deleted": 0})
                self._note_change(tx, "annotations", (ann_id,), {"document_id": doc_id})
            for chunk in _chunks(ids, 500):
                marks = ",".join("?" * len(chunk))
                for ann_id, tag in tx.db.execute(
                        "SELECT annotation_id, tag_id FROM annotation_tags WHERE deleted = 1"
                        f" AND updated_at = ? AND annotation_id IN ({marks})",
                        [when, *chunk]).fetchall():
                    tx.update("annotation_tags", (ann_id, tag), {"deleted": 0})
                    tx.changes.tags.add(tag)
                for (link_id,) in tx.db.execute(  # links whose other end is live again too
                        "SELECT l.id FROM links l JOIN annotations f ON f.id = l.from_id"
                        " JOIN annotations t ON t.id = l.to_id WHERE l.deleted = 1"
                        f" AND l.updated_at = ? AND (l.from_id IN ({marks}) OR l.to_id IN"
                        f" ({marks})) AND f.deleted = 0 AND t.deleted = 0",
                        [when, *chunk, *chunk]).fetchall():
                    link = tx.update("links", (link_id,), {"deleted": 0})
                    self._note_change(tx, "links", (link_id,), link)
            tx.audit("restore document", "document", doc_id,
                     {"title": row["title"], "annotations": len(ids)})
        return tx.changes

    def update_documents(self, doc_ids: Iterable[str], *, source_reliability: str | None = None,
                         **values) -> Changes:
        """The same edit (a marking, a source and its rating…) on several documents: one undo
        step, and nothing is written if any of them refuses it."""
        doc_ids = list(dict.fromkeys(doc_ids))
        label = "Edit document" if len(doc_ids) == 1 else f"Edit {len(doc_ids)} documents"
        with self.deferred_indexing(), self.batch(label) as changes:
            for doc_id in doc_ids:
                self.update_document(doc_id, source_reliability=source_reliability, **values)
        return changes

    def remove_documents(self, doc_ids: Iterable[str]) -> Changes:
        """Remove several documents as one undo step; if any is refused (another analyst's
        work on it), none is removed."""
        doc_ids = list(dict.fromkeys(doc_ids))
        label = "Remove document" if len(doc_ids) == 1 else f"Remove {len(doc_ids)} documents"
        with self.deferred_indexing(), self.batch(label) as changes:
            for doc_id in doc_ids:
                self.remove_document(doc_id)
        return changes

    def remove_document(self, doc_id: str) -> Changes:
        """Take a document out of the workspace with its notes and claims (their tags and the
        links that touch them): all become tombstones, so the removal is one undo step and
        travels in bundles. An analyst removes only documents that hold no one else's work; a
        supervisor removes any. The original file stays in the blob store, so an undo — or
        importing the same file again — brings the document back."""
        doc = self.document(doc_id)
        with self._action("Remove document") as tx:
            anns = tx.db.execute(
                "SELECT a.id, a.created_by, coalesce(an.name, a.created_by) FROM annotations a"
                " LEFT JOIN analysts an ON an.id = a.created_by"
                " WHERE a.document_id = ? AND a.deleted = 0", [doc.id]).fetchall()
            others = {name for _id, by, name in anns if by != tx.actor}
            for chunk in _chunks([a[0] for a in anns], 500):  # others' links to this work
                marks = ",".join("?" * len(chunk))
                others.update(r[0] for r in tx.db.execute(
                    "SELECT coalesce(an.name, l.created_by) FROM links l LEFT JOIN analysts an"
                    " ON an.id = l.created_by WHERE l.deleted = 0 AND l.created_by != ? AND"
                    f" (l.from_id IN ({marks}) OR l.to_id IN ({marks}))",
                    [tx.actor, *chunk, *chunk]))
            others = sorted(others)
            if others and not self.is_supervisor:
                from desktop.core.kernel.errors import PermissionDenied

                raise PermissionDenied(
                    f"{doc.title!r} holds work by {', '.join(others)}; only a supervisor "
                    "removes a document with other analysts' notes or claims.")
            ids = [a[0] for a in anns]
            tx.update("documents", (doc.id,), {"deleted": 1})
            self._note_change(tx, "documents", (doc.id,), {})
            for chunk in _chunks(ids, 500):
                marks = ",".join("?" * len(chunk))
                for ann_id, tag in tx.db.execute(
                        "SELECT annotation_id, tag_id FROM annotation_tags WHERE deleted = 0"
                        f" AND annotation_id IN ({marks})", chunk).fetchall():
                    tx.update("annotation_tags", (ann_id, tag), {"deleted": 1})
                    tx.changes.tags.add(tag)
                for (link_id,) in tx.db.execute(
                        f"SELECT id FROM links WHERE deleted = 0 AND (from_id IN ({marks})"
                        f" OR to_id IN ({marks}))", chunk + chunk).fetchall():
                    row = tx.update("links", (link_id,), {"deleted": 1})
                    self._note_change(tx, "links", (link_id,), row)
            for ann_id in ids:
                tx.update("annotations", (ann_id,), {"deleted": 1})
                self._note_change(tx, "annotations", (ann_id,), {"document_id": doc.id})
            tx.audit("remove document", "document", doc.id,
                     {"title": doc.title, "annotations": len(ids)})
        return tx.changes

    # -- index -----------------------------------------------------------------------------------
    def _requeue_everything(self) -> None:
        with self._write() as tx:
            tx.db.execute("DELETE FROM index_queue")
            tx.db.execute(
                "INSERT INTO index_queue(entity, entity_id, op)"
                " SELECT 'document', id, 'add' FROM documents WHERE deleted = 0"
            )
            tx.db.execute(
                "INSERT INTO index_queue(entity, entity_id, op)"
                " SELECT 'annotation', a.id, 'add' FROM annotations a"
                " JOIN documents d ON d.id = a.document_id WHERE a.deleted = 0 AND d.deleted = 0"
            )
            tx.changes.index = True

    def pending_index(self) -> int:
        return self.db.execute("SELECT count(*) FROM index_queue").fetchone()[0]

    def index_pending(self, *, progress: Progress | None = None, cancel: Cancel | None = None
                      ) -> int:
        """Drain the index queue in batches; the store stays the truth if this is interrupted."""
        if self.readonly or getattr(self._local, "batch", None) is not None:
            return 0  # inside a batch nothing is committed yet: its end indexes
        done = 0
        total = self.pending_index()
        bulk = total >= 2 * INDEX_BATCH
        batch = BULK_INDEX_BATCH if bulk else INDEX_BATCH
        while True:
            if cancel is not None and cancel.is_set():
                break
            with self._write_lock:
                queue = self.db.execute(
                    "SELECT seq, entity, entity_id, op FROM index_queue ORDER BY seq LIMIT ?",
                    [batch],
                ).fetchall()
                if not queue:
                    break
                max_seq = queue[-1][0]
                fresh = not self._recovering and all(op == "add" for _s, _e, _i, op in queue)
                doc_ids = list(dict.fromkeys(i for _s, e, i, _o in queue if e == "document"))
                ann_ids = list(dict.fromkeys(i for _s, e, i, _o in queue if e == "annotation"))
                upserts, deletes = self._index_entries(doc_ids)
                more, gone = self._annotation_index_entries(ann_ids)
                upserts += more
                deletes += gone
                self.index.write(upserts, deletes, bulk=bulk and len(upserts) > INDEX_BATCH,
                                 fresh=fresh)
                with self.db.atomic():
                    self.db.execute("DELETE FROM index_queue WHERE seq <= ?", [max_seq])
            done += len(doc_ids) + len(ann_ids)
            if progress:
                progress(min(done, total), total, "indexing")
        return done

    def _index_entries(self, doc_ids: list[str]) -> tuple[list[dict], list[str]]:
        upserts, deletes = [], []
        found = set()
        for chunk in _chunks(doc_ids, 500):
            marks = ",".join("?" * len(chunk))
            for r in store.rows(
                self.db,
                "SELECT d.id, d.title, d.text, d.author, d.language, d.marking, d.published_at,"
                " d.imported_at, d.deleted, s.name AS source FROM documents d"
                f" LEFT JOIN sources s ON s.id = d.source_id WHERE d.id IN ({marks})"
                " AND +d.deleted = 0",  # + : look rows up by id, never scan by the flag
                chunk,
            ):
                found.add(r["id"])
                if r["deleted"]:
                    deletes.append(r["id"])
                    continue
                upserts.append(_document_fields(r))
        deletes += [i for i in doc_ids if i not in found]
        return upserts, deletes

    def reindex(self, *, progress: Progress | None = None, cancel: Cancel | None = None) -> int:
        """Rebuild the index from the store; an interrupted rebuild resumes from the queue."""
        with self._write_lock:
            self._requeue_everything()
            self.index.clear()
        return self.index_pending(progress=progress, cancel=cancel)

    # -- reading ---------------------------------------------------------------------------------
    DOC_SUMMARY = (
        "d.id, d.title, d.author, d.published_at, d.language, d.marking, d.mime, d.filename,"
        " d.size, d.imported_at, d.sha256, d.url, d.source_id, s.name AS source,"
        " coalesce(d.reliability, s.reliability) AS reliability"
    )

    def document(self, doc_id: str) -> Document:
        r = store.row(
            self.db,
            f"SELECT {self.DOC_SUMMARY}, d.text FROM documents d"
            " LEFT JOIN sources s ON s.id = d.source_id WHERE d.id = ? AND d.deleted = 0",
            [doc_id],
        )
        if r is None:
            raise NotFound(f"No document with id {doc_id}.")
        return Document(**r)

    def find_document(self, ref: str) -> Document:
        """A document by id, id prefix (at least 4 characters) or exact / partial title."""
        ref = ref.strip()
        if len(ref) >= 4:
            ids = [r[0] for r in self.db.execute(
                "SELECT id FROM documents WHERE deleted = 0 AND id LIKE ? LIMIT 2", [ref + "%"])]
            if len(ids) == 1:
                return self.document(ids[0])
        for sql, arg in (("title = ? COLLATE NOCASE", ref), ("title LIKE ?", f"%{ref}%")):
            ids = [r[0] for r in self.db.execute(
                f"SELECT id FROM documents WHERE deleted = 0 AND {sql} LIMIT 6", [arg])]
            if len(ids) == 1:
                return self.document(ids[0])
            if len(ids) > 1:
                titles = "; ".join(self.document(i).title for i in ids[:5])
                raise NotFound(f"{ref!r} matches several documents ({titles}); be more precise.")
        raise NotFound(f"No document matches {ref!r} (by id prefix or title).")

    def _document_where(self, *, source: str | None = None, source_id: str | None = None,
                        tag: str | None = None, has_claims: bool = False,
                        language: str | None = None,
                        marking: str | None = None, since: str | None = None,
                        until: str | None = None, text: str | None = None
                        ) -> tuple[str, list]:
        where, args = ["d.deleted = 0"], []
        if source:
            where.append("s.name LIKE ?")
            args.append(f"%{source}%")
        if source_id:
            where.append("d.source_id = ?")
            args.append(source_id)
        if has_claims:
            where.append("EXISTS (SELECT 1 FROM annotations a WHERE a.document_id = d.id"
                         " AND a.kind = 'claim' AND a.deleted = 0)")
        if tag:
            from .claims import normalise_tag

            name = normalise_tag(tag)
            where.append(
                "EXISTS (SELECT 1 FROM annotations a JOIN annotation_tags at"
                " ON at.annotation_id = a.id AND at.deleted = 0 JOIN tags t ON t.id = at.tag_id"
                " WHERE a.document_id = d.id AND a.deleted = 0"
                " AND (t.name = ? OR t.name LIKE ?))")
            args += [name, name + "/%"]
        if language:
            where.append("d.language = ?")
            args.append(language)
        if marking:
            where.append("d.marking = ?")
            args.append(marking.upper())
        if since:
            where.append("coalesce(d.published_at, d.imported_at) >= ?")
            args.append(since)
        if until:
            where.append("coalesce(d.published_at, d.imported_at) <= ?")
            args.append(until + "\uffff" if len(until) <= 10 else until)
        if text:
            where.append("d.title LIKE ?")
            args.append(f"%{text}%")
        return " AND ".join(where), args

    SORTABLE = {"title": "d.title COLLATE NOCASE", "published": "d.published_at",
                "imported": "d.imported_at", "source": "s.name COLLATE NOCASE",
                "language": "d.language", "size": "d.size",
                "marking": "CASE d.marking WHEN 'CLEAR' THEN 0 WHEN 'GREEN' THEN 1"
                           " WHEN 'AMBER' THEN 2 WHEN 'AMBER+STRICT' THEN 3 ELSE 4 END",
                "reliability": "coalesce(d.reliability, s.reliability, 'F')"}

    def document_ids(self, *, order: str = "imported", descending: bool = False,
                     **filters) -> list[str]:
        """Ids of the documents matching the filters, sorted by SQL (for lazy table models)."""
        where, args = self._document_where(**filters)
        col = self.SORTABLE.get(order)
        if col is None:
            raise WorkspaceError(f"Cannot sort by {order!r}; use one of {', '.join(self.SORTABLE)}.")
        direction = "DESC" if descending else "ASC"
        return [r[0] for r in self.db.execute(
            f"SELECT d.id FROM documents d LEFT JOIN sources s ON s.id = d.source_id"
            f" WHERE {where} ORDER BY {col} {direction}, d.rowid {direction}", args)]

    def document_summaries(self, ids: list[str]) -> dict[str, dict]:
        """Summary rows (no text) for the given ids, keyed by id; removed documents have none."""
        out: dict[str, dict] = {}
        for chunk in _chunks(ids, 500):
            marks = ",".join("?" * len(chunk))
            for r in store.rows(
                self.db,
                f"SELECT {self.DOC_SUMMARY} FROM documents d"
                f" LEFT JOIN sources s ON s.id = d.source_id WHERE d.id IN ({marks})"
                " AND +d.deleted = 0",  # + : look rows up by id, never scan by the flag
                chunk,
            ):
                out[r["id"]] = r
        return out

    def list_documents(self, *, order: str = "imported", descending: bool = False,
                       limit: int | None = None, **filters) -> list[dict]:
        ids = self.document_ids(order=order, descending=descending, **filters)
        if limit is not None:
            ids = ids[:limit]
        rows = self.document_summaries(ids)
        return [rows[i] for i in ids]

    def count_documents(self) -> int:
        return self.db.execute("SELECT count(*) FROM documents WHERE deleted = 0").fetchone()[0]

    def sources(self) -> list[dict]:
        return store.rows(
            self.db,
            "SELECT s.id, s.name, s.kind, s.reliability, (SELECT count(*) FROM documents d"
            " WHERE d.source_id = s.id AND d.deleted = 0) AS documents FROM sources s"
            " WHERE s.deleted = 0 ORDER BY s.name COLLATE NOCASE",
        )

    def languages(self) -> list[str]:
        return [r[0] for r in self.db.execute(
            "SELECT DISTINCT language FROM documents WHERE deleted = 0 ORDER BY language")]

    # -- search ----------------------------------------------------------------------------------
    def search(self, text: str, *, limit: int = 20, highlight: str | None = "html",
               kinds: tuple[str, ...] | None = None) -> list[SearchHit]:
        """Ranked hits with highlighted fragments. Raises QueryError for a malformed query."""
        texts: dict[str, dict] = {}

        def text_for(hit: ixmod.Hit) -> dict[str, str]:
            if hit.kind in ("note", "claim"):
                r = store.row(self.db, "SELECT a.quote, a.comment, c.statement FROM annotations a"
                              " LEFT JOIN claims c ON c.annotation_id = a.id WHERE a.id = ?",
                              [hit.id]) or {}
                return {k: r.get(k) or "" for k in ("statement", "quote", "comment")}
            r = texts.get(hit.doc_id)
            if r is None:
                r = store.row(self.db, "SELECT title, text FROM documents WHERE id = ?",
                              [hit.doc_id]) or {"title": "", "text": ""}
                texts[hit.doc_id] = r
            return {"body": r["text"]}

        results = self.index.search(text, limit=limit, kinds=kinds,
                                    text_for=text_for if highlight else None,
                                    highlight_format=highlight)
        titles = self.document_summaries(list({h.doc_id for h in results.hits}))
        return [
            SearchHit(h.id, h.kind, h.doc_id, titles[h.doc_id]["title"], h.score, h.fragments,
                      titles[h.doc_id]["marking"])
            for h in results.hits
            if h.doc_id in titles
        ]

    # -- integrity and backup --------------------------------------------------------------------
    def check(self) -> CheckReport:
        db = self.db
        problems = store.integrity_problems(db)
        docs = {r[0]: r[1] for r in db.execute("SELECT id, sha256 FROM documents WHERE deleted = 0")}
        all_shas = {r[0] for r in db.execute("SELECT sha256 FROM documents")}
        anns = {r[0] for r in db.execute(
            "SELECT a.id FROM annotations a JOIN documents d ON d.id = a.document_id"
            " WHERE a.deleted = 0 AND d.deleted = 0")}
        entries = self.index.indexed_entries()
        indexed = [i for i, kind in entries if kind == "document"]
        for label, expected, found in (
            ("document", set(docs), indexed),
            ("annotation", anns, [i for i, kind in entries if kind != "document"]),
        ):
            counts: dict[str, int] = {}
            for i in found:
                counts[i] = counts.get(i, 0) + 1
            missing = [i for i in expected if i not in counts]
            if missing:
                problems.append(f"{len(missing)} {label}(s) not in the search index "
                                f"(e.g. {missing[0]}); run `assay reindex`")
            twice = [i for i, c in counts.items() if c > 1]
            if twice:
                problems.append(f"{len(twice)} {label}(s) indexed more than once; "
                                "run `assay reindex`")
            extra = [i for i in counts if i not in expected]
            if extra:
                problems.append(f"{len(extra)} index entries for {label}s not in the store; "
                                "run `assay reindex`")
        blobs = set()
        for path in self._blob_files():
            name = path.parent.name + path.name
            blobs.add(name)
            if name not in all_shas:
                problems.append(f"orphan blob {path.relative_to(self.path)}")
        for doc_id, sha in docs.items():
            if sha not in blobs:
                problems.append(f"document {doc_id} has no original file (blob {sha[:12]}… missing)")
        queue = self.pending_index()
        if queue:
            problems.append(f"{queue} change(s) wait in the index queue; run `assay reindex`")
        chain = audit.verify(db)
        if not chain.ok:
            problems.append(f"audit log broken at entry {chain.first_bad}: {chain.reason}")
        return CheckReport(problems, len(docs), len(indexed), queue, chain.entries)

    # -- unsaved edits (kept beside the store so a crash loses nothing) ---------------------------
    def _unsaved_path(self, name: str) -> Path:
        if not _UNSAVED_NAME.fullmatch(name):
            raise WorkspaceError(f"Not a name for unsaved edits: {name!r}.")
        return self.path / "unsaved" / f"{name}.json"

    def keep_unsaved(self, name: str, data: dict) -> None:
        """Keep a form's unsaved edits as NAME (JSON, written whole and synced to disk), so a
        crash or a power cut does not lose them; nothing here enters the store or the audit
        log until the analyst saves. Read-only workspaces keep nothing."""
        if self.readonly:
            return
        path = self._unsaved_path(name)
        path.parent.mkdir(exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(data, fh, ensure_ascii=False)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)

    def unsaved(self, name: str) -> dict | None:
        """What keep_unsaved kept as NAME, or None (also for a file that does not read)."""
        try:
            data = json.loads(self._unsaved_path(name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def drop_unsaved(self, name: str) -> None:
        if self.readonly:
            return
        with contextlib.suppress(FileNotFoundError):
            self._unsaved_path(name).unlink()

    def backup(self, dest: Path) -> Path:
        """SQLite online backup plus blobs and index; open DEST as a workspace to restore."""
        dest = Path(dest)
        if dest.exists() and any(dest.iterdir()):
            raise WorkspaceError(f"{dest} is not empty; choose a new folder for the backup.")
        dest.mkdir(parents=True, exist_ok=True)
        with self._write_lock:
            target = store.connect(dest / self.DB_NAME)
            try:
                self.db.conn.backup(target.conn)
            finally:
                target.close()
            shutil.copytree(self.path / "blobs", dest / "blobs", dirs_exist_ok=True)
            shutil.copytree(self.path / "index", dest / "index", dirs_exist_ok=True)
        return dest

    def verify_audit(self) -> audit.VerifyResult:
        return audit.verify(self.db)

    # -- bundles, keys and conflicts: the exchange service (desktop/core/exchange) ---------------
    def export_bundle(self, dest: str | Path, *, documents: Iterable[str] | None = None,
                      tags: Iterable[str] | None = None, analysts: Iterable[str] | None = None,
                      statuses: Iterable[str] | None = None, since: str | None = None,
                      until: str | None = None, changed_since_bundle_to: str | None = None,
                      ceiling: str = "RED", progress: Progress | None = None,
                      cancel=None) -> BundleInfo:
        """Write a signed bundle of everything, or of a selection, up to a marking ceiling."""
        return self.exchange.export_bundle(
            dest, documents=documents, tags=tags, analysts=analysts, statuses=statuses,
            since=since, until=until, changed_since_bundle_to=changed_since_bundle_to,
            ceiling=ceiling, progress=progress, cancel=cancel)

    def verify_bundle(self, path: str | Path) -> BundleInfo:
        return self.exchange.verify_bundle(path)

    def show_bundle(self, path: str | Path) -> tuple[BundleInfo, dict]:
        return self.exchange.show_bundle(path)

    def preview_bundle(self, path: str | Path) -> ImportPreview:
        return self.exchange.preview_bundle(path)

    def import_bundle(self, path: str | Path, progress: Progress | None = None,
                      cancel=None) -> ImportResult:
        return self.exchange.import_bundle(path, progress, cancel)

    def bundles_sent(self, team: str | None = None) -> list[dict]:
        return self.exchange.bundles_sent(team)

    def quarantined(self) -> list[dict]:
        return self.exchange.quarantined()

    def keys(self) -> list[KeyInfo]:
        return self.exchange.keys()

    def my_key(self) -> KeyInfo:
        return self.exchange.my_key()

    def export_public_key(self, path: str | Path) -> KeyInfo:
        return self.exchange.export_public_key(path)

    def trust_key(self, source: str | Path, expected_fingerprint: str) -> KeyInfo:
        return self.exchange.trust_key(source, expected_fingerprint)

    def revoke_key(self, fingerprint: str) -> KeyInfo:
        return self.exchange.revoke_key(fingerprint)

    def conflicts(self, unresolved_only: bool = True) -> list[Conflict]:
        return self.exchange.conflicts(unresolved_only)

    def resolve_conflict(self, conflict_id: str, choice: str = "local", value=None) -> Changes:
        return self.exchange.resolve_conflict(conflict_id, choice, value)


@dataclass
class Document:
    id: str
    title: str
    author: str | None
    published_at: str | None
    language: str
    marking: str
    mime: str | None
    filename: str | None
    size: int | None
    imported_at: str
    sha256: str
    url: str | None
    source_id: str | None
    source: str | None
    reliability: str | None
    text: str = ""


RELIABILITIES = ("A", "B", "C", "D", "E", "F")
_UNSAVED_NAME = re.compile(r"[a-z][a-z0-9-]{0,40}")
# the kinds the sample sources use; any short word is allowed
SOURCE_KINDS = ("outlet", "agency", "trade_press", "think_tank", "vendor", "person")
_SOURCE_KIND = re.compile(r"[a-z][a-z_]{1,30}")
_LANGUAGE = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*")


_ISO_DAY = re.compile(
    r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})?)?")


def is_iso_date(value: str) -> bool:
    """YYYY-MM-DD, or an ISO 8601 time stamp as imports store (2025-03-18T09:30:00Z): a real
    day first, so dates sort and compare as text."""
    if not _ISO_DAY.fullmatch(value):
        return False
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _clean_document_values(values: dict) -> dict:
    """Check and normalise edited document metadata; a clear error names the first bad one."""
    out = {}
    for key, value in values.items():
        if isinstance(value, str):
            value = " ".join(value.split()) if key != "url" else value.strip()
        if key == "title":
            if not value:
                raise WorkspaceError("A document needs a title.")
        elif key == "marking":
            if value not in MARKINGS:
                raise WorkspaceError(f"Marking must be one of {', '.join(MARKINGS)}.")
        elif key == "reliability":
            value = value or None
            if value is not None and value not in RELIABILITIES:
                raise WorkspaceError(f"Reliability must be one of A–F, not {value!r}.")
        elif key == "published_at":
            value = value or None
            if value is not None and not is_iso_date(value):
                raise WorkspaceError(
                    f"The publication date must be a day as YYYY-MM-DD, not {value!r}."
                )
        elif key == "language":
            value = (value or "und").lower()
            if value != "und" and not _LANGUAGE.fullmatch(value):
                raise WorkspaceError(
                    f"The language must be a code such as en, fr, zh or pt-br, not {value!r}."
                )
        elif key in ("author", "url", "source"):
            value = value or None
        out[key] = value
    return out


def _document_fields(r: dict) -> dict:
    out = {
        "id": r["id"],
        "kind": "document",
        "doc_id": r["id"],
        "title": r["title"] or "",
        "body": r["text"] or "",
        "lang": r["language"] or "und",
        "marking": (r["marking"] or "").lower(),
    }
    for key in ("source", "author"):
        if r.get(key):
            out[key] = r[key]
    for key, col in (("published", "published_at"), ("imported", "imported_at")):
        when = ixmod.to_datetime(r.get(col))
        if when is not None:
            out[key] = when
    return out


def _chunks(items: list, size: int) -> Iterator[list]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
