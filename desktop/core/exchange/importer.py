"""Verifying, previewing and importing a bundle: all or nothing, in one transaction that also
records the bundle id (a second import changes nothing), then the index catches up."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..kernel import keys
from ..kernel.changes import Changes
from ..kernel.errors import AssayError, BundleCancelled, BundleError
from ..kernel.session import Session
from . import container
from .container import Progress
from .keyring import Keyring, compact_fp
from .manifest import BundleInfo
from .merge import EntityCounts, Merge, Rollback
from .records import ORDER, canonical, strict_loads
from .verify import Opened, check_hashes, open_bundle
from .versions import next_seq


@dataclass
class ImportPreview:
    bundle: BundleInfo
    counts: dict[str, EntityCounts]
    already_imported: bool = False
    conflicts: int = 0
    quarantined: int = 0

    def table(self) -> list[str]:
        if self.already_imported:
            return [
                f"Bundle {self.bundle.bundle_id} was already imported here; importing it "
                "again changes nothing."
            ]
        lines = [
            f"{'entity':16} {'new':>7} {'updated':>8} {'unchanged':>10} "
            f"{'conflicting':>12} {'quarantined':>12}"
        ]
        for name in ORDER:
            c = self.counts.get(name, EntityCounts())
            lines.append(
                f"{name:16} {c.new:7} {c.updated:8} {c.unchanged:10} "
                f"{c.conflicting:12} {c.quarantined:12}"
            )
        gone = self.counts.get("documents", EntityCounts()).removed
        if gone:
            lines.append(f"removes {gone} document(s) here: the sender removed them")
        return lines


@dataclass
class ImportResult(ImportPreview):
    conflict_ids: list[str] = field(default_factory=list)
    changes: Changes | None = None
    indexed: int = 0
    seconds: float = 0.0
    log: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return "\n".join(self.log)


class Importer:
    """Reads bundles into the store through SESSION; INDEX_PENDING brings the index up to date."""

    def __init__(
        self,
        session: Session,
        keyring: Keyring,
        index_pending: Callable[..., int],
        derive_text: Callable[[bytes, str], str] | None = None,
    ):
        self.session, self.keyring, self.index_pending = session, keyring, index_pending
        self.derive_text = derive_text  # a document's text from its original (ingest.py)

    def verify_bundle(self, path: str | Path) -> BundleInfo:
        """Check a bundle without importing it: container, signature, signer, hashes, counts."""
        path = Path(path)
        with container.staged(path) as stage, open(stage, "rb") as fh:
            opened = open_bundle(self.keyring, path, stage, fh, require_trust=True)
            check_hashes(opened)
        return opened.info

    def show_bundle(self, path: str | Path) -> tuple[BundleInfo, dict]:
        """What a bundle holds (manifest, counts); an untrusted signer is reported, not refused."""
        path = Path(path)
        with container.staged(path) as stage, open(stage, "rb") as fh:
            opened = open_bundle(self.keyring, path, stage, fh, require_trust=False)
            check_hashes(opened)
        return opened.info, opened.manifest

    def preview_bundle(self, path: str | Path) -> ImportPreview:
        """Per entity: what importing would add, update, leave, conflict or quarantine."""
        return self._import(Path(path), dry_run=True)

    def import_bundle(
        self, path: str | Path, progress: Progress | None = None, cancel=None
    ) -> ImportResult:
        """Verify and apply a bundle in one transaction; nothing changes if anything is wrong."""
        return self._import(Path(path), dry_run=False, progress=progress, cancel=cancel)

    def quarantined(self) -> list[dict]:
        """Records that were stamped too far in the future to apply, as received."""
        return self.session.rows("SELECT * FROM quarantine ORDER BY received_at, entity")

    def _import(self, path: Path, *, dry_run: bool, progress: Progress | None = None, cancel=None):
        session = self.session
        started = time.perf_counter()
        with container.staged(path) as stage, open(stage, "rb") as fh:
            opened = open_bundle(self.keyring, path, stage, fh, require_trust=True)
            check_hashes(opened, progress, cancel)
            info = opened.info
            seen = session.db.execute(
                "SELECT manifest_sha256, imported_at FROM bundles_seen WHERE id = ?",
                [info.bundle_id],
            ).fetchone()
            if seen is not None:
                if seen[0] != info.manifest_sha256:
                    raise BundleError(
                        f"A different bundle with the id {info.bundle_id} was "
                        f"imported on {seen[1][:10]}; this one is refused."
                    )
                counts = {name: EntityCounts() for name in ORDER}
                if dry_run:
                    return ImportPreview(info, counts, already_imported=True)
                return ImportResult(
                    info,
                    counts,
                    already_imported=True,
                    changes=Changes(),
                    seconds=time.perf_counter() - started,
                    log=[
                        f"Bundle {info.bundle_id} from {info.origin_name} was "
                        f"already imported on {seen[1][:10]}; nothing changed."
                    ],
                )
            merge = self._apply(opened, dry_run=dry_run, progress=progress, cancel=cancel)
        quarantined = sum(c.quarantined for c in merge.counts.values())
        if dry_run:
            return ImportPreview(
                info, merge.counts, conflicts=len(merge.new_conflicts), quarantined=quarantined
            )
        session.undo_stack.clear()  # earlier steps would undo on top of merged state
        changes = Changes(
            documents=set(merge.index["document"]),
            annotations=set(merge.index["annotation"]),
            sources=set(merge.changed_sources),
            tags=set(merge.changed_tags),
            reviews=set(merge.reviews),
            judgements=set(merge.judgements),
            matrices=set(merge.changed_matrices),
            index=True,
        )
        indexed = 0
        if not session.defer_index:
            indexed = self.index_pending(progress=progress)
        result = ImportResult(
            info,
            merge.counts,
            conflicts=len(merge.new_conflicts),
            quarantined=quarantined,
            conflict_ids=list(merge.new_conflicts),
            changes=changes,
            indexed=indexed,
            seconds=time.perf_counter() - started,
        )
        result.log = import_log(result)
        return result

    def _signer_id(self, opened: Opened) -> str:
        """The analyst the signing key belongs to, by this workstation's keyring (the
        manifest's own word for it counts only when the keyring does not say)."""
        entry = self.keyring.entry(compact_fp(opened.info.fingerprint))
        return (entry or {}).get("analyst_id") or opened.info.signer_id

    def _apply(self, opened: Opened, *, dry_run: bool, progress: Progress | None, cancel) -> Merge:
        session = self.session
        total = sum(opened.manifest["counts"].get(n, 0) for n in ORDER) or 1
        journal = session.path / "import.journal"
        made_journal = False
        merge: Merge | None = None
        try:
            with session.write() as tx:
                seq = next_seq(tx)
                merge = Merge(
                    tx,
                    opened,
                    replica=session.replica_id,
                    blob_path=session.blob_path,
                    dry_run=dry_run,
                    seq=seq,
                    signer_id=self._signer_id(opened),
                    derive_text=self.derive_text,
                )
                if not dry_run and opened.manifest["counts"].get("blobs") and not journal.exists():
                    journal.write_text(str(os.getpid()))  # orphan blobs are swept after a crash
                    made_journal = True
                done = 0
                for name in ORDER:
                    member = opened.members.get(f"records/{name}.jsonl")
                    if member is None:  # an older bundle, from before this entity travelled
                        continue
                    for n, line in container.iter_lines(opened.fh, member):
                        where = f"records/{name}.jsonl line {n}"
                        merge.record(name, strict_loads(line, where, walk=False), where)
                        done += 1
                        if done % 256 == 0:
                            if cancel is not None and cancel.is_set():
                                raise BundleCancelled("Import cancelled; nothing was changed.")
                            if progress:
                                progress(done, total, "merging")
                    if name == "tags":
                        merge.check_tag_parents()
                if cancel is not None and cancel.is_set():
                    raise BundleCancelled("Import cancelled; nothing was changed.")
                merge.queue_index()
                info = opened.info
                summary = {name: vars(c) for name, c in merge.counts.items()}
                tx.db.execute(
                    "INSERT INTO bundles_seen(id, origin, manifest_sha256, signer, imported_at,"
                    " imported_by, counts) VALUES (?,?,?,?,?,?,?)",
                    [
                        info.bundle_id,
                        info.origin,
                        info.manifest_sha256,
                        compact_fp(info.fingerprint),
                        tx.now,
                        tx.actor,
                        canonical(summary).decode(),
                    ],
                )
                tx.audit(
                    "import bundle",
                    "bundle",
                    info.bundle_id,
                    {
                        "origin": info.origin,
                        "signer": info.signer_name,
                        "fingerprint": compact_fp(info.fingerprint),
                        "counts": summary,
                        "conflicts": len(merge.new_conflicts),
                    },
                )
                if dry_run:
                    raise Rollback()
                if merge.max_hlc:
                    session.clock.observe(merge.max_hlc)  # later local edits win over these
        except Rollback:
            pass
        except BaseException as exc:
            if merge is not None:
                merge.remove_written_blobs()
            if made_journal:
                with contextlib.suppress(FileNotFoundError):
                    journal.unlink()
            if isinstance(exc, AssayError | KeyboardInterrupt | SystemExit | GeneratorExit):
                raise
            raise BundleError(
                f"{opened.path.name} could not be applied ({exc!r}); nothing was changed."
            ) from exc
        if made_journal:
            with contextlib.suppress(FileNotFoundError):
                journal.unlink()
        if progress:
            progress(total, total, "merging")
        return merge


def import_log(r: ImportResult) -> list[str]:
    """What an import did, in lines for the CLI and the GUI's result pane."""
    b = r.bundle
    lines = [
        f"Imported bundle {b.bundle_id} from {b.origin_name}, signed by {b.signer_name} "
        f"({keys.short(b.fingerprint)}), in {r.seconds:.1f} s."
    ]
    for name in ORDER:
        c = r.counts[name]
        if c.new or c.updated or c.conflicting or c.quarantined:
            parts = [f"{c.new} new", f"{c.updated} updated", f"{c.unchanged} unchanged"]
            if c.removed:
                parts.append(f"{c.removed} of them removed by the sender")
            if c.conflicting:
                parts.append(f"{c.conflicting} with conflicts")
            if c.quarantined:
                parts.append(f"{c.quarantined} quarantined")
            lines.append(f"  {name}: " + ", ".join(parts))
    if not any(c.new or c.updated for c in r.counts.values()):
        lines.append("  nothing new: this workspace already held everything in the bundle.")
    if r.conflicts:
        lines.append(
            f"  {r.conflicts} value(s) lost the merge and wait in `assay conflicts list`"
            " for a supervisor."
        )
    if r.quarantined:
        lines.append(
            f"  {r.quarantined} record(s) were stamped more than a day in the future "
            "and were quarantined, not applied."
        )
    return lines
