"""Maintenance: checking a workspace, backing it up, the audit chain, unsaved edits."""

from __future__ import annotations

import contextlib
import json
import os
import re
from pathlib import Path

from ..kernel import audit
from ..kernel.errors import WorkspaceError
from ..kernel.records import CheckReport
from ..kernel.service import Service

_UNSAVED_NAME = re.compile(r"[a-z][a-z0-9-]{0,40}")


class Maintenance(Service):
    """Keeping a workspace sound."""

    def check(self) -> CheckReport:
        db = self.db
        problems = self.session.integrity_problems()
        docs = {
            r[0]: r[1] for r in db.execute("SELECT id, sha256 FROM documents WHERE deleted = 0")
        }
        all_shas = {r[0] for r in db.execute("SELECT sha256 FROM documents")}
        anns = {
            r[0]
            for r in db.execute(
                "SELECT a.id FROM annotations a JOIN documents d ON d.id = a.document_id"
                " WHERE a.deleted = 0 AND d.deleted = 0"
            )
        }
        entries = self.session.index.indexed_entries()
        indexed = [i for i, kind in entries if kind == "document"]
        for label, expected, found in (
            ("document", set(docs), indexed),
            ("annotation", anns, [i for i, kind in entries if kind != "document"]),
        ):
            counts: dict[str, int] = {}
            for i in found:
                counts[i] = counts.get(i, 0) + 1
            missing = [i for i in expected if i not in counts]
            if missing:
                problems.append(
                    f"{len(missing)} {label}(s) not in the search index "
                    f"(e.g. {missing[0]}); run `assay reindex`"
                )
            twice = [i for i, c in counts.items() if c > 1]
            if twice:
                problems.append(
                    f"{len(twice)} {label}(s) indexed more than once; run `assay reindex`"
                )
            extra = [i for i in counts if i not in expected]
            if extra:
                problems.append(
                    f"{len(extra)} index entries for {label}s not in the store; run `assay reindex`"
                )
        blobs = set()
        for path in self.session.blob_files():
            name = path.parent.name + path.name
            blobs.add(name)
            if name not in all_shas and name not in self.session.redo_blobs:
                problems.append(f"orphan blob {path.relative_to(self.session.path)}")
        for doc_id, sha in docs.items():
            if sha not in blobs:
                problems.append(
                    f"document {doc_id} has no original file (blob {sha[:12]}… missing)"
                )
        queue = self.session.scalar("SELECT count(*) FROM index_queue")
        if queue:
            problems.append(f"{queue} change(s) wait in the index queue; run `assay reindex`")
        chain = audit.verify(db)
        if not chain.ok:
            problems.append(f"audit log broken at entry {chain.first_bad}: {chain.reason}")
        return CheckReport(problems, len(docs), len(indexed), queue, chain.entries)

    def backup(self, dest: Path) -> Path:
        """SQLite online backup plus blobs and index; open DEST as a workspace to restore."""
        dest = Path(dest)
        if dest.exists() and any(dest.iterdir()):
            raise WorkspaceError(f"{dest} is not empty; choose a new folder for the backup.")
        dest.mkdir(parents=True, exist_ok=True)
        self.session.copy_to(dest)
        return dest

    def verify_audit(self) -> audit.VerifyResult:
        return audit.verify(self.db)

    def _unsaved_path(self, name: str) -> Path:
        if not _UNSAVED_NAME.fullmatch(name):
            raise WorkspaceError(f"Not a name for unsaved edits: {name!r}.")
        return self.session.path / "unsaved" / f"{name}.json"

    def keep_unsaved(self, name: str, data: dict) -> None:
        """Keep a form's unsaved edits as NAME (JSON, written whole and synced to disk), so a
        crash or a power cut does not lose them; nothing here enters the store or the audit
        log until the analyst saves. Read-only workspaces keep nothing."""
        if self.session.readonly:
            return
        path = self._unsaved_path(name)
        path.parent.mkdir(exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(data, fh, ensure_ascii=False)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)

    def unsaved(self, name: str) -> dict | None:
        """What keep_unsaved kept as NAME, or None (also for a file that does not read)."""
        try:
            data = json.loads(self._unsaved_path(name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def drop_unsaved(self, name: str) -> None:
        if self.session.readonly:
            return
        with contextlib.suppress(FileNotFoundError):
            self._unsaved_path(name).unlink()
