"""Key judgements: statements with ICD 203 likelihood and confidence, resting on rated claims,
reviewed like claims, every change audited with its reason."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable

from ..kernel import queries, scales, tradecraft
from ..kernel.changes import Changes
from ..kernel.errors import JudgementError, NotFound, PermissionDenied, RatingError
from ..kernel.records import (
    DECISIONS,
    DEFAULT_OPINION,
    STATUS_AFTER,
    STATUSES,
    SUBMITTABLE,
    Annotation,
    Judgement,
    Review,
)
from ..kernel.service import Service

_RANK = {x.key: n for n, x in enumerate(scales.LIKELIHOOD)}
_CONFIDENCE_RANK = {c: n for n, c in enumerate(scales.CONFIDENCE)}


def weakest(claims: Iterable[Annotation]) -> str:
    """The weakest Admiralty rating among CLAIMS ('D4'): least reliable source first, then
    least credible information; F and 6 (cannot be judged) count as the weakest."""
    codes = [(a.reliability or "F", a.credibility or 6) for a in claims]
    return scales.admiralty_code(*max(codes)) if codes else ""


def _checked_statement(text: str | None) -> str:
    statement = " ".join(str(text or "").split())
    if not statement:
        raise JudgementError("A judgement needs a statement: what do you judge?")
    if len(statement) > 10_000:
        raise JudgementError("A judgement's statement is limited to 10 000 characters.")
    return statement


def _required_likelihood(value: str | None) -> str:
    key = scales.check_likelihood(value)
    if key is None:
        raise RatingError(
            "A judgement needs an ICD 203 likelihood; use one of: "
            + ", ".join(x.key for x in scales.LIKELIHOOD)
            + "."
        )
    return key


def _required_confidence(value: str | None) -> str:
    v = scales.check_confidence(value)
    if v is None:
        raise RatingError("A judgement needs a confidence: low, moderate or high.")
    return v


def _moved(what: str, old: str, new: str, rank: dict[str, int]) -> str:
    return f"{what} {'raised' if rank[new] > rank[old] else 'lowered'} from {old} to {new}"


class Judgements(Service):
    """A workspace's key judgements and their review."""

    # -- reading -----------------------------------------------------------------------------
    def _row(self, judgement_id: str) -> dict:
        """The live judgement row, by id or an id prefix of at least four characters."""
        row = self.session.row(
            "SELECT * FROM judgements WHERE id = ? AND deleted = 0", [judgement_id]
        )
        if row is None and len(judgement_id or "") >= 4:
            found = self.session.rows(
                "SELECT * FROM judgements WHERE id LIKE ? AND deleted = 0 LIMIT 2",
                [judgement_id + "%"],
            )
            row = found[0] if len(found) == 1 else None
        if row is None:
            raise NotFound(f"No judgement with id {judgement_id}.")
        return row

    def _evidence(self, judgement_ids: list[str]) -> dict[str, list[tuple[str, str]]]:
        """(annotation id, role) of the live evidence of each judgement, oldest first."""
        out: dict[str, list[tuple[str, str]]] = {j: [] for j in judgement_ids}
        for i in range(0, len(judgement_ids), 500):
            chunk = judgement_ids[i : i + 500]
            for jid, aid, role in self.db.execute(
                "SELECT judgement_id, annotation_id, role FROM judgement_evidence"
                f" WHERE deleted = 0 AND judgement_id IN ({','.join('?' * len(chunk))})"
                " ORDER BY created_at, rowid",
                chunk,
            ):
                out[jid].append((aid, role))
        return out

    def _build(self, rows: list[dict]) -> list[Judgement]:
        evidence = self._evidence([r["id"] for r in rows])
        claims = queries.annotations_by_ids(
            self.db, sorted({a for ev in evidence.values() for a, _r in ev})
        )
        sources = self._sources_of(list(claims.values()))
        docs = queries.document_summaries(self.db, sorted({a.document_id for a in claims.values()}))
        source_names = {
            a.id: (docs.get(a.document_id) or {}).get("source") or a.document_title
            for a in claims.values()
        }
        names = dict(self.db.execute("SELECT id, name FROM analysts").fetchall())
        out = []
        for r in rows:
            sup, weak, missing = [], [], []
            for aid, role in evidence[r["id"]]:
                a = claims.get(aid)
                if a is None or a.kind != "claim":
                    missing.append(aid)
                else:
                    (sup if role == "supporting" else weak).append(a)
            live = sup + weak
            out.append(
                Judgement(
                    id=r["id"],
                    statement=r["statement"],
                    likelihood=r["likelihood"],
                    confidence=r["confidence"],
                    marking=r["marking"],
                    status=r["status"],
                    created_by=r["created_by"],
                    author=names.get(r["created_by"], r["created_by"]),
                    created_at=r["created_at"],
                    updated_at=r["updated_at"],
                    supporting=sup,
                    weakening=weak,
                    missing=missing,
                    summary=self._summary(live, len(missing), sources),
                    findings=tradecraft.check_judgement(
                        r["statement"],
                        r["likelihood"],
                        [(source_names[a.id], a.reliability) for a in live],
                    ),
                )
            )
        return out

    def _sources_of(self, claims: list[Annotation]) -> dict[str, str]:
        """Each claim's source: its document's source, or the document itself if it has none."""
        docs = queries.document_summaries(self.db, sorted({a.document_id for a in claims}))
        return {
            a.id: (docs.get(a.document_id) or {}).get("source_id") or a.document_id for a in claims
        }

    @staticmethod
    def _summary(claims: list[Annotation], missing: int, sources: dict[str, str]) -> str:
        if not claims:
            text = "rests on no claims"
        else:
            n, s = len(claims), len({sources[a.id] for a in claims})
            text = (
                f"rests on {n} claim{'s' * (n != 1)} from {s} source{'s' * (s != 1)};"
                f" weakest {weakest(claims)}"
            )
        if missing:
            text += f"; {missing} missing evidence"
        return text

    def judgement(self, judgement_id: str) -> Judgement:
        """One live judgement with its evidence (by id, or an id prefix of four or more)."""
        return self._build([self._row(judgement_id)])[0]

    def judgements(self, *, status: str | None = None) -> list[Judgement]:
        """The live judgements, newest first; STATUS keeps those in one review state."""
        if status is not None and status not in STATUSES:
            raise JudgementError(f"Status must be one of {', '.join(STATUSES)}.")
        where, args = "deleted = 0", []
        if status:
            where += " AND status = ?"
            args.append(status)
        rows = self.session.rows(
            f"SELECT * FROM judgements WHERE {where} ORDER BY created_at DESC, id", args
        )
        return self._build(rows)

    def judgement_reviews(self, judgement_id: str) -> list[Review]:
        """The submissions and decisions on a judgement, oldest first (as Review records whose
        `annotation_id` holds the judgement's id)."""
        jid = self._row(judgement_id)["id"]
        return [
            Review(**r)
            for r in self.session.rows(
                "SELECT r.id, r.judgement_id AS annotation_id, r.reviewer_id,"
                " coalesce(a.name, r.reviewer_id) AS reviewer, r.decision, r.opinion,"
                " r.comment, r.created_at FROM judgement_reviews r"
                " LEFT JOIN analysts a ON a.id = r.reviewer_id WHERE r.judgement_id = ?"
                " ORDER BY r.created_at, r.hlc, r.id",
                [jid],
            )
        ]

    def judgement_history(self, judgement_id: str) -> list[dict]:
        """Every audited change to a judgement, oldest first: who, when, what and why (each
        change holds `reason`, and the likelihood and confidence after it)."""
        jid = self._row(judgement_id)["id"]
        out = []
        for r in self.session.rows(
            "SELECT au.seq, au.at, coalesce(an.name, au.actor) AS actor, au.action, au.change"
            " FROM audit au LEFT JOIN analysts an ON an.id = au.actor"
            " WHERE au.entity = 'judgement' AND au.entity_id = ? ORDER BY au.seq",
            [jid],
        ):
            r["change"] = json.loads(r["change"])
            out.append(r)
        return out

    # -- evidence ------------------------------------------------------------------------------
    def _claims(self, ids: Iterable[str], role: str) -> list[Annotation]:
        out = []
        for ref in ids:
            try:
                a = queries.annotation(self.db, str(ref))
            except NotFound:
                raise JudgementError(
                    f"No claim with id {ref} to put under {role} evidence; nothing was changed."
                ) from None
            if a.kind != "claim":
                raise JudgementError(
                    f"{a.id[:8]} is a note, not a claim; a judgement rests on claims "
                    "(make the note a claim first)."
                )
            out.append(a)
        return out

    def _checked_evidence(
        self, supporting: Iterable[str], weakening: Iterable[str]
    ) -> dict[str, str]:
        """Claim id → role, refusing unknown ids and a claim given both roles."""
        roles: dict[str, str] = {}
        for role, ids in (("supporting", supporting), ("weakening", weakening)):
            for a in self._claims(ids, role):
                if roles.get(a.id, role) != role:
                    raise JudgementError(
                        f"Claim {a.id[:8]} cannot both support and weaken the judgement."
                    )
                roles[a.id] = role
        return roles

    def _set_evidence(self, tx, jid: str, ann_id: str, role: str | None) -> bool:
        """Attach (ROLE) or detach (None) one claim; returns whether anything changed."""
        row = tx.fetch("judgement_evidence", (jid, ann_id))
        if role is None:
            if row is None or row["deleted"]:
                return False
            tx.update("judgement_evidence", (jid, ann_id), {"deleted": 1})
            return True
        if row is None:
            tx.insert(
                "judgement_evidence", {"judgement_id": jid, "annotation_id": ann_id, "role": role}
            )
            return True
        if row["deleted"] or row["role"] != role:
            tx.update("judgement_evidence", (jid, ann_id), {"role": role, "deleted": 0})
            return True
        return False

    # -- actions -------------------------------------------------------------------------------
    def add_judgement(
        self,
        statement: str,
        *,
        likelihood: str,
        confidence: str,
        marking: str = "CLEAR",
        supporting: Iterable[str] = (),
        weakening: Iterable[str] = (),
        reason: str = "",
    ) -> Changes:
        """Record a key judgement resting on claims; `created` is its id."""
        vals = {
            "statement": _checked_statement(statement),
            "likelihood": _required_likelihood(likelihood),
            "confidence": _required_confidence(confidence),
            "marking": scales.check_marking(marking),
        }
        roles = self._checked_evidence(supporting, weakening)
        jid = str(uuid.uuid4())
        n = len(roles)
        auto = (
            f"judgement made: {vals['likelihood']}, {vals['confidence']} confidence,"
            f" resting on {n} claim{'s' * (n != 1)}"
        )
        with self._action("Add judgement") as tx:
            tx.insert("judgements", {"id": jid, **vals, "status": "draft"})
            for ann_id, role in roles.items():
                self._set_evidence(tx, jid, ann_id, role)
            tx.audit(
                "add judgement",
                "judgement",
                jid,
                {
                    "reason": _reason(auto, reason),
                    **vals,
                    "supporting": [a for a, r in roles.items() if r == "supporting"],
                    "weakening": [a for a, r in roles.items() if r == "weakening"],
                },
            )
            tx.changes.judgements.add(jid)
            tx.changes.created = jid
        return tx.changes

    def edit_judgement(
        self,
        judgement_id: str,
        *,
        reason: str,
        statement: str | None = None,
        likelihood: str | None = None,
        confidence: str | None = None,
        marking: str | None = None,
        supporting: Iterable[str] = (),
        weakening: Iterable[str] = (),
        remove: Iterable[str] = (),
    ) -> Changes:
        """Change a judgement of mine: its words, ratings, marking or evidence, saying why (ICD
        203: explain changes in judgement). A judgement under or after review goes back to draft."""
        row = self._row(judgement_id)
        jid = row["id"]
        self._own(row)
        if not str(reason or "").strip():
            raise JudgementError(
                "Say why the judgement changes (a reason is kept with every change)."
            )
        vals: dict[str, str] = {}
        if statement is not None:
            vals["statement"] = _checked_statement(statement)
        if likelihood is not None:
            vals["likelihood"] = _required_likelihood(likelihood)
        if confidence is not None:
            vals["confidence"] = _required_confidence(confidence)
        if marking is not None:
            vals["marking"] = scales.check_marking(marking)
        vals = {k: v for k, v in vals.items() if v != row[k]}
        roles = self._checked_evidence(supporting, weakening)
        current = dict(self._evidence([jid])[jid])
        dropped: list[str] = []
        for ref in remove:
            ref = str(ref)
            match = [a for a in current if a == ref or (len(ref) >= 4 and a.startswith(ref))]
            if len(match) != 1:
                raise JudgementError(
                    f"The judgement does not rest on claim {ref}; nothing was changed."
                )
            if match[0] in roles:
                raise JudgementError(f"Claim {ref} is both added and removed; choose one.")
            dropped.append(match[0])
        added = {a: r for a, r in roles.items() if current.get(a) != r}
        if not vals and not added and not dropped:
            raise JudgementError("Nothing to change: the judgement already says that.")
        parts = []
        if "likelihood" in vals:
            parts.append(_moved("judgement", row["likelihood"], vals["likelihood"], _RANK))
        if "confidence" in vals:
            parts.append(
                _moved("confidence", row["confidence"], vals["confidence"], _CONFIDENCE_RANK)
            )
        ev = [
            f"claim {a[:8]} {'added' if a not in current else 'now ' + r}"
            + (f" ({r})" if a not in current and r == "weakening" else "")
            for a, r in added.items()
        ] + [f"claim {a[:8]} removed" for a in dropped]
        if "statement" in vals:
            ev.append("statement reworded")
        if "marking" in vals:
            ev.append(f"marking {row['marking']} → {vals['marking']}")
        auto = "; ".join(parts)
        if ev:
            auto = f"{auto}: {', '.join(ev)}" if auto else ", ".join(ev)
        if row["status"] in ("submitted", "approved", "rejected"):
            vals["status"] = "draft"  # a changed judgement needs a new review
        with self._action("Edit judgement") as tx:
            if vals:
                tx.update("judgements", (jid,), vals)
            for a, r in added.items():
                self._set_evidence(tx, jid, a, r)
            for a in dropped:
                self._set_evidence(tx, jid, a, None)
            after = tx.fetch("judgements", (jid,))
            tx.audit(
                "edit judgement",
                "judgement",
                jid,
                {
                    "reason": _reason(auto, reason),
                    "likelihood": after["likelihood"],
                    "confidence": after["confidence"],
                    **{k: v for k, v in vals.items() if k not in ("likelihood", "confidence")},
                    "added": added,
                    "removed": dropped,
                },
            )
            tx.changes.judgements.add(jid)
        return tx.changes

    def delete_judgement(self, judgement_id: str) -> Changes:
        """Remove a judgement of mine (a tombstone, so the removal travels)."""
        row = self._row(judgement_id)
        self._own(row)
        with self._action("Delete judgement") as tx:
            tx.update("judgements", (row["id"],), {"deleted": 1})
            tx.audit(
                "delete judgement",
                "judgement",
                row["id"],
                {
                    "reason": "judgement removed",
                    "likelihood": row["likelihood"],
                    "confidence": row["confidence"],
                },
            )
            tx.changes.judgements.add(row["id"])
        return tx.changes

    def submit_judgement(self, judgement_id: str, comment: str = "") -> Changes:
        """Send a judgement of mine for review (from draft, or after it was sent back)."""
        row = self._row(judgement_id)
        self._own(row)
        if row["status"] not in SUBMITTABLE:
            raise JudgementError(
                f"This judgement is {row['status'].replace('_', ' ')}; only a draft or a "
                "returned one can be submitted."
            )
        with self._action("Submit judgement") as tx:
            self._record_review(tx, row, "submit", None, comment)
        return tx.changes

    def review_judgement(self, judgement_id: str, decision: str, comment: str = "") -> Changes:
        """A supervisor's decision on a submitted judgement (never on their own)."""
        if decision not in DECISIONS:
            raise JudgementError(f"Decision must be one of {', '.join(DECISIONS)}.")
        if not self.is_supervisor:
            raise PermissionDenied("Only a supervisor reviews judgements; your role is analyst.")
        row = self._row(judgement_id)
        if row["created_by"] == self.profile.id:
            raise PermissionDenied("Nobody reviews their own judgement; ask another supervisor.")
        if row["status"] != "submitted":
            raise JudgementError(
                f"This judgement is {row['status'].replace('_', ' ')}, not submitted; it can "
                "be reviewed once its author submits it."
            )
        if decision != "approve" and not comment.strip():
            raise JudgementError("Say why in a comment when you reject or request changes.")
        label = {"approve": "Approve", "reject": "Reject", "request_changes": "Request changes"}
        with self._action(f"{label[decision]} judgement") as tx:
            self._record_review(tx, row, decision, DEFAULT_OPINION[decision], comment)
        return tx.changes

    def _record_review(self, tx, row: dict, decision: str, opinion, comment: str) -> None:
        rid = str(uuid.uuid4())
        tx.insert(
            "judgement_reviews",
            {
                "id": rid,
                "judgement_id": row["id"],
                "reviewer_id": tx.actor,
                "decision": decision,
                "opinion": opinion,
                "comment": comment.strip(),
                "created_at": tx.now,
                "hlc": tx.hlc(),
            },
            travelling=False,
        )
        status = STATUS_AFTER[decision]
        tx.update("judgements", (row["id"],), {"status": status})
        auto = f"judgement {status.replace('_', ' ')}"
        tx.audit(
            decision,
            "judgement",
            row["id"],
            {
                "reason": _reason(auto, comment),
                "likelihood": row["likelihood"],
                "confidence": row["confidence"],
                "review": rid,
                "opinion": opinion,
            },
        )
        tx.changes.reviews.add(rid)
        tx.changes.judgements.add(row["id"])

    def _own(self, row: dict) -> None:
        if row["created_by"] != self.profile.id:
            owner = self.session.scalar(
                "SELECT name FROM analysts WHERE id = ?", [row["created_by"]]
            )
            raise PermissionDenied(
                f"This judgement belongs to {owner or 'another analyst'}; only its author "
                "changes it (a supervisor responds with a review)."
            )


def _reason(automatic: str, given: str | None) -> str:
    """The automatic reason, then the analyst's own words."""
    given = " ".join(str(given or "").split())
    return f"{automatic} — {given}" if given and automatic else (automatic or given)
