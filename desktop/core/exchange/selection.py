"""Which rows a bundle carries: temporary tables naming them, and their record lines."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

from .. import zipsafe
from ..kernel import marking
from .records import ENTITIES, ORDER, PLAIN_COLUMNS, canonical, key_sql, q

TEMP_TABLES = ("x_docs", "x_anns", "x_tags", "x_sources", "x_judgements", "x_matrices")


class BundleSelection:
    """Temporary tables naming the rows a bundle carries, and the record lines for each."""

    def __init__(self, db, sel: dict, analyst_ids: list[str] | None, watermark: int | None):
        self.db = db
        self.sealer = None  # at export: the author's seal each record carries (authority.py)
        doc_ok = marking.sql_may_leave("d.marking", sel["ceiling"])
        self.everything = (
            sel["ceiling"] == "RED"
            and not any(
                sel[k] for k in ("documents", "tags", "analysts", "statuses", "since", "until")
            )
            and watermark is None
            # a document whose marking cannot be ranked stays, even then
            and db.execute(f"SELECT 1 FROM documents d WHERE NOT ({doc_ok}) LIMIT 1").fetchone()
            is None
        )
        if self.everything:
            return
        for t in TEMP_TABLES:
            db.execute(f"DROP TABLE IF EXISTS temp.{t}")
            db.execute(f"CREATE TEMP TABLE {t} (id TEXT PRIMARY KEY)")

        def window(alias: str, entity: str, stamp: str = "updated_at") -> tuple[str, list]:
            parts, params = [], []
            if sel["since"]:
                parts.append(f"{alias}.{stamp} >= ?")
                params.append(sel["since"])
            if sel["until"]:
                parts.append(f"{alias}.{stamp} <= ?")
                params.append(sel["until"] + "\uffff" if len(sel["until"]) <= 10 else sel["until"])
            if watermark is not None:
                parts.append(
                    f"EXISTS (SELECT 1 FROM sync_state s WHERE s.entity = '{entity}'"
                    f" AND s.key = {key_sql(entity, alias)} AND s.seq > ?)"
                )
                params.append(watermark)
            return " AND ".join(parts) or "1", params

        timed = bool(sel["since"] or sel["until"] or watermark is not None)
        narrow = bool(sel["tags"] or analyst_ids or sel["statuses"])
        conds, args = [doc_ok], []
        if sel["documents"]:
            conds.append(f"a.document_id IN ({','.join('?' * len(sel['documents']))})")
            args += sel["documents"]
        if sel["tags"]:
            ors = " OR ".join("(t.name = ? OR t.name LIKE ?)" for _ in sel["tags"])
            conds.append(
                "a.id IN (SELECT at.annotation_id FROM annotation_tags at JOIN tags t"
                f" ON t.id = at.tag_id WHERE at.deleted = 0 AND ({ors}))"
            )
            for name in sel["tags"]:
                args += [name, name + "/%"]
        if analyst_ids:
            conds.append(f"a.created_by IN ({','.join('?' * len(analyst_ids))})")
            args += analyst_ids
        if sel["statuses"]:
            conds.append(f"a.status IN ({','.join('?' * len(sel['statuses']))})")
            args += sel["statuses"]
        if timed:
            ors = []
            for template, alias, entity, stamp in (
                ("({w})", "a", "annotations", "updated_at"),
                (
                    "EXISTS (SELECT 1 FROM claims c WHERE c.annotation_id = a.id AND {w})",
                    "c",
                    "claims",
                    "updated_at",
                ),
                (
                    "EXISTS (SELECT 1 FROM annotation_tags at WHERE at.annotation_id = a.id"
                    " AND {w})",
                    "at",
                    "annotation_tags",
                    "updated_at",
                ),
                (
                    "EXISTS (SELECT 1 FROM reviews r WHERE r.annotation_id = a.id AND {w})",
                    "r",
                    "reviews",
                    "created_at",
                ),
                (
                    "EXISTS (SELECT 1 FROM links l WHERE (l.from_id = a.id OR l.to_id = a.id)"
                    " AND {w})",
                    "l",
                    "links",
                    "updated_at",
                ),
            ):
                w, params = window(alias, entity, stamp)
                ors.append(template.format(w=w))
                args += params
            conds.append("(" + " OR ".join(ors) + ")")
        db.execute(
            "INSERT INTO temp.x_anns SELECT a.id FROM annotations a JOIN documents d"
            f" ON d.id = a.document_id WHERE {' AND '.join(conds)}",
            args,
        )
        db.execute(
            "INSERT OR IGNORE INTO temp.x_docs SELECT DISTINCT document_id FROM"
            " annotations WHERE id IN (SELECT id FROM temp.x_anns)"
        )
        if sel["documents"]:
            db.execute(
                f"INSERT OR IGNORE INTO temp.x_docs SELECT d.id FROM documents d WHERE"
                f" {doc_ok} AND d.id IN ({','.join('?' * len(sel['documents']))})",
                sel["documents"],
            )
        # Without narrowing filters, a bundle also carries documents, sources and tags
        # changed in the window (or all of them), except what only hides behind the ceiling.
        broad = not narrow and not sel["documents"]
        if broad:
            w, params = window("d", "documents")
            db.execute(
                "INSERT OR IGNORE INTO temp.x_docs SELECT d.id FROM documents d"
                f" WHERE {doc_ok} AND {w}",
                params,
            )
        db.execute(
            "INSERT OR IGNORE INTO temp.x_sources SELECT DISTINCT source_id FROM"
            " documents WHERE id IN (SELECT id FROM temp.x_docs)"
            " AND source_id IS NOT NULL"
        )
        db.execute(
            "INSERT OR IGNORE INTO temp.x_tags SELECT DISTINCT tag_id FROM"
            " annotation_tags WHERE annotation_id IN (SELECT id FROM temp.x_anns)"
        )
        if broad:
            w, params = window("s", "sources")
            db.execute(
                "INSERT OR IGNORE INTO temp.x_sources SELECT s.id FROM sources s WHERE"
                f" {w} AND (NOT EXISTS (SELECT 1 FROM documents d WHERE d.source_id = s.id)"
                f" OR EXISTS (SELECT 1 FROM documents d WHERE d.source_id = s.id AND {doc_ok}))",
                params,
            )
            w, params = window("t", "tags")
            db.execute(
                "INSERT OR IGNORE INTO temp.x_tags SELECT t.id FROM tags t WHERE"
                f" {w} AND (NOT EXISTS (SELECT 1 FROM annotation_tags at WHERE at.tag_id = t.id)"
                " OR EXISTS (SELECT 1 FROM annotation_tags at JOIN annotations a ON"
                " a.id = at.annotation_id JOIN documents d ON d.id = a.document_id WHERE"
                f" at.tag_id = t.id AND {doc_ok}))",
                params,
            )
        db.execute(
            "WITH RECURSIVE up(id) AS (SELECT parent_id FROM tags WHERE id IN"
            " (SELECT id FROM temp.x_tags) AND parent_id IS NOT NULL UNION SELECT t.parent_id"
            " FROM tags t JOIN up ON t.id = up.id WHERE t.parent_id IS NOT NULL)"
            " INSERT OR IGNORE INTO temp.x_tags SELECT id FROM up"
        )
        # ACH matrices travel whole, under the ceiling, when anything of them changed in the
        # window (rows whose claims stay behind arrive as "missing evidence")
        m_ok = marking.sql_may_leave("m.marking", sel["ceiling"])
        parts = []
        m_args: list = []
        for table, alias in (
            ("ach_matrices", "m"),
            ("ach_hypotheses", "h"),
            ("ach_evidence", "e"),
            ("ach_cells", "c"),
        ):
            w, params = window(alias, table)
            col = "id" if table == "ach_matrices" else "matrix_id"
            parts.append(f"m.id IN (SELECT {alias}.{col} FROM {table} {alias} WHERE {w})")
            m_args += params
        db.execute(
            f"INSERT OR IGNORE INTO temp.x_matrices SELECT m.id FROM ach_matrices m WHERE {m_ok}"
            + (f" AND ({' OR '.join(parts)})" if timed else ""),
            m_args if timed else [],
        )
        self._judgements(sel, analyst_ids, window, timed)

    def _judgements(self, sel: dict, analyst_ids, window, timed: bool) -> None:
        """Judgements at or below the ceiling, by the chosen analysts and states; when the
        selection names documents or tags, those resting on a selected claim. Their evidence
        goes whole: a claim left behind arrives as missing evidence, never silently dropped."""
        conds, args = [marking.sql_may_leave("j.marking", sel["ceiling"])], []
        if analyst_ids:
            conds.append(f"j.created_by IN ({','.join('?' * len(analyst_ids))})")
            args += analyst_ids
        if sel["statuses"]:
            conds.append(f"j.status IN ({','.join('?' * len(sel['statuses']))})")
            args += sel["statuses"]
        if sel["documents"] or sel["tags"]:
            conds.append(
                "EXISTS (SELECT 1 FROM judgement_evidence e WHERE e.judgement_id = j.id"
                " AND e.annotation_id IN (SELECT id FROM temp.x_anns))"
            )
        if timed:
            ors = []
            for template, alias, entity, stamp in (
                ("({w})", "j", "judgements", "updated_at"),
                (
                    "EXISTS (SELECT 1 FROM judgement_evidence e WHERE e.judgement_id = j.id"
                    " AND {w})",
                    "e",
                    "judgement_evidence",
                    "updated_at",
                ),
                (
                    "EXISTS (SELECT 1 FROM judgement_reviews r WHERE r.judgement_id = j.id"
                    " AND {w})",
                    "r",
                    "judgement_reviews",
                    "created_at",
                ),
            ):
                w, params = window(alias, entity, stamp)
                ors.append(template.format(w=w))
                args += params
            conds.append("(" + " OR ".join(ors) + ")")
        self.db.execute(
            f"INSERT INTO temp.x_judgements SELECT j.id FROM judgements j WHERE {' AND '.join(conds)}",
            args,
        )

    def where(self, name: str) -> str:
        if self.everything:
            return "1"
        return {
            "analysts": "1",
            "sources": "t.id IN (SELECT id FROM temp.x_sources)",
            "documents": "t.id IN (SELECT id FROM temp.x_docs)",
            "annotations": "t.id IN (SELECT id FROM temp.x_anns)",
            "claims": "t.annotation_id IN (SELECT id FROM temp.x_anns)",
            "tags": "t.id IN (SELECT id FROM temp.x_tags)",
            "annotation_tags": "t.annotation_id IN (SELECT id FROM temp.x_anns)",
            "links": "t.from_id IN (SELECT id FROM temp.x_anns)"
            " AND t.to_id IN (SELECT id FROM temp.x_anns)",
            "reviews": "t.annotation_id IN (SELECT id FROM temp.x_anns)",
            "judgements": "t.id IN (SELECT id FROM temp.x_judgements)",
            "judgement_evidence": "t.judgement_id IN (SELECT id FROM temp.x_judgements)",
            "judgement_reviews": "t.judgement_id IN (SELECT id FROM temp.x_judgements)",
            "ach_matrices": "t.id IN (SELECT id FROM temp.x_matrices)",
            "ach_hypotheses": "t.matrix_id IN (SELECT id FROM temp.x_matrices)",
            "ach_evidence": "t.matrix_id IN (SELECT id FROM temp.x_matrices)",
            "ach_cells": "t.matrix_id IN (SELECT id FROM temp.x_matrices)",
        }[name]

    def total_rows(self) -> int:
        return sum(
            self.db.execute(f"SELECT count(*) FROM {name} t WHERE {self.where(name)}").fetchone()[0]
            for name in ORDER
        )

    def blob_hashes(self) -> list[str]:
        return [
            r[0]
            for r in self.db.execute(
                f"SELECT DISTINCT sha256 FROM documents t WHERE {self.where('documents')}"
                " ORDER BY sha256"
            )
        ]

    def lines(self, name: str, counter: list[int], tick: Callable[[int], None]) -> Iterator[bytes]:
        if name in ENTITIES:
            ent = ENTITIES[name]
            cols = ", ".join(f"t.{q(c)}" for c in ent.columns)
            sql = (
                f"SELECT {cols}, s.versions FROM {name} t JOIN sync_state s ON"
                f" s.entity = '{name}' AND s.key = {key_sql(name, 't')}"
                f" WHERE {self.where(name)} ORDER BY {key_sql(name, 't')}"
            )
        else:
            columns = PLAIN_COLUMNS[name]
            ent = None
            sql = (
                f"SELECT {', '.join(f't.{q(c)}' for c in columns)} FROM {name} t"
                f" WHERE {self.where(name)} ORDER BY t.id"
            )
        cur = self.db.execute(sql)
        names = [d[0] for d in cur.description]
        buf: list[bytes] = []
        size = 0
        while rows := cur.fetchmany(500):
            for r in rows:
                row = dict(zip(names, r, strict=True))
                if ent is not None:
                    versions = json.loads(row.pop("versions"))
                    rec = {"v": row, "d": versions.pop("*"), "c": versions}
                else:
                    rec = {"v": row}
                if self.sealer is not None and (seal := self.sealer(name, rec)) is not None:
                    rec["s"] = seal
                line = canonical(rec) + b"\n"
                buf.append(line)
                size += len(line)
            counter[0] += len(rows)
            tick(len(rows))
            if size > zipsafe.CHUNK:
                yield b"".join(buf)
                buf, size = [], 0
        if buf:
            yield b"".join(buf)

    def drop(self) -> None:
        if not self.everything:
            for t in TEMP_TABLES:
                self.db.execute(f"DROP TABLE IF EXISTS temp.{t}")
