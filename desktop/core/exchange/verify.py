"""Checking a staged bundle before anything of it is used: container, manifest, the signature
against the local keyring (never a key carried in the bundle), every hash and count."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from .. import zipsafe
from ..kernel import keys
from ..kernel.errors import BundleCancelled, BundleError
from . import container
from .container import Progress
from .keyring import Keyring, compact_fp, format_fp
from .manifest import BundleInfo, check_manifest
from .records import ORDER, strict_loads


@dataclass
class Opened:
    """A staged bundle whose container, manifest and signature have been checked."""

    path: Path
    fh: BinaryIO
    members: dict[str, zipsafe.Member]
    manifest: dict
    manifest_bytes: bytes
    manifest_sha256: str
    info: BundleInfo
    newer_minor: bool


def open_bundle(
    keyring: Keyring, path: Path, stage: Path, fh: BinaryIO, *, require_trust: bool
) -> Opened:
    """Check the staged copy STAGE (open as FH) of the bundle at PATH up to its signature."""
    size = stage.stat().st_size
    members, cd_offset = container.read_members(path, fh, size)
    by_name = {m.raw_name.decode("ascii"): m for m in members}
    for name in ("manifest.json", "manifest.sig"):
        if name not in by_name:
            raise BundleError(f"{path.name} has no {name}; it is not a signed bundle.")
    mm, sm = by_name["manifest.json"], by_name["manifest.sig"]
    if mm.size > container.MAX_MANIFEST_BYTES:
        raise BundleError(f"{path.name}: manifest.json is too large.")
    if sm.size != 64:
        raise BundleError(f"{path.name}: manifest.sig is not an Ed25519 signature.")
    try:
        manifest_bytes = b"".join(zipsafe.read_chunks(fh, mm, container.MAX_MANIFEST_BYTES))
        signature = b"".join(zipsafe.read_chunks(fh, sm, 64))
    except zipsafe.ZipProblem as exc:
        raise BundleError(f"{path.name} is damaged: {exc}.") from None
    manifest = strict_loads(manifest_bytes, f"{path.name}: manifest.json")
    newer = check_manifest(path, manifest)
    listed = {f["path"]: f for f in manifest["files"]}
    present = set(by_name) - {"manifest.json", "manifest.sig"}
    if present - set(listed):
        extra = sorted(present - set(listed))[0]
        raise BundleError(f"{path.name}: member {extra!r} is not listed in the manifest.")
    if set(listed) - present:
        gone = sorted(set(listed) - present)[0]
        raise BundleError(f"{path.name}: {gone!r} is listed in the manifest but missing.")
    for name, entry in listed.items():
        if by_name[name].size != entry["size"]:
            raise BundleError(
                f"{path.name}: {name!r} is {by_name[name].size} bytes, "
                f"the manifest says {entry['size']}."
            )
    container.check_layout(path, fh, members, cd_offset, size)
    signer = manifest["signer"]
    trusted, problem = check_signature(
        keyring, path, manifest_bytes, signature, signer, require_trust
    )
    mhash = hashlib.sha256(manifest_bytes).hexdigest()
    info = BundleInfo(
        path=str(path),
        bundle_id=manifest["bundle_id"],
        version=manifest["version"],
        origin=manifest["origin"]["replica"],
        origin_name=manifest["origin"]["name"],
        signer_id=signer["analyst_id"],
        signer_name=signer["name"],
        fingerprint=format_fp(signer["fingerprint"]),
        created=manifest["created"],
        prev=manifest["prev"],
        selection=manifest["selection"],
        counts=dict(manifest["counts"]),
        files=len(members),
        size=size,
        manifest_sha256=mhash,
        trusted=trusted,
        problem=problem,
    )
    return Opened(path, fh, by_name, manifest, manifest_bytes, mhash, info, newer)


def check_signature(
    keyring: Keyring, path: Path, data: bytes, signature: bytes, signer: dict, require_trust: bool
) -> tuple[bool, str | None]:
    """Whether the signer's key is trusted here and signed DATA; a bad signature always raises,
    an untrusted or revoked key raises only when REQUIRE_TRUST (else it is reported)."""
    compact = signer["fingerprint"]
    fp = format_fp(compact)
    row = keyring.entry(compact)
    problem = None
    if row is None:
        problem = (
            f"{path.name} is signed by a key this workstation does not trust: {fp} "
            f"(it says it belongs to {signer['name']}). Compare that fingerprint "
            "with its owner out of band, then add the key with `assay keys trust "
            f"KEYFILE --fingerprint {compact}`."
        )
    elif row["revoked_at"]:
        problem = (
            f"{path.name} is signed by the key {fp} ({row['name']}), which was "
            f"revoked on {row['revoked_at'][:10]}; it is refused."
        )
    else:
        public = keys.decode_public(row["public_key"])
        if compact_fp(keys.fingerprint(keys.public_raw(public))) != compact:
            problem = f"The keyring entry for {fp} is damaged; trust the key again."
        elif not keys.verify(public, signature, data):
            raise BundleError(
                f"{path.name}: the signature does not match the manifest; "
                "the bundle was altered after it was signed, or is damaged."
            )
    if problem and require_trust:
        raise BundleError(problem)
    return problem is None, problem


def check_hashes(opened: Opened, progress: Progress | None = None, cancel=None) -> None:
    """Every member's bytes match the manifest's hash, and the record counts match too."""
    files = opened.manifest["files"]
    counts: dict[str, int] = {}
    total = sum(f["size"] for f in files) or 1
    done = 0
    for f in files:
        member = opened.members[f["path"]]
        digest, lines, last = hashlib.sha256(), 0, b"\n"
        try:
            for chunk in zipsafe.read_chunks(opened.fh, member, f["size"]):
                if cancel is not None and cancel.is_set():
                    raise BundleCancelled("Import cancelled; nothing was changed.")
                digest.update(chunk)
                lines += chunk.count(b"\n")
                last = chunk[-1:]
                done += len(chunk)
                if progress:
                    progress(done, total, "checking")
        except zipsafe.ZipProblem as exc:
            raise BundleError(f"{opened.path.name} is damaged: {exc}.") from None
        if digest.hexdigest() != f["sha256"]:
            raise BundleError(
                f"{opened.path.name}: {f['path']} does not match its hash in "
                "the manifest; the bundle is damaged or was altered."
            )
        if f["path"].startswith("records/"):
            if last != b"\n":
                raise BundleError(f"{opened.path.name}: {f['path']} is cut short.")
            counts[f["path"][len("records/") : -len(".jsonl")]] = lines
        else:
            counts["blobs"] = counts.get("blobs", 0) + 1
    counts.setdefault("blobs", 0)
    declared = opened.manifest["counts"]
    for name in (*ORDER, "blobs"):
        if declared.get(name) != counts.get(name):
            raise BundleError(
                f"{opened.path.name}: the manifest counts {declared.get(name)} "
                f"{name}, the bundle holds {counts.get(name)}."
            )
