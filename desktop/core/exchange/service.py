"""Exchange: the one object the workspace holds for bundles, keys and conflicts."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from ..kernel.changes import Changes
from ..kernel.session import Session
from .conflicts import Conflict, Conflicts
from .container import Progress
from .exporter import Exporter
from .importer import Importer, ImportPreview, ImportResult
from .keyring import KeyInfo, Keyring
from .manifest import BundleInfo


class Exchange:
    """Signed bundles between workstations, the keyring they are checked against, and the
    conflicts merges leave, over one workspace's SESSION.

    INDEX_PENDING(progress=None) brings the search index up to date after an import or a
    resolution and returns how many entries it wrote (the search service's; by default the
    session's indexer, without progress).
    """

    def __init__(
        self,
        session: Session,
        *,
        index_pending: Callable[..., int] | None = None,
        derive_text: Callable[[bytes, str], str] | None = None,
    ):
        if index_pending is None:

            def index_pending(progress: Progress | None = None) -> int:
                return session.indexer()

        self.session = session
        self.keyring = Keyring(session)
        self.importer = Importer(session, self.keyring, index_pending, derive_text)
        self.exporter = Exporter(session)
        self.merge_conflicts = Conflicts(session, index_pending)

    # keys -------------------------------------------------------------------------------------
    def keys(self) -> list[KeyInfo]:
        return self.keyring.keys()

    def my_key(self) -> KeyInfo:
        return self.keyring.my_key()

    def export_public_key(self, path: str | Path) -> KeyInfo:
        return self.keyring.export_public_key(path)

    def trust_key(self, source: str | Path, expected_fingerprint: str) -> KeyInfo:
        return self.keyring.trust_key(source, expected_fingerprint)

    def revoke_key(self, fingerprint: str) -> KeyInfo:
        return self.keyring.revoke_key(fingerprint)

    # bundles ----------------------------------------------------------------------------------
    def verify_bundle(self, path: str | Path) -> BundleInfo:
        return self.importer.verify_bundle(path)

    def show_bundle(self, path: str | Path) -> tuple[BundleInfo, dict]:
        return self.importer.show_bundle(path)

    def preview_bundle(self, path: str | Path) -> ImportPreview:
        return self.importer.preview_bundle(path)

    def import_bundle(
        self, path: str | Path, progress: Progress | None = None, cancel=None
    ) -> ImportResult:
        return self.importer.import_bundle(path, progress=progress, cancel=cancel)

    def quarantined(self) -> list[dict]:
        return self.importer.quarantined()

    def export_bundle(
        self,
        dest: str | Path,
        *,
        documents: Iterable[str] | None = None,
        tags: Iterable[str] | None = None,
        analysts: Iterable[str] | None = None,
        statuses: Iterable[str] | None = None,
        since: str | None = None,
        until: str | None = None,
        changed_since_bundle_to: str | None = None,
        ceiling: str = "RED",
        progress: Progress | None = None,
        cancel=None,
    ) -> BundleInfo:
        return self.exporter.export_bundle(
            dest,
            documents=documents,
            tags=tags,
            analysts=analysts,
            statuses=statuses,
            since=since,
            until=until,
            changed_since_bundle_to=changed_since_bundle_to,
            ceiling=ceiling,
            progress=progress,
            cancel=cancel,
        )

    def bundles_sent(self, team: str | None = None) -> list[dict]:
        return self.exporter.bundles_sent(team)

    # conflicts --------------------------------------------------------------------------------
    def conflicts(self, unresolved_only: bool = True) -> list[Conflict]:
        return self.merge_conflicts.list(unresolved_only)

    def resolve_conflict(
        self, conflict_id: str, choice: str = "local", value: Any = None
    ) -> Changes:
        return self.merge_conflicts.resolve(conflict_id, choice, value)
