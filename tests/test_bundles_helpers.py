"""Helpers shared by the bundle tests (no tests here): workstations, snapshots, repacking."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import zipfile
from pathlib import Path

from desktop.core import zipsafe
from desktop.core.exchange import canonical, state_digest
from desktop.core.kernel.profile import Profile
from desktop.core.workspace import Workspace

from .conftest import write_texts

ADA = Profile(id="11111111-1111-4111-8111-111111111111", name="Ada Analyst", configured=True)
BEN = Profile(id="55555555-5555-4555-8555-555555555555", name="Ben Analyst", configured=True)
CAROL = Profile(id="66666666-6666-4666-8666-666666666666", name="Carol Outsider", configured=True)
SAM = Profile(
    id="33333333-3333-4333-8333-333333333333",
    name="Sam Supervisor",
    role="supervisor",
    configured=True,
)

TEXTS = {
    "alpha.txt": "Alpha report\n\nAI-enabled tools now find and exploit vulnerabilities faster "
    "than defenders patch them. A comparable tool will definitely emerge. "
    "Export controls push domestic alternatives.",
    "beta.txt": "Beta brief\n\nThe ministry says domestic accelerators will meet demand by 2028. "
    "Vendors claim their platform stops nearly every attack.",
    "gamma.txt": "Gamma note\n\nSupply chain orders were split across weekly shipments to avoid "
    "scrutiny, according to two sources.",
}


def workstation(root: Path, name: str, profile: Profile, texts: dict | None = None) -> Workspace:
    """A workspace holding the shared test documents (same bytes, so the same document ids)."""
    ws = Workspace.create(root / name, name=name, profile=profile)
    write_texts(root / f"{name}-in", texts or TEXTS)
    ws.import_paths([root / f"{name}-in"])
    return ws


def trust(receiver: Workspace, sender: Workspace, folder: Path) -> None:
    key = folder / f"{sender.profile.id}.key.json"
    info = sender.export_public_key(key)
    receiver.trust_key(key, info.fingerprint)


def span(ws: Workspace, doc_title: str, phrase: str) -> tuple[str, int, int]:
    doc = ws.find_document(doc_title)
    start = doc.text.index(phrase)
    return doc.id, start, start + len(phrase)


def snapshot(ws: Workspace) -> dict:
    """Everything a failed import must leave untouched: files, a logical dump, the digest."""
    ws.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    files = {}
    for p in sorted(ws.path.rglob("*")):
        if p.is_file() and p.name != "lock" and not p.name.endswith(("-wal", "-shm")):
            files[str(p.relative_to(ws.path))] = hashlib.sha256(p.read_bytes()).hexdigest()
    dump = hashlib.sha256("\n".join(ws.db.conn.iterdump()).encode()).hexdigest()
    return {"files": files, "dump": dump, "digest": state_digest(ws)}


def members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {i.filename: zf.read(i) for i in zf.infolist()}


def pack(entries: list[tuple[bytes | str, bytes]], raw: dict | None = None) -> bytes:
    """A ZIP in the canonical layout holding exactly these (name, bytes) entries; RAW maps a
    name to header fields to forge (method, size, crc, external_attr)."""
    raw = raw or {}
    out = io.BytesIO()
    writer = zipsafe.ZipWriter(out)
    for name, data in entries:
        name = name.encode() if isinstance(name, str) else name
        writer.write_raw(name, data, **raw.get(name, {}))
    writer.close()
    return out.getvalue()


def resign(
    files: dict[str, bytes],
    key,
    *,
    manifest: dict | None = None,
    manifest_bytes: bytes | None = None,
    recount: bool = True,
) -> bytes:
    """Rebuild a bundle around (changed) member files, re-listing and re-signing the manifest."""
    body = {k: v for k, v in files.items() if k not in ("manifest.json", "manifest.sig")}
    if manifest_bytes is None:
        manifest = dict(manifest or json.loads(files["manifest.json"]))
        manifest["files"] = sorted(
            (
                {"path": k, "size": len(v), "sha256": hashlib.sha256(v).hexdigest()}
                for k, v in body.items()
            ),
            key=lambda f: f["path"],
        )
        if recount:
            counts = {
                k[len("records/") : -len(".jsonl")]: v.count(b"\n")
                for k, v in body.items()
                if k.startswith("records/")
            }
            counts["blobs"] = sum(1 for k in body if k.startswith("blobs/"))
            manifest["counts"] = counts
        manifest_bytes = canonical(manifest)
    entries = [
        *body.items(),
        ("manifest.json", manifest_bytes),
        ("manifest.sig", key.sign(manifest_bytes)),
    ]
    return pack(entries)


def records(files: dict[str, bytes], name: str) -> list[dict]:
    return [json.loads(line) for line in files[f"records/{name}.jsonl"].splitlines()]


def put_records(files: dict[str, bytes], name: str, recs: list[dict]) -> None:
    files[f"records/{name}.jsonl"] = b"".join(canonical(r) + b"\n" for r in recs)


def copy_workspace(ws: Workspace, dest: Path, profile: Profile) -> Workspace:
    ws.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copytree(ws.path, dest, ignore=shutil.ignore_patterns("lock"))
    return Workspace.open(dest, profile=profile)
