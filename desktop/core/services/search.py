"""Search: the full-text index kept in step with the store, and ranked, highlighted hits."""

from __future__ import annotations

from db import index as ixmod

from ..kernel import queries, scales
from ..kernel.errors import QueryError
from ..kernel.ids import chunks
from ..kernel.records import Cancel, Progress, SearchHit
from ..kernel.service import Service
from ..kernel.sql import ANNOTATION_SELECT

INDEX_BATCH = 500
BULK_INDEX_BATCH = 5000


class Search(Service):
    """The index of a workspace's documents, notes and claims."""

    recovering = False  # replaying the queue after a crash: entries may already be there

    def search(
        self,
        text: str,
        *,
        limit: int = 20,
        highlight: str | None = "html",
        kinds: tuple[str, ...] | None = None,
    ) -> list[SearchHit]:
        """Ranked hits with highlighted fragments. Raises QueryError for a malformed query."""
        texts: dict[str, dict] = {}

        def text_for(hit: ixmod.Hit) -> dict[str, str]:
            if hit.kind in ("note", "claim"):
                r = (
                    self.session.row(
                        "SELECT a.quote, a.comment, c.statement FROM annotations a"
                        " LEFT JOIN claims c ON c.annotation_id = a.id WHERE a.id = ?",
                        [hit.id],
                    )
                    or {}
                )
                return {k: r.get(k) or "" for k in ("statement", "quote", "comment")}
            r = texts.get(hit.doc_id)
            if r is None:
                r = self.session.row(
                    "SELECT title, text FROM documents WHERE id = ?", [hit.doc_id]
                ) or {"title": "", "text": ""}
                texts[hit.doc_id] = r
            return {"body": r["text"]}

        try:
            results = self.session.index.search(
                text,
                limit=limit,
                kinds=kinds,
                text_for=text_for if highlight else None,
                highlight_format=highlight,
            )
        except ixmod.BadQuery as exc:
            raise QueryError(str(exc)) from None
        titles = queries.document_summaries(self.db, list({h.doc_id for h in results.hits}))
        return [
            SearchHit(
                h.id,
                h.kind,
                h.doc_id,
                titles[h.doc_id]["title"],
                h.score,
                h.fragments,
                titles[h.doc_id]["marking"],
            )
            for h in results.hits
            if h.doc_id in titles
        ]

    def pending_index(self) -> int:
        return self.db.execute("SELECT count(*) FROM index_queue").fetchone()[0]

    def index_pending(
        self, *, progress: Progress | None = None, cancel: Cancel | None = None
    ) -> int:
        """Drain the index queue in batches; the store stays the truth if this is interrupted."""
        if self.session.readonly or getattr(self.session._local, "batch", None) is not None:
            return 0  # inside a batch nothing is committed yet: its end indexes
        done = 0
        total = self.pending_index()
        bulk = total >= 2 * INDEX_BATCH
        batch = BULK_INDEX_BATCH if bulk else INDEX_BATCH
        while True:
            if cancel is not None and cancel.is_set():
                break
            with self.session.write_lock:
                queue = self.db.execute(
                    "SELECT seq, entity, entity_id, op FROM index_queue ORDER BY seq LIMIT ?",
                    [batch],
                ).fetchall()
                if not queue:
                    break
                max_seq = queue[-1][0]
                fresh = not self.recovering and all(op == "add" for _s, _e, _i, op in queue)
                doc_ids = list(dict.fromkeys(i for _s, e, i, _o in queue if e == "document"))
                ann_ids = list(dict.fromkeys(i for _s, e, i, _o in queue if e == "annotation"))
                upserts, deletes = self._index_entries(doc_ids)
                more, gone = self._annotation_index_entries(ann_ids)
                upserts += more
                deletes += gone
                self.session.index.write(
                    upserts, deletes, bulk=bulk and len(upserts) > INDEX_BATCH, fresh=fresh
                )
                with self.db.atomic():
                    self.db.execute("DELETE FROM index_queue WHERE seq <= ?", [max_seq])
            done += len(doc_ids) + len(ann_ids)
            if progress:
                progress(min(done, total), total, "indexing")
        return done

    def requeue_everything(self) -> None:
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

    def reindex(self, *, progress: Progress | None = None, cancel: Cancel | None = None) -> int:
        """Rebuild the index from the store; an interrupted rebuild resumes from the queue."""
        with self.session.write_lock:
            self.requeue_everything()
            self.session.index.clear()
        return self.session.indexer(progress=progress, cancel=cancel)

    def _index_entries(self, doc_ids: list[str]) -> tuple[list[dict], list[str]]:
        upserts, deletes = [], []
        found = set()
        for chunk in chunks(doc_ids, 500):
            marks = ",".join("?" * len(chunk))
            for r in self.session.rows(
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

    def _annotation_index_entries(self, ann_ids: list[str]) -> tuple[list[dict], list[str]]:
        upserts, deletes, found = [], [], set()
        for i in range(0, len(ann_ids), 500):
            chunk = ann_ids[i : i + 500]
            marks = ",".join("?" * len(chunk))
            rows = self.session.rows(
                f"{ANNOTATION_SELECT} WHERE a.id IN ({marks})",
                chunk,
            )
            deleted = {
                r[0]
                for r in self.db.execute(
                    f"SELECT a.id FROM annotations a JOIN documents d ON d.id = a.document_id"
                    f" WHERE a.id IN ({marks}) AND (a.deleted = 1 OR d.deleted = 1)",
                    chunk,
                )
            }
            tags = queries.tags_for(self.db, [r["id"] for r in rows])
            for r in rows:
                found.add(r["id"])
                if r["id"] in deleted:
                    deletes.append(r["id"])
                    continue
                names = [n for n, _c in tags.get(r["id"], [])]
                entry = {
                    "id": r["id"],
                    "kind": r["kind"],
                    "doc_id": r["document_id"],
                    "quote": r["quote"] or "",
                    "comment": r["comment"] or "",
                    "status": r["status"],
                    "by": ",".join(
                        dict.fromkeys(
                            x
                            for x in [
                                r["analyst"] or "",
                                *(r["analyst"] or "").split(),
                                r["created_by"],
                            ]
                            if x
                        )
                    ),
                    "tag": ",".join(names),
                    "reliability": (r["reliability"] or "").lower(),
                    "imported": ixmod.to_datetime(r["created_at"]),
                }
                if r["kind"] == "claim":
                    entry["statement"] = r["statement"] or ""
                    entry["credibility"] = str(r["credibility"] or "")
                    entry["likelihood"] = r["likelihood"] or ""
                    entry["confidence"] = r["confidence"] or ""
                    entry["admiralty"] = scales.admiralty_code(
                        r["reliability"], r["credibility"]
                    ).lower()
                upserts.append({k: v for k, v in entry.items() if v not in (None, "")})
        deletes += [i for i in ann_ids if i not in found]
        return upserts, deletes


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
