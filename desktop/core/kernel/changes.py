"""What an action changed, so views refresh only what they show."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Changes:
    """The entities an action touched (ids), whether the index moved, and the undo labels."""

    documents: set[str] = field(default_factory=set)
    annotations: set[str] = field(default_factory=set)
    sources: set[str] = field(default_factory=set)
    tags: set[str] = field(default_factory=set)
    reviews: set[str] = field(default_factory=set)
    judgements: set[str] = field(default_factory=set)  # key judgements (services/judgements.py)
    matrices: set[str] = field(default_factory=set)  # ACH matrices (services/ach.py)
    index: bool = False
    created: str | None = None  # the id of what the action made, if it made one
    undo_label: str | None = None  # the undo/redo steps after this action, for menus
    redo_label: str | None = None

    def merge(self, other: Changes) -> Changes:
        self.documents |= other.documents
        self.annotations |= other.annotations
        self.sources |= other.sources
        self.tags |= other.tags
        self.reviews |= other.reviews
        self.judgements |= other.judgements
        self.matrices |= other.matrices
        self.index = self.index or other.index
        return self

    def __bool__(self) -> bool:
        return bool(
            self.documents
            or self.annotations
            or self.sources
            or self.tags
            or self.reviews
            or self.judgements
            or self.matrices
            or self.index
        )

    def copy(self) -> Changes:
        return Changes(
            set(self.documents),
            set(self.annotations),
            set(self.sources),
            set(self.tags),
            set(self.reviews),
            set(self.judgements),
            set(self.matrices),
            self.index,
            self.created,
        )

    def restore(self, earlier: Changes) -> None:
        """Back to EARLIER (a copy taken before a step that was rolled back)."""
        self.documents, self.annotations = set(earlier.documents), set(earlier.annotations)
        self.sources, self.tags = set(earlier.sources), set(earlier.tags)
        self.reviews, self.index, self.created = (
            set(earlier.reviews),
            earlier.index,
            earlier.created,
        )
        self.judgements, self.matrices = set(earlier.judgements), set(earlier.matrices)
