"""The timeline: documents and claims on their publication dates, judgement changes when made.

A document stands on its published date, or on the day it was imported when it has none (or one
that is not a date); its claims stand on the same day. Judgement changes come from the audit log
(entity 'judgement'), each with the reason, likelihood and confidence recorded with it. With a
tag, the timeline keeps the claims carrying it (or a tag under it), the documents holding such a
claim, and the changes of judgements resting on such a claim.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from ..kernel import scales
from ..kernel.errors import NotFound, QueryError
from ..kernel.records import is_iso_date
from ..kernel.service import Service
from ..kernel.sql import annotations_tagged, tag_with_children

KINDS = ("document", "claim", "judgement")


@dataclass(frozen=True)
class TimelineEvent:
    at: str  # ISO date or time stamp: where it stands on the axis
    kind: str  # document | claim | judgement
    id: str  # the document, annotation or judgement id
    document_id: str | None  # the document (of a claim), for opening it
    title: str  # the document's title, the claim's statement, the judgement's reason
    detail: str  # source and reliability, the claim's rating, likelihood and confidence
    dated_by: str  # published | imported | changed

    @property
    def day(self) -> str:
        return self.at[:10]


class Timeline(Service):
    """Documents, claims and judgement changes on one time axis."""

    def timeline(
        self,
        *,
        tag: str | None = None,
        since: str | None = None,
        until: str | None = None,
    ) -> list[TimelineEvent]:
        """Every event from SINCE to UNTIL (days, both included), oldest first."""
        since_day, until_day = _day(since, "since"), _day(until, "until")
        if since_day and until_day and since_day > until_day:
            raise QueryError(f"The timeline starts ({since}) after it ends ({until}).")
        tagged, targs = "1 = 1", []
        if tag is not None:
            cond, args = tag_with_children("name", tag)
            if not self.session.scalar(f"SELECT 1 FROM tags WHERE deleted = 0 AND {cond}", args):
                raise NotFound(f"No tag named {tag!r} (nor any tag under it).")
            tagged, targs = annotations_tagged(tag)
        events = self._documents(tagged, targs) + self._claims(tagged, targs)
        events += self._judgements(tagged if tag is not None else None, targs)
        events = [
            e
            for e in events
            if (not since_day or e.day >= since_day) and (not until_day or e.day <= until_day)
        ]
        order = {k: i for i, k in enumerate(KINDS)}
        events.sort(key=lambda e: (e.at, order[e.kind], e.title, e.id))
        return events

    def _documents(self, tagged: str, args: list) -> list[TimelineEvent]:
        where = "d.deleted = 0"
        if tagged != "1 = 1":
            where += (
                " AND EXISTS (SELECT 1 FROM annotations a WHERE a.document_id = d.id"
                f" AND a.deleted = 0 AND {tagged})"
            )
        out = []
        for r in self.session.rows(
            "SELECT d.id, d.title, d.published_at, d.imported_at, s.name AS source,"
            " coalesce(d.reliability, s.reliability) AS reliability"
            " FROM documents d LEFT JOIN sources s ON s.id = d.source_id AND s.deleted = 0"
            f" WHERE {where}",
            args if tagged != "1 = 1" else [],
        ):
            at, dated_by = _placed(r["published_at"], r["imported_at"])
            source = r["source"] or "no source"
            out.append(
                TimelineEvent(
                    at,
                    "document",
                    r["id"],
                    r["id"],
                    r["title"],
                    f"{source} · reliability {r['reliability'] or 'F'}",
                    dated_by,
                )
            )
        return out

    def _claims(self, tagged: str, args: list) -> list[TimelineEvent]:
        out = []
        for r in self.session.rows(
            "SELECT a.id, a.document_id, coalesce(nullif(c.statement, ''), a.quote) AS statement,"
            " d.published_at, d.imported_at, c.credibility, c.likelihood, c.confidence,"
            " coalesce(d.reliability, s.reliability) AS reliability"
            " FROM annotations a JOIN documents d ON d.id = a.document_id"
            " LEFT JOIN claims c ON c.annotation_id = a.id AND c.deleted = 0"
            " LEFT JOIN sources s ON s.id = d.source_id AND s.deleted = 0"
            f" WHERE a.deleted = 0 AND d.deleted = 0 AND a.kind = 'claim' AND {tagged}",
            args,
        ):
            at, dated_by = _placed(r["published_at"], r["imported_at"])
            rating = scales.rating_summary(
                r["reliability"], r["credibility"], r["likelihood"], r["confidence"]
            )
            out.append(
                TimelineEvent(
                    at,
                    "claim",
                    r["id"],
                    r["document_id"],
                    " ".join((r["statement"] or "").split()),
                    rating,
                    dated_by,
                )
            )
        return out

    def _judgements(self, tagged: str | None, args: list) -> list[TimelineEvent]:
        where, wargs = "entity = 'judgement'", []
        if tagged is not None:
            if not self._has_table("judgement_evidence"):
                return []  # no judgement rests on any claim yet
            where += (
                " AND entity_id IN (SELECT je.judgement_id FROM judgement_evidence je"
                f" JOIN annotations a ON a.id = je.annotation_id WHERE je.deleted = 0 AND {tagged})"
            )
            wargs = list(args)
        out = []
        for r in self.session.rows(
            f"SELECT seq, at, action, entity_id, change FROM audit WHERE {where} ORDER BY seq",
            wargs,
        ):
            try:
                change = json.loads(r["change"])
            except ValueError:
                change = {}
            if not isinstance(change, dict):
                change = {}
            reason = " ".join(str(change.get("reason") or r["action"]).split())
            likelihood = scales.likelihood_label(change.get("likelihood"))
            confidence = change.get("confidence")
            parts = [p for p in (likelihood, confidence and f"{confidence} confidence") if p]
            out.append(
                TimelineEvent(
                    r["at"],
                    "judgement",
                    r["entity_id"] or "",
                    None,
                    reason,
                    " · ".join(parts),
                    "changed",
                )
            )
        return out

    def _has_table(self, name: str) -> bool:
        return bool(
            self.session.scalar(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [name]
            )
        )


def _day(value: str | None, name: str) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not is_iso_date(value):
        raise QueryError(f"{name} must be a date (YYYY-MM-DD), not {value!r}.")
    return value[:10]


def _placed(published: str | None, imported: str | None) -> tuple[str, str]:
    if published and is_iso_date(published):
        return published, "published"
    return imported or "", "imported"
