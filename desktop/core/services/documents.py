"""Documents: importing files, their metadata, removing and restoring them, listing them."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import time
from collections.abc import Iterable
from pathlib import Path

from ..kernel import queries, writes
from ..kernel.changes import Changes
from ..kernel.errors import NotFound, PermissionDenied, ReadOnlyWorkspace, WorkspaceError
from ..kernel.ids import chunks, document_id
from ..kernel.records import (
    MARKINGS,
    RELIABILITIES,
    Cancel,
    Document,
    FileProblem,
    ImportReport,
    Progress,
    is_iso_date,
)
from ..kernel.service import Service
from ..kernel.sql import tag_with_children
from ..kernel.undo import RowChange

IMPORT_COMMIT_EVERY = 200
DOCUMENT_COLUMNS = (
    "id",
    "sha256",
    "title",
    "source_id",
    "author",
    "published_at",
    "url",
    "language",
    "mime",
    "filename",
    "size",
    "text",
    "marking",
    "imported_at",
    "imported_by",
    "created_at",
    "created_by",
    "updated_at",
    "updated_by",
    "hlc",
    "deleted",
)
_LANGUAGE = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*")


class Documents(Service):
    """A workspace's documents."""

    DOCUMENT_FIELDS = (
        "title",
        "author",
        "published_at",
        "url",
        "language",
        "marking",
        "source",
        "reliability",
    )
    SORTABLE = {
        "title": "d.title COLLATE NOCASE",
        "published": "d.published_at",
        "imported": "d.imported_at",
        "source": "s.name COLLATE NOCASE",
        "language": "d.language",
        "size": "d.size",
        "marking": "CASE d.marking WHEN 'CLEAR' THEN 0 WHEN 'GREEN' THEN 1"
        " WHEN 'AMBER' THEN 2 WHEN 'AMBER+STRICT' THEN 3 ELSE 4 END",
        "reliability": "coalesce(d.reliability, s.reliability, 'F')",
    }

    # -- import ----------------------------------------------------------------------------------

    def import_paths(
        self,
        paths: Iterable[str | Path],
        *,
        progress: Progress | None = None,
        cancel: Cancel | None = None,
        index: bool = True,
    ) -> ImportReport:
        """Import files and folders (recursively). One bad file never stops the batch."""
        from .. import ingest

        if self.session.readonly:
            raise ReadOnlyWorkspace(
                f"The workspace {self.session.path} is open read-only; nothing imported."
            )
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
        journal = self.session.path / "import.journal"
        journal.write_text(str(os.getpid()))
        outer = getattr(self.session._local, "batch", None)
        if outer is not None:  # if the batch fails, the bytes stored here belong to nobody
            outer.blobs = True
        seen: set[str] = set()
        records: list[RowChange] = []  # of every chunk committed: the import's one undo step
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
                    if (
                        len(pending) >= IMPORT_COMMIT_EVERY
                        or time.perf_counter() - last_commit > 0.5
                    ):
                        self._commit_documents(pending, report, records)
                        pending = []
                        last_commit = time.perf_counter()
                if progress:
                    progress(n, total, f.name)
            if pending:
                self._commit_documents(pending, report, records)
        except BaseException:
            # blobs written for a batch that never committed belong to nobody
            with contextlib.suppress(Exception):
                self.session.collect_orphan_blobs()
            raise
        finally:
            if outer is None:  # else the batch's end removes it, and its step holds the rows
                with contextlib.suppress(FileNotFoundError):
                    journal.unlink()
                n = len(report.imported)
                self.session.record_step(
                    f"Import {n} document{'s' if n != 1 else ''}", records, report.changes
                )
        report.seconds_stored = time.perf_counter() - started
        if index:
            report.indexed = self.session.indexer(progress=progress, cancel=cancel)
        report.seconds_total = time.perf_counter() - started
        return report

    def _read_and_parse(self, f: Path, seen: set[str], report: ImportReport):
        """Read, hash and parse one file; a problem becomes a line in the report."""
        from .. import ingest

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
        self.session.store_blob(sha, data)
        return f, sha, len(data), parsed

    def _has_sha(self, sha: str) -> bool:
        """A live document holds these bytes (a removed one comes back when imported again)."""
        return (
            self.db.execute(
                "SELECT 1 FROM documents WHERE sha256 = ? AND deleted = 0", [sha]
            ).fetchone()
            is not None
        )

    def _commit_documents(self, pending: list, report: ImportReport, records: list) -> None:
        with self._write() as tx:
            doc_rows, queue_rows = [], []
            for f, sha, size, parsed in pending:
                doc_id = document_id(sha)
                if tx.fetch("documents", (doc_id,)) is not None:  # removed before: restore it
                    tx.update("documents", (doc_id,), {"deleted": 0})
                    tx.audit(
                        "restore document", "document", doc_id, {"sha256": sha, "filename": f.name}
                    )
                    queue_rows.append(["document", doc_id, "update"])
                    report.imported.append(doc_id)
                    tx.changes.documents.add(doc_id)
                    continue
                source_id = writes.ensure_source(tx, parsed.source) if parsed.source else None
                marking = parsed.marking if parsed.marking in MARKINGS else "CLEAR"
                doc_rows.append(
                    [
                        doc_id,
                        sha,
                        parsed.title,
                        source_id,
                        parsed.author,
                        parsed.published_at,
                        parsed.url,
                        parsed.language,
                        parsed.mime,
                        f.name,
                        size,
                        parsed.text,
                        marking,
                        tx.now,
                        tx.actor,
                        tx.now,
                        tx.actor,
                        tx.now,
                        tx.actor,
                        tx.hlc(),
                        0,
                    ]
                )
                queue_rows.append(["document", doc_id, "add"])
                tx.audit(
                    "import",
                    "document",
                    doc_id,
                    {"sha256": sha, "title": parsed.title, "filename": f.name},
                )
                report.imported.append(doc_id)
                tx.changes.documents.add(doc_id)
            tx.db.conn.executemany(
                f"INSERT INTO documents({', '.join(DOCUMENT_COLUMNS)})"
                f" VALUES ({','.join('?' * len(DOCUMENT_COLUMNS))})",
                doc_rows,
            )
            # in bulk for speed, but recorded like any undoable insert (the row as written)
            tx.records.extend(
                RowChange("documents", (r[0],), None, dict(zip(DOCUMENT_COLUMNS, r, strict=True)))
                for r in doc_rows
            )
            tx.db.conn.executemany(
                "INSERT INTO index_queue(entity, entity_id, op) VALUES (?,?,?)", queue_rows
            )
            tx.changes.index = True
        report.changes.merge(tx.changes)
        if not self.session.in_batch:
            records.extend(tx.records)

    # -- metadata, removal -----------------------------------------------------------------------

    def document_properties(self, doc_id: str) -> dict:
        """A document's editable metadata as stored: its own reliability (None: its source's)
        and its source's reliability apart, for a properties form."""
        row = self.session.row(
            "SELECT d.id, d.title, d.author, d.published_at, d.url, d.language, d.marking,"
            " d.reliability, s.name AS source, s.reliability AS source_reliability"
            " FROM documents d LEFT JOIN sources s ON s.id = d.source_id"
            " WHERE d.id = ? AND d.deleted = 0",
            [doc_id],
        )
        if row is None:
            raise NotFound(f"No document with id {doc_id}.")
        return row

    def update_document(
        self, doc_id: str, *, source_reliability: str | None = None, **values
    ) -> Changes:
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
                sets["source_id"] = (
                    writes.ensure_source(tx, values["source"]) if values["source"] else None
                )
            if source_reliability is not None:
                if not source_name:
                    raise WorkspaceError("This document names no source to rate; give it one.")
                writes.ensure_source(tx, source_name, reliability=source_reliability)
                tx.changes.documents.add(doc.id)
            if sets:
                tx.update("documents", (doc.id,), sets)
                tx.audit("edit document", "document", doc.id, values)
                tx.queue("document", doc.id)
                writes.requeue_annotations(tx, "document_id = ?", [doc.id])
                tx.changes.documents.add(doc.id)
        return tx.changes

    def update_documents(
        self, doc_ids: Iterable[str], *, source_reliability: str | None = None, **values
    ) -> Changes:
        """The same edit (a marking, a source and its rating…) on several documents: one undo
        step, and nothing is written if any of them refuses it."""
        doc_ids = list(dict.fromkeys(doc_ids))
        label = "Edit document" if len(doc_ids) == 1 else f"Edit {len(doc_ids)} documents"
        with self.session.deferred_indexing(), self.session.batch(label) as changes:
            for doc_id in doc_ids:
                self.update_document(doc_id, source_reliability=source_reliability, **values)
        return changes

    def remove_documents(self, doc_ids: Iterable[str]) -> Changes:
        """Remove several documents as one undo step; if any is refused (another analyst's
        work on it), none is removed."""
        doc_ids = list(dict.fromkeys(doc_ids))
        label = "Remove document" if len(doc_ids) == 1 else f"Remove {len(doc_ids)} documents"
        with self.session.deferred_indexing(), self.session.batch(label) as changes:
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
                " WHERE a.document_id = ? AND a.deleted = 0",
                [doc.id],
            ).fetchall()
            others = {name for _id, by, name in anns if by != tx.actor}
            for chunk in chunks([a[0] for a in anns], 500):  # others' links to this work
                marks = ",".join("?" * len(chunk))
                others.update(
                    r[0]
                    for r in tx.db.execute(
                        "SELECT coalesce(an.name, l.created_by) FROM links l LEFT JOIN analysts an"
                        " ON an.id = l.created_by WHERE l.deleted = 0 AND l.created_by != ? AND"
                        f" (l.from_id IN ({marks}) OR l.to_id IN ({marks}))",
                        [tx.actor, *chunk, *chunk],
                    )
                )
            others = sorted(others)
            if others and not self.is_supervisor:
                raise PermissionDenied(
                    f"{doc.title!r} holds work by {', '.join(others)}; only a supervisor "
                    "removes a document with other analysts' notes or claims."
                )
            ids = [a[0] for a in anns]
            tx.update("documents", (doc.id,), {"deleted": 1})
            tx.note("documents", (doc.id,), {})
            for chunk in chunks(ids, 500):
                marks = ",".join("?" * len(chunk))
                for ann_id, tag in tx.db.execute(
                    "SELECT annotation_id, tag_id FROM annotation_tags WHERE deleted = 0"
                    f" AND annotation_id IN ({marks})",
                    chunk,
                ).fetchall():
                    tx.update("annotation_tags", (ann_id, tag), {"deleted": 1})
                    tx.changes.tags.add(tag)
                for (link_id,) in tx.db.execute(
                    f"SELECT id FROM links WHERE deleted = 0 AND (from_id IN ({marks})"
                    f" OR to_id IN ({marks}))",
                    chunk + chunk,
                ).fetchall():
                    row = tx.update("links", (link_id,), {"deleted": 1})
                    tx.note("links", (link_id,), row)
            for ann_id in ids:
                tx.update("annotations", (ann_id,), {"deleted": 1})
                tx.note("annotations", (ann_id,), {"document_id": doc.id})
            tx.audit(
                "remove document", "document", doc.id, {"title": doc.title, "annotations": len(ids)}
            )
        return tx.changes

    def removed_documents(self) -> list[dict]:
        """Removed documents, most recent first: id, title, filename, removed_at, removed_by
        (a name) and how many notes and claims went with each (restore_document brings them
        back)."""
        return self.session.rows(
            "SELECT d.id, d.title, d.filename, d.updated_at AS removed_at,"
            " coalesce(an.name, d.updated_by) AS removed_by,"
            " (SELECT count(*) FROM annotations a WHERE a.document_id = d.id AND a.deleted = 1"
            "  AND a.updated_at = d.updated_at) AS annotations"
            " FROM documents d LEFT JOIN analysts an ON an.id = d.updated_by"
            " WHERE d.deleted = 1 ORDER BY d.updated_at DESC, d.title"
        )

    def restore_document(self, doc_id: str) -> Changes:
        """Bring a removed document back with the notes and claims (their tags and links)
        removed with it — those changed in the same step as the document — as one undo step
        that travels like the removal did."""
        row = self.session.row(
            "SELECT id, title, deleted, updated_at FROM documents WHERE id = ?", [doc_id]
        )
        if row is None or not row["deleted"]:
            raise NotFound(f"No removed document with id {doc_id}.")
        when = row["updated_at"]
        with self._action("Restore document") as tx:
            ids = [
                r[0]
                for r in tx.db.execute(
                    "SELECT id FROM annotations WHERE document_id = ? AND deleted = 1"
                    " AND updated_at = ?",
                    [doc_id, when],
                ).fetchall()
            ]
            tx.update("documents", (doc_id,), {"deleted": 0})
            tx.note("documents", (doc_id,), {})
            for ann_id in ids:
                tx.update("annotations", (ann_id,), {"deleted": 0})
                tx.note("annotations", (ann_id,), {"document_id": doc_id})
            for chunk in chunks(ids, 500):
                marks = ",".join("?" * len(chunk))
                for ann_id, tag in tx.db.execute(
                    "SELECT annotation_id, tag_id FROM annotation_tags WHERE deleted = 1"
                    f" AND updated_at = ? AND annotation_id IN ({marks})",
                    [when, *chunk],
                ).fetchall():
                    tx.update("annotation_tags", (ann_id, tag), {"deleted": 0})
                    tx.changes.tags.add(tag)
                for (link_id,) in tx.db.execute(  # links whose other end is live again too
                    "SELECT l.id FROM links l JOIN annotations f ON f.id = l.from_id"
                    " JOIN annotations t ON t.id = l.to_id WHERE l.deleted = 1"
                    f" AND l.updated_at = ? AND (l.from_id IN ({marks}) OR l.to_id IN"
                    f" ({marks})) AND f.deleted = 0 AND t.deleted = 0",
                    [when, *chunk, *chunk],
                ).fetchall():
                    link = tx.update("links", (link_id,), {"deleted": 0})
                    tx.note("links", (link_id,), link)
            tx.audit(
                "restore document",
                "document",
                doc_id,
                {"title": row["title"], "annotations": len(ids)},
            )
        return tx.changes

    def keep_import_time(self, doc_id: str, imported_at: str) -> Changes:
        """Give a document the import time it had in the workspace its file came from."""
        with self._action("Keep import time") as tx:
            tx.update("documents", (doc_id,), {"imported_at": imported_at})
            tx.audit("keep import time", "document", doc_id, {"imported_at": imported_at})
            tx.queue("document", doc_id)
            tx.changes.documents.add(doc_id)
        return tx.changes

    # -- reading ---------------------------------------------------------------------------------
    def document(self, doc_id: str) -> Document:
        return queries.document(self.db, doc_id)

    def document_summaries(self, ids: list[str]) -> dict[str, dict]:
        """Summary rows (no text) for the given ids, keyed by id; removed documents have none."""
        return queries.document_summaries(self.db, ids)

    def find_document(self, ref: str) -> Document:
        """A document by id, id prefix (at least 4 characters) or exact / partial title."""
        ref = ref.strip()
        if len(ref) >= 4:
            ids = [
                r[0]
                for r in self.db.execute(
                    "SELECT id FROM documents WHERE deleted = 0 AND id LIKE ? LIMIT 2", [ref + "%"]
                )
            ]
            if len(ids) == 1:
                return self.document(ids[0])
        for sql, arg in (("title = ? COLLATE NOCASE", ref), ("title LIKE ?", f"%{ref}%")):
            ids = [
                r[0]
                for r in self.db.execute(
                    f"SELECT id FROM documents WHERE deleted = 0 AND {sql} LIMIT 6", [arg]
                )
            ]
            if len(ids) == 1:
                return self.document(ids[0])
            if len(ids) > 1:
                titles = "; ".join(self.document(i).title for i in ids[:5])
                raise NotFound(f"{ref!r} matches several documents ({titles}); be more precise.")
        raise NotFound(f"No document matches {ref!r} (by id prefix or title).")

    def _document_where(
        self,
        *,
        source: str | None = None,
        source_id: str | None = None,
        tag: str | None = None,
        has_claims: bool = False,
        language: str | None = None,
        marking: str | None = None,
        since: str | None = None,
        until: str | None = None,
        text: str | None = None,
    ) -> tuple[str, list]:
        where, args = ["d.deleted = 0"], []
        if source:
            where.append("s.name LIKE ?")
            args.append(f"%{source}%")
        if source_id:
            where.append("d.source_id = ?")
            args.append(source_id)
        if has_claims:
            where.append(
                "EXISTS (SELECT 1 FROM annotations a WHERE a.document_id = d.id"
                " AND a.kind = 'claim' AND a.deleted = 0)"
            )
        if tag:
            cond, more = tag_with_children("t.name", tag)
            where.append(
                "EXISTS (SELECT 1 FROM annotations a JOIN annotation_tags at"
                " ON at.annotation_id = a.id AND at.deleted = 0 JOIN tags t ON t.id = at.tag_id"
                f" WHERE a.document_id = d.id AND a.deleted = 0 AND {cond})"
            )
            args += more
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

    def document_ids(
        self, *, order: str = "imported", descending: bool = False, **filters
    ) -> list[str]:
        """Ids of the documents matching the filters, sorted by SQL (for lazy table models)."""
        where, args = self._document_where(**filters)
        col = self.SORTABLE.get(order)
        if col is None:
            raise WorkspaceError(
                f"Cannot sort by {order!r}; use one of {', '.join(self.SORTABLE)}."
            )
        direction = "DESC" if descending else "ASC"
        return [
            r[0]
            for r in self.db.execute(
                f"SELECT d.id FROM documents d LEFT JOIN sources s ON s.id = d.source_id"
                f" WHERE {where} ORDER BY {col} {direction}, d.rowid {direction}",
                args,
            )
        ]

    def list_documents(
        self,
        *,
        order: str = "imported",
        descending: bool = False,
        limit: int | None = None,
        **filters,
    ) -> list[dict]:
        ids = self.document_ids(order=order, descending=descending, **filters)
        if limit is not None:
            ids = ids[:limit]
        rows = self.document_summaries(ids)
        return [rows[i] for i in ids]

    def count_documents(self) -> int:
        return self.db.execute("SELECT count(*) FROM documents WHERE deleted = 0").fetchone()[0]

    def languages(self) -> list[str]:
        return [
            r[0]
            for r in self.db.execute(
                "SELECT DISTINCT language FROM documents WHERE deleted = 0 ORDER BY language"
            )
        ]


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
