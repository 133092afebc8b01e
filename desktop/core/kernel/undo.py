"""Undo in the core: each user action is one named step of row changes that can be reversed."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from .ids import utcnow

# Primary keys of the tables whose rows an undo step may touch.
PRIMARY_KEYS = {
    "documents": ("id",),
    "sources": ("id",),
    "annotations": ("id",),
    "claims": ("annotation_id",),
    "tags": ("id",),
    "annotation_tags": ("annotation_id", "tag_id"),
    "links": ("id",),
    "reviews": ("id",),  # append-only, but a review undone at once goes again
    "analysts": ("id",),  # people known from imported files
    "keyring": ("fingerprint",),  # trusting and revoking a colleague's key
    "conflicts": ("id",),  # a supervisor's resolution
    # merge bookkeeping a resolution writes; put back only while the step has not travelled
    "sync_state": ("entity", "key"),
    "meta": ("key",),
    # key judgements (services/judgements.py)
    "judgements": ("id",),
    "judgement_evidence": ("judgement_id", "annotation_id"),
    "judgement_reviews": ("id",),
    # analysis of competing hypotheses (services/ach.py)
    "ach_matrices": ("id",),
    "ach_hypotheses": ("id",),
    "ach_evidence": ("matrix_id", "annotation_id"),
    "ach_cells": ("hypothesis_id", "annotation_id"),
    "seals": ("entity", "key"),  # a supervisor's seal on a role they granted
}
BOOKKEEPING = ("sync_state", "meta")
# Stamped afresh on every write, including an undo, so the change travels in the next bundle.
META = ("hlc", "updated_at", "updated_by")


@dataclass
class RowChange:
    table: str
    key: tuple
    before: dict | None  # None: the row did not exist
    after: dict | None  # None: the row was removed outright


@dataclass
class UndoStep:
    label: str
    changes: list[RowChange] = field(default_factory=list)
    # the last bundle exported when the step was made: while it is still the last, nothing of
    # the step has travelled, so an undo removes what the step made outright (exact undo)
    sent: str | None = None


def step_to_json(step: UndoStep) -> str:
    """`{"label": …, "changes": [{"table", "key": [...], "before": {…}|null, "after": …}]}`."""
    return json.dumps(
        {
            "label": step.label,
            "sent": step.sent,
            "changes": [
                {"table": c.table, "key": list(c.key), "before": c.before, "after": c.after}
                for c in step.changes
            ],
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )


def step_from_json(text: str) -> UndoStep:
    data = json.loads(text)
    return UndoStep(
        data["label"],
        [RowChange(c["table"], tuple(c["key"]), c["before"], c["after"]) for c in data["changes"]],
        data.get("sent"),
    )


class UndoHistory:
    """Each analyst's undo and redo steps, kept in the store (table `undo_steps`) so that the
    next process — the CLI, the next window — can undo the last step. The newest LIMIT steps of
    each analyst are kept. For every analyst, the steps undone (state 'undone') all sit above
    the steps done: undo takes the highest done step, redo the lowest undone one."""

    def __init__(self, session, limit: int = 200):
        self.session = session  # its `db`, `profile.id`, `readonly` and `write_lock`
        self.limit = limit

    @property
    def analyst(self) -> str:
        return self.session.profile.id

    def push(self, db, step: UndoStep) -> None:
        """Record STEP as done, inside the action's own transaction on DB; a new action
        clears the analyst's redo steps."""
        if not step.changes:
            return
        db.execute(
            "DELETE FROM undo_steps WHERE analyst_id = ? AND state = 'undone'", [self.analyst]
        )
        db.execute(
            "INSERT INTO undo_steps(analyst_id, state, label, step, created_at)"
            " VALUES (?, 'done', ?, ?, ?)",
            [self.analyst, step.label, step_to_json(step), utcnow()],
        )
        db.execute(
            "DELETE FROM undo_steps WHERE analyst_id = ? AND state = 'done' AND seq NOT IN"
            " (SELECT seq FROM undo_steps WHERE analyst_id = ? AND state = 'done'"
            "  ORDER BY seq DESC LIMIT ?)",
            [self.analyst, self.analyst, self.limit],
        )

    def top(self, state: str, db=None) -> tuple[int, UndoStep] | None:
        """The step that undo ('done') or redo ('undone') would replay, with its seq."""
        found = (
            (db or self.session.db)
            .execute(
                "SELECT seq, step FROM undo_steps WHERE analyst_id = ? AND state = ?"
                f" ORDER BY seq {'DESC' if state == 'done' else 'ASC'} LIMIT 1",
                [self.analyst, state],
            )
            .fetchone()
        )
        return (found[0], step_from_json(found[1])) if found else None

    def move(self, db, seq: int, state: str) -> None:
        db.execute("UPDATE undo_steps SET state = ? WHERE seq = ?", [state, seq])

    def _label(self, state: str) -> str | None:
        found = self.session.db.execute(
            "SELECT label FROM undo_steps WHERE analyst_id = ? AND state = ?"
            f" ORDER BY seq {'DESC' if state == 'done' else 'ASC'} LIMIT 1",
            [self.analyst, state],
        ).fetchone()
        return found[0] if found else None

    def undo_label(self) -> str | None:
        return self._label("done")

    def redo_label(self) -> str | None:
        return self._label("undone")

    def clear(self, analyst: str | None = None) -> None:
        """Forget the steps of ANALYST, or of everyone (after a merge, earlier steps would
        undo on top of merged state)."""
        if self.session.readonly:
            return
        with self.session.write_lock, self.session.db.atomic() as db:
            if analyst is None:
                db.execute("DELETE FROM undo_steps")
            else:
                db.execute("DELETE FROM undo_steps WHERE analyst_id = ?", [analyst])
