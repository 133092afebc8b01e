"""The manifest of a bundle: the shape it must have, and BundleInfo, what it says."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..kernel.errors import BundleError
from . import container
from .records import HEX64, ID_RE, ORDER, SINCE_MINOR

VERSION_RE = re.compile(r"([0-9]{1,4})\.([0-9]{1,4})")


@dataclass
class BundleInfo:
    path: str
    bundle_id: str
    version: str
    origin: str  # replica id
    origin_name: str
    signer_id: str
    signer_name: str
    fingerprint: str  # formatted, 16 groups of 4
    created: str
    prev: str | None
    selection: dict
    counts: dict[str, int]
    files: int
    size: int
    manifest_sha256: str
    trusted: bool = True
    problem: str | None = None  # why the signature could not be checked (show only)

    def describe(self) -> list[str]:
        lines = [
            f"bundle     {self.bundle_id} (format {self.version})",
            f"from       {self.origin_name} (replica {self.origin})",
            f"signed by  {self.signer_name} ({self.signer_id})",
            f"key        {self.fingerprint}"
            + ("" if self.trusted else f"  NOT VERIFIED: {self.problem}"),
            f"created    {self.created}",
            f"size       {self.size:,} bytes in {self.files} files",
            "counts     " + ", ".join(f"{k} {v}" for k, v in sorted(self.counts.items())),
        ]
        chosen = {k: v for k, v in self.selection.items() if v not in (None, [], "")}
        if chosen:
            lines.append("selection  " + ", ".join(f"{k}={v}" for k, v in sorted(chosen.items())))
        return lines


def check_manifest(path: Path, manifest: Any) -> bool:
    """Validate the manifest's shape; returns True when it comes from a newer minor version."""
    where = f"{path.name}: manifest.json"
    if not isinstance(manifest, dict):
        raise BundleError(f"{where} is not an object.")
    version = manifest.get("version")
    if manifest.get("format") != container.FORMAT or not isinstance(version, str):
        raise BundleError(f"{where} does not describe an Assay bundle.")
    found = VERSION_RE.fullmatch(version)
    if not found:
        raise BundleError(f"{where} has a malformed format version {version!r}.")
    major, minor = int(found[1]), int(found[2])
    if major > container.MAJOR:
        raise BundleError(
            f"{path.name} uses bundle format {version}, made by a newer Assay; "
            f"this one reads format {container.MAJOR}.x. Update Assay to import it."
        )
    if major < container.MAJOR:
        raise BundleError(f"{path.name} uses bundle format {version}, which Assay no longer reads.")
    newer = minor > container.MINOR
    required = {
        "format": str,
        "version": str,
        "bundle_id": str,
        "origin": dict,
        "signer": dict,
        "created": str,
        "created_hlc": int,
        "prev": (str, type(None)),
        "selection": dict,
        "files": list,
        "counts": dict,
    }
    for k, t in required.items():
        if k not in manifest or not isinstance(manifest[k], t) or isinstance(manifest[k], bool):
            raise BundleError(f"{where} lacks a valid {k!r}.")
    extra = set(manifest) - set(required)
    if extra and not newer:
        raise BundleError(f"{where} has unknown fields: {', '.join(sorted(extra))}.")
    if not ID_RE.fullmatch(manifest["bundle_id"]):
        raise BundleError(f"{where} has a malformed bundle id.")
    origin, signer = manifest["origin"], manifest["signer"]
    if not (
        isinstance(origin.get("replica"), str)
        and ID_RE.fullmatch(origin["replica"])
        and isinstance(origin.get("name"), str)
    ):
        raise BundleError(f"{where} has a malformed origin.")
    if not (
        isinstance(signer.get("analyst_id"), str)
        and ID_RE.fullmatch(signer["analyst_id"])
        and isinstance(signer.get("name"), str)
        and isinstance(signer.get("fingerprint"), str)
        and re.fullmatch(r"[0-9A-F]{64}", signer["fingerprint"])
    ):
        raise BundleError(f"{where} has a malformed signer.")
    if manifest["prev"] is not None and not HEX64.fullmatch(manifest["prev"]):
        raise BundleError(f"{where} has a malformed prev hash.")
    paths = []
    for f in manifest["files"]:
        if not (
            isinstance(f, dict)
            and set(f) == {"path", "size", "sha256"}
            and isinstance(f["path"], str)
            and container.NAME_RE.fullmatch(f["path"])
            and f["path"] not in ("manifest.json", "manifest.sig")
            and type(f["size"]) is int
            and 0 <= f["size"] <= container.MAX_MEMBER_BYTES
            and isinstance(f["sha256"], str)
            and HEX64.fullmatch(f["sha256"])
        ):
            raise BundleError(f"{where} has a malformed file entry.")
        if f["path"].startswith("blobs/") and f["path"].rsplit("/", 1)[1] != f["sha256"]:
            raise BundleError(f"{where}: blob {f['path']} is not named by its hash.")
        paths.append(f["path"])
    if len(set(paths)) != len(paths):
        raise BundleError(f"{where} lists a file twice.")
    for name in ORDER:
        if SINCE_MINOR.get(name, 0) > minor:
            continue  # made before this entity travelled
        if f"records/{name}.jsonl" not in paths:
            raise BundleError(f"{where} does not list records/{name}.jsonl.")
    unknown = [
        p
        for p in paths
        if p.startswith("records/") and p[len("records/") : -len(".jsonl")] not in ORDER
    ]
    if unknown and not newer:
        raise BundleError(f"{where} lists unknown record files: {', '.join(unknown)}.")
    for k, v in manifest["counts"].items():
        if not isinstance(k, str) or type(v) is not int or v < 0:
            raise BundleError(f"{where} has malformed counts.")
    return newer
