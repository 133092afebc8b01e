"""Writing a signed bundle of everything, or of a selection, up to a marking ceiling."""

from __future__ import annotations

import contextlib
import hashlib
import os
import time
import uuid
from collections.abc import Iterable
from pathlib import Path

from .. import zipsafe
from ..kernel import keys, marking, scales
from ..kernel import sql as store
from ..kernel.errors import BundleCancelled, BundleError, RatingError
from ..kernel.ids import normalise_tag
from ..kernel.session import Session
from . import container
from .authority import Sealer
from .container import Progress
from .keyring import compact_fp
from .manifest import BundleInfo
from .records import ORDER, STATUSES, canonical
from .selection import BundleSelection
from .versions import next_seq, reconcile_all


class Exporter:
    """Writes bundles from the store behind SESSION, signed with the active analyst's key."""

    def __init__(self, session: Session):
        self.session = session

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
        """Write a signed bundle of everything, or of a selection, up to a marking ceiling."""
        session = self.session
        dest = Path(dest)
        try:
            ceiling = marking.check_ceiling(ceiling)
        except RatingError:
            raise BundleError(f"Marking ceiling must be one of {', '.join(scales.TLP)}.") from None
        statuses = list(statuses) if statuses else None
        for s in statuses or ():
            if s not in STATUSES:
                raise BundleError(f"Unknown status {s!r}; use one of {', '.join(STATUSES)}.")
        tag_names = [normalise_tag(t) for t in tags] if tags else None
        team = (changed_since_bundle_to or "").strip() or None
        if dest.is_dir():
            raise BundleError(f"{dest} is a folder; give a file name such as team.assay.")
        if not dest.parent.exists():
            raise BundleError(f"The folder {dest.parent} does not exist.")
        tmp = dest.with_name(f".{dest.name}.{uuid.uuid4().hex[:8]}.partial")
        started = time.perf_counter()
        with session.write() as tx:
            db = tx.db
            seq = next_seq(tx)
            reconcile_all(tx, seq, session.replica_id)
            watermark, since_bundle = None, None
            if team:
                last = db.execute(
                    "SELECT seq, id FROM bundles_sent WHERE team = ? ORDER BY seq DESC LIMIT 1",
                    [team],
                ).fetchone()
                if last:
                    watermark, since_bundle = last
            analyst_ids = None
            if analysts:
                analyst_ids = set()
                for a in analysts:
                    analyst_ids.add(a)
                    analyst_ids.update(
                        r[0]
                        for r in db.execute(
                            "SELECT id FROM analysts WHERE name = ? COLLATE NOCASE", [a]
                        )
                    )
            selection = {
                "documents": sorted(documents) if documents else None,
                "tags": tag_names,
                "analysts": sorted(analysts) if analysts else None,
                "statuses": statuses,
                "since": since,
                "until": until,
                "team": team,
                "changed_since_bundle": since_bundle,
                "ceiling": ceiling,
            }
            where = BundleSelection(
                db, selection, sorted(analyst_ids) if analyst_ids else None, watermark
            )
            where.sealer = Sealer(db, session.profile.id, session.unlocked_key)
            manifest_files, counts = [], {}
            signer_raw = keys.public_raw(session.signing_key.public_key())
            try:
                with open(tmp, "w+b") as fh:
                    writer = zipsafe.ZipWriter(fh)
                    total = where.total_rows() or 1
                    done = [0]

                    def tick(n: int) -> None:
                        done[0] += n
                        if cancel is not None and cancel.is_set():
                            raise BundleCancelled("Export cancelled; no bundle was written.")
                        if progress:
                            progress(min(done[0], total), total, "exporting")

                    for name in ORDER:
                        counter = [0]
                        size, sha = writer.write(
                            f"records/{name}.jsonl", where.lines(name, counter, tick)
                        )
                        manifest_files.append(
                            {"path": f"records/{name}.jsonl", "size": size, "sha256": sha}
                        )
                        counts[name] = counter[0]
                    blobs = 0
                    for sha in where.blob_hashes():
                        source = session.blob_path(sha)
                        if not source.exists():
                            raise BundleError(
                                f"The original file of a document (blob {sha[:12]}…)"
                                " is missing from this workspace; run `assay check`."
                            )
                        size, digest = writer.write(
                            f"blobs/sha256/{sha}", container.file_chunks(source)
                        )
                        if digest != sha:
                            raise BundleError(
                                f"The stored original {sha[:12]}… does not match "
                                "its hash; run `assay check`."
                            )
                        manifest_files.append(
                            {"path": f"blobs/sha256/{sha}", "size": size, "sha256": sha}
                        )
                        blobs += 1
                        tick(0)
                    counts["blobs"] = blobs
                    prev = store.get_meta(db, "bundle_prev")
                    manifest = {
                        "format": container.FORMAT,
                        "version": container.FORMAT_VERSION,
                        "bundle_id": str(uuid.uuid4()),
                        "origin": {"replica": session.replica_id, "name": session.name},
                        "signer": {
                            "analyst_id": session.profile.id,
                            "name": session.profile.name,
                            "fingerprint": compact_fp(keys.fingerprint(signer_raw)),
                        },
                        "created": tx.now,
                        "created_hlc": session.clock.now(),
                        "prev": prev,
                        "selection": {k: v for k, v in selection.items()},
                        "files": sorted(manifest_files, key=lambda f: f["path"]),
                        "counts": counts,
                    }
                    manifest_bytes = canonical(manifest)
                    writer.write("manifest.json", [manifest_bytes])
                    writer.write("manifest.sig", [keys.sign(session.signing_key, manifest_bytes)])
                    writer.close()
                    fh.flush()
                    os.fsync(fh.fileno())
                    size = fh.tell()
                os.replace(tmp, dest)
                container.fsync_dir(dest.parent)
            except BaseException:
                with contextlib.suppress(FileNotFoundError):
                    tmp.unlink()
                raise
            finally:
                where.drop()
            mhash = hashlib.sha256(manifest_bytes).hexdigest()
            store.set_meta(db, "bundle_prev", mhash)
            db.execute(
                "INSERT INTO bundles_sent(id, team, seq, manifest_sha256, path, created_at,"
                " created_by, counts) VALUES (?,?,?,?,?,?,?,?)",
                [
                    manifest["bundle_id"],
                    team,
                    seq,
                    mhash,
                    str(dest),
                    tx.now,
                    tx.actor,
                    canonical(counts).decode(),
                ],
            )
            tx.audit(
                "export bundle",
                "bundle",
                manifest["bundle_id"],
                {
                    "path": str(dest),
                    "selection": selection,
                    "counts": counts,
                    "seconds": round(time.perf_counter() - started, 3),
                },
            )
        return BundleInfo(
            path=str(dest),
            bundle_id=manifest["bundle_id"],
            version=container.FORMAT_VERSION,
            origin=session.replica_id,
            origin_name=session.name,
            signer_id=session.profile.id,
            signer_name=session.profile.name,
            fingerprint=keys.fingerprint(signer_raw),
            created=tx.now,
            prev=prev,
            selection=selection,
            counts=counts,
            files=len(manifest_files) + 2,
            size=size,
            manifest_sha256=mhash,
        )

    def bundles_sent(self, team: str | None = None) -> list[dict]:
        sql = "SELECT * FROM bundles_sent"
        args: list = []
        if team:
            sql += " WHERE team = ?"
            args.append(team)
        return self.session.rows(sql + " ORDER BY seq", args)
