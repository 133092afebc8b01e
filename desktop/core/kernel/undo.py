"""Undo in the core: each user action is one named step of row changes that can be reversed."""

from __future__ import annotations

from dataclasses import dataclass, field

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
}
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


class UndoStack:
    """Steps live for the session only (DESIGN: surviving nothing more than the session is fine)."""

    def __init__(self, limit: int = 200):
        self.done: list[UndoStep] = []
        self.undone: list[UndoStep] = []
        self.limit = limit

    def push(self, step: UndoStep) -> None:
        if not step.changes:
            return
        self.done.append(step)
        del self.done[: -self.limit]
        self.undone.clear()

    def clear(self) -> None:
        self.done.clear()
        self.undone.clear()

    def undo_label(self) -> str | None:
        return self.done[-1].label if self.done else None

    def redo_label(self) -> str | None:
        return self.undone[-1].label if self.undone else None
