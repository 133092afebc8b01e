"""Sources: the outlets, agencies and people documents come from, with their Admiralty
reliability."""

from __future__ import annotations

import re

from ..kernel import writes
from ..kernel.changes import Changes
from ..kernel.errors import NotFound, WorkspaceError
from ..kernel.records import RELIABILITIES
from ..kernel.service import Service

_SOURCE_KIND = re.compile(r"[a-z][a-z_]{1,30}")


class Sources(Service):
    """A workspace's sources."""

    def set_source(
        self, name: str, *, kind: str | None = None, reliability: str | None = None
    ) -> Changes:
        """Create or update a source (outlet, agency, person) with its Admiralty reliability."""
        if reliability is not None and reliability not in "ABCDEF":
            raise WorkspaceError(f"Reliability must be one of A–F, not {reliability!r}.")
        with self._action("Edit source") as tx:
            writes.ensure_source(tx, name, kind, reliability)
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
                    f"{name}: reliability must be one of A–F, not {values['reliability']!r}."
                )
            kind = values.get("kind")
            if kind is not None and not _SOURCE_KIND.fullmatch(kind):
                raise WorkspaceError(
                    f"{name}: a source's kind is a short word such as agency or outlet, "
                    f"not {kind!r}."
                )
        with self.session.batch("Edit sources") as changes:
            for name, values in edits.items():
                self.set_source(
                    name, kind=values.get("kind"), reliability=values.get("reliability")
                )
                # their documents' headers show the rating: name them as changed
                changes.documents.update(
                    r[0]
                    for r in self.db.execute(
                        "SELECT id FROM documents WHERE source_id = ? AND deleted = 0",
                        [known[name]["id"]],
                    )
                )
        return changes

    def sources(self) -> list[dict]:
        return self.session.rows(
            "SELECT s.id, s.name, s.kind, s.reliability, (SELECT count(*) FROM documents d"
            " WHERE d.source_id = s.id AND d.deleted = 0) AS documents FROM sources s"
            " WHERE s.deleted = 0 ORDER BY s.name COLLATE NOCASE",
        )
