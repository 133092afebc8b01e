"""Export, verify, import and merge of signed bundles (`.assay` files) between workstations.

A bundle is a ZIP (see zipsafe.py) holding `manifest.json` (canonical JSON), `manifest.sig`
(Ed25519 over the manifest bytes), `records/<entity>.jsonl` and `blobs/sha256/<hex>`.

Merge model. Each travelling row keeps, in the local `sync_state` table, a *version* per field:
`[hlc, replica, by, at, lineage]`, where lineage lists short hashes of the values this value's
writer replaced, newest first. Local edits are not hooked: a row whose `hlc` differs from the
one recorded at the last reconcile was edited here, and each field whose hash changed gets a
fresh version stamped with the row's hlc (reconciled on export, import and resolve). Per field,
the highest `(hlc, replica, sha256(value))` wins; the losing value is written to `conflicts`
unless the winner's lineage shows its writer had that value and replaced it. Reviews are a set
(append-only), analysts are whole-row last-writer-wins, created/imported stamps keep the
earliest. Every step is a join, so workstations that have seen the same bundles agree.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import re
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from db import store

from . import zipsafe
from .kernel import keys, scales
from .kernel.errors import AssayError, BundleCancelled, BundleError, ConflictError, NotFound
from .kernel.hlc import COUNTER_BITS, pack

FORMAT = "assay-bundle"
FORMAT_VERSION = "1.0"
MAJOR, MINOR = 1, 0

# Limits on what an import reads (module attributes, so tests can lower them).
MAX_BUNDLE_BYTES = 16 * 2**30  # the .assay file, and the sum of its members
MAX_MEMBER_BYTES = 8 * 2**30
MAX_MANIFEST_BYTES = 64 * 2**20
MAX_LINE_BYTES = 128 * 2**20  # one record (a document's text can be long)
MAX_MEMBERS = 2_000_000
RATIO_LIMIT = 100  # uncompressed / compressed, for members above RATIO_MIN_BYTES
RATIO_MIN_BYTES = 2**20
MAX_DEPTH = 64
FUTURE_MS = 24 * 3600 * 1000  # records stamped further ahead than this are quarantined
LINEAGE = 16  # replaced values remembered per field

MARKINGS = scales.TLP
NAME_RE = re.compile(
    r"manifest\.json|manifest\.sig|records/[a-z_]{1,32}\.jsonl|blobs/sha256/[0-9a-f]{64}"
)
ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,79}")
LINEAGE_RE = re.compile(r"[0-9a-f]{12}")
HEX64 = re.compile(r"[0-9a-f]{64}")
VERSION_RE = re.compile(r"([0-9]{1,4})\.([0-9]{1,4})")
HASH_CHARS = 12
MAX_HLC = 2**63 - 1

Progress = Callable[[int, int, str], None]





# -- what travels -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Entity:
    """A table whose rows merge field by field."""

    name: str
    key: tuple[str, ...]
    fields: tuple[str, ...]  # merged one by one, each with its own version
    fixed: tuple[str, ...] = ()  # identity: must agree with the local copy
    quiet: tuple[tuple[str, str], ...] = (("created_at", "created_by"),)  # earliest pair kept

    @property
    def columns(self) -> tuple[str, ...]:
        return (*self.key, *self.fixed, *self.fields, *(c for pair in self.quiet for c in pair))


ENTITIES = {
    e.name: e
    for e in (
        Entity("sources", ("id",), ("name", "kind", "reliability", "deleted")),
        Entity(
            "documents",
            ("id",),
            (
                "title",
                "source_id",
                "author",
                "published_at",
                "url",
                "language",
                "mime",
                "filename",
                "size",
                "text",
                "marking",
                "reliability",
                "deleted",
            ),
            fixed=("sha256",),
            quiet=(("created_at", "created_by"), ("imported_at", "imported_by")),
        ),
        Entity(
            "annotations",
            ("id",),
            ("start", "end", "quote", "prefix", "suffix", "kind", "comment", "status", "deleted"),
            fixed=("document_id",),
        ),
        Entity(
            "claims",
            ("annotation_id",),
            ("statement", "credibility", "likelihood", "confidence", "rationale", "deleted"),
        ),
        Entity("tags", ("id",), ("name", "parent_id", "colour", "deleted")),
        Entity("annotation_tags", ("annotation_id", "tag_id"), ("deleted",)),
        Entity("links", ("id",), ("comment", "deleted"), fixed=("from_id", "to_id", "relation")),
    )
}
ANALYST_COLUMNS = ("id", "name", "role", "public_key", "fingerprint", "created_at", "hlc")
REVIEW_COLUMNS = (
    "id",
    "annotation_id",
    "reviewer_id",
    "decision",
    "opinion",
    "comment",
    "created_at",
    "hlc",
)
ORDER = (
    "analysts",
    "sources",
    "documents",
    "annotations",
    "claims",
    "tags",
    "annotation_tags",
    "links",
    "reviews",
)
INDEXED = {
    "documents": "document",
    "annotations": "annotation",
    "claims": "annotation",
    "annotation_tags": "annotation",
}
# Parents a record needs, present locally or earlier in the same bundle.
REFERENCES = {
    "documents": (("source_id", "sources"),),
    "annotations": (("document_id", "documents"),),
    "claims": (("annotation_id", "annotations"),),
    "annotation_tags": (("annotation_id", "annotations"), ("tag_id", "tags")),
    "links": (("from_id", "annotations"), ("to_id", "annotations")),
    "reviews": (("annotation_id", "annotations"),),
}


def _q(col: str) -> str:
    return f'"{col}"'


def _key_sql(entity: str, alias: str) -> str:
    cols = ENTITIES[entity].key if entity in ENTITIES else ("id",)
    return " || '|' || ".join(f"{alias}.{_q(c)}" for c in cols)


def _key_str(entity: str, row: dict) -> str:
    cols = ENTITIES[entity].key if entity in ENTITIES else ("id",)
    return "|".join(str(row[c]) for c in cols)


# -- canonical and strict JSON ----------------------------------------------------------------
def canonical(value: Any) -> bytes:
    """Sorted keys, no whitespace, UTF-8, no floats: the bytes that are hashed and signed."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


class _Refused(Exception):
    """Raised inside the strict JSON loader; turned into a BundleError by the caller."""


def _pairs(pairs: list) -> dict:
    out: dict = {}
    for k, v in pairs:
        if k in out:
            raise _Refused(f"the key {k!r} appears twice")
        out[k] = v
    return out


def _no_float(text: str):
    raise _Refused(f"it holds a fractional number ({text[:24]}); bundles hold whole numbers only")


def _no_constant(text: str):
    raise _Refused(f"it holds {text}, which JSON does not allow")


_DECODER = json.JSONDecoder(
    object_pairs_hook=_pairs, parse_float=_no_float, parse_constant=_no_constant
)


def strict_loads(data: bytes | str, what: str, *, walk: bool = True) -> Any:
    """JSON that refuses duplicate keys, NaN/Infinity, floats and nesting deeper than 64.

    Records skip the depth walk (`walk=False`): their validation admits only flat values."""
    try:
        text = data.decode("utf-8") if isinstance(data, bytes | bytearray) else data
        value, end = _DECODER.raw_decode(text)
        if text[end:].strip():
            raise _Refused("it has text after the JSON value")
    except RecursionError:
        raise BundleError(f"{what} is nested too deeply to be read.") from None
    except _Refused as exc:
        raise BundleError(f"{what} is not acceptable: {exc}.") from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise BundleError(f"{what} is not valid JSON ({exc}).") from None
    if walk and _depth(value) > MAX_DEPTH:
        raise BundleError(f"{what} is nested more than {MAX_DEPTH} levels deep.")
    return value


def _depth(value: Any) -> int:
    deepest, stack = 0, [(value, 1)]
    while stack:
        v, d = stack.pop()
        if isinstance(v, dict):
            children = v.values()
        elif isinstance(v, list):
            children = v
        else:
            continue
        deepest = max(deepest, d)
        if deepest > MAX_DEPTH:
            return deepest
        stack.extend((c, d + 1) for c in children)
    return deepest


# -- versions ---------------------------------------------------------------------------------
Version = tuple  # (hlc, replica, by, at, lineage: tuple[str, ...])


def token(v: Version) -> str:
    return f"{v[0]}@{v[1]}"


def _lineage(replaced: str, prev: Version, *more: str) -> tuple[str, ...]:
    """The lineage of a value that replaced one hashing to REPLACED (whose version was PREV)."""
    out = list(dict.fromkeys([*more, replaced, *prev[4]]))
    return tuple(out[:LINEAGE])


def _as_version(x: list) -> Version:
    return (x[0], x[1], x[2], x[3], tuple(x[4]))


def _value_sha(value: Any) -> str:
    return hashlib.sha256(canonical(value)).hexdigest()


def _order(v: Version, value: Any) -> tuple:
    return (v[0], v[1], _value_sha(value), canonical(list(v)))


def _field_hash(value: Any) -> str:
    if value is None:
        raw = b"n"
    elif isinstance(value, int):
        raw = b"i" + str(value).encode()
    else:
        raw = b"s" + str(value).encode("utf-8", "surrogatepass")
    return hashlib.blake2b(raw, digest_size=HASH_CHARS // 2).hexdigest()


def _hashes(ent: Entity, row: dict) -> str:
    return "".join(_field_hash(row[f]) for f in ent.fields)


def _expand(ent: Entity, versions: str | dict) -> dict[str, Version]:
    data = json.loads(versions) if isinstance(versions, str) else versions
    default = data["*"]
    return {f: _as_version(data.get(f, default)) for f in ent.fields}


def _compress(versions: dict[str, Version]) -> dict:
    counts = Counter(versions.values())
    default = max(counts, key=lambda v: (counts[v], v[0], v[1]))
    out: dict = {"*": _version_json(default)}
    for f, v in versions.items():
        if v != default:
            out[f] = _version_json(v)
    return out


def _version_json(v: Version) -> list:
    return [v[0], v[1], v[2], v[3], list(v[4])]


def effective_versions(
    ent: Entity, row: dict, sync: dict | None, replica: str
) -> tuple[dict[str, Version], str | None]:
    """Each field's version, stamping fields edited here since the last reconcile.

    Returns the versions and, when sync_state needs rewriting, the row's new field hashes.
    """
    if sync is not None and sync["row_hlc"] == row["hlc"] and sync["versions"]:
        return _expand(ent, sync["versions"]), None
    hashes = _hashes(ent, row)
    hlc = int(row["hlc"] or 0)
    mine = (hlc, replica, row.get("updated_by") or "", row.get("updated_at") or "", ())
    if sync is None or not sync["versions"]:
        return {f: mine for f in ent.fields}, hashes
    old, old_hashes = _expand(ent, sync["versions"]), sync["hashes"] or ""
    out = {}
    for i, f in enumerate(ent.fields):
        part = slice(i * HASH_CHARS, (i + 1) * HASH_CHARS)
        if hashes[part] != old_hashes[part]:
            out[f] = (*mine[:4], _lineage(old_hashes[part], old[f]))
        else:
            out[f] = old[f]
    return out, hashes


# -- results ----------------------------------------------------------------------------------
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


@dataclass
class EntityCounts:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    conflicting: int = 0
    quarantined: int = 0
    removed: int = 0  # of the updated: live here, a tombstone after the merge

    @property
    def total(self) -> int:
        return self.new + self.updated + self.unchanged + self.quarantined


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
    changes: Any = None  # workspace.Changes
    indexed: int = 0
    seconds: float = 0.0
    log: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return "\n".join(self.log)


@dataclass
class KeyInfo:
    fingerprint: str
    name: str
    analyst_id: str
    role: str | None
    trusted_at: str | None
    revoked_at: str | None
    mine: bool = False

    @property
    def status(self) -> str:
        return "revoked" if self.revoked_at else "trusted"


@dataclass
class Conflict:
    id: str
    entity: str
    entity_id: str
    field: str
    local_value: Any
    remote_value: Any
    local_by: str
    remote_by: str
    local_at: str
    remote_at: str
    winner: str
    current_value: Any
    bundle_id: str
    created_at: str
    resolved_at: str | None
    resolved_by: str | None
    resolution: Any
    label: str = ""


# -- reading a bundle -------------------------------------------------------------------------
@dataclass
class _Opened:
    path: Path
    fh: BinaryIO
    members: dict[str, zipsafe.Member]
    manifest: dict
    manifest_bytes: bytes
    manifest_sha256: str
    info: BundleInfo
    newer_minor: bool


def _compact_fp(fp: str) -> str:
    return re.sub(r"[^0-9A-Fa-f]", "", fp or "").upper()


def _format_fp(compact: str) -> str:
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


@contextlib.contextmanager
def _staged(path: Path) -> Iterator[Path]:
    """A private copy of the bundle, so nothing can change it between checks and apply."""
    path = Path(path)
    if not path.is_file():
        raise BundleError(f"{path} is not a file.")
    fd, name = tempfile.mkstemp(prefix="assay-bundle-", suffix=".stage")
    stage = Path(name)
    try:
        copied = 0
        with os.fdopen(fd, "wb") as out, open(path, "rb") as src:
            while chunk := src.read(zipsafe.CHUNK):
                copied += len(chunk)
                if copied > MAX_BUNDLE_BYTES:
                    raise BundleError(
                        f"{path.name} is larger than {MAX_BUNDLE_BYTES / 2**30:.0f} GB; "
                        "Assay refuses bundles that big."
                    )
                out.write(chunk)
        yield stage
    finally:
        with contextlib.suppress(FileNotFoundError):
            stage.unlink()


def _check_member_names(path: Path, members: list[zipsafe.Member]) -> None:
    seen: set[bytes] = set()
    total = 0
    for m in members:
        raw, shown = m.raw_name, repr(m.raw_name.decode("utf-8", errors="replace"))
        if b"\x00" in raw:
            raise BundleError(f"{path.name}: member name {shown} contains a NUL byte.")
        if b"\\" in raw:
            raise BundleError(f"{path.name}: member name {shown} contains a backslash.")
        if raw.startswith(b"/") or re.match(rb"[A-Za-z]:", raw):
            raise BundleError(f"{path.name}: member name {shown} is an absolute path.")
        if b".." in raw.split(b"/"):
            raise BundleError(f"{path.name}: member name {shown} climbs out of its folder (..).")
        try:
            name = raw.decode("ascii")
        except UnicodeDecodeError:
            name = ""
        if not NAME_RE.fullmatch(name):
            raise BundleError(
                f"{path.name}: unexpected member {shown}; a bundle holds only "
                "manifest.json, manifest.sig, records/*.jsonl and blobs/sha256/*."
            )
        if raw in seen:
            raise BundleError(f"{path.name}: member {shown} appears more than once.")
        seen.add(raw)
        if m.is_symlink:
            raise BundleError(f"{path.name}: member {shown} is a symbolic link.")
        if m.flags & 1:
            raise BundleError(f"{path.name}: member {shown} is encrypted.")
        if m.size > RATIO_MIN_BYTES and m.size > RATIO_LIMIT * max(m.compressed_size, 1):
            raise BundleError(
                f"{path.name}: member {shown} would expand {m.size // max(m.compressed_size, 1)}"
                f" times (limit {RATIO_LIMIT}); refusing a possible zip bomb."
            )
        if m.size > MAX_MEMBER_BYTES:
            raise BundleError(
                f"{path.name}: member {shown} is {m.size:,} bytes, more than "
                f"the {MAX_MEMBER_BYTES:,} allowed."
            )
        total += m.size
        if total > MAX_BUNDLE_BYTES:
            raise BundleError(
                f"{path.name} would unpack to more than {MAX_BUNDLE_BYTES:,} "
                "bytes; refusing a possible zip bomb."
            )
    for m in members:
        shown = repr(m.raw_name.decode("ascii"))
        if m.method != zipsafe.STORED or m.compressed_size != m.size:
            raise BundleError(
                f"{path.name}: member {shown} is compressed; bundle members are stored as they are."
            )


def _check_manifest(path: Path, manifest: Any) -> bool:
    """Validate the manifest's shape; returns True when it comes from a newer minor version."""
    where = f"{path.name}: manifest.json"
    if not isinstance(manifest, dict):
        raise BundleError(f"{where} is not an object.")
    version = manifest.get("version")
    if manifest.get("format") != FORMAT or not isinstance(version, str):
        raise BundleError(f"{where} does not describe an Assay bundle.")
    found = VERSION_RE.fullmatch(version)
    if not found:
        raise BundleError(f"{where} has a malformed format version {version!r}.")
    major, minor = int(found[1]), int(found[2])
    if major > MAJOR:
        raise BundleError(
            f"{path.name} uses bundle format {version}, made by a newer Assay; "
            f"this one reads format {MAJOR}.x. Update Assay to import it."
        )
    if major < MAJOR:
        raise BundleError(f"{path.name} uses bundle format {version}, which Assay no longer reads.")
    newer = minor > MINOR
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
            and NAME_RE.fullmatch(f["path"])
            and f["path"] not in ("manifest.json", "manifest.sig")
            and type(f["size"]) is int
            and 0 <= f["size"] <= MAX_MEMBER_BYTES
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


# -- validation of records --------------------------------------------------------------------
class _Invalid(Exception):
    pass


def _text(limit: int = 1_000_000, *, optional: bool = True, nonempty: bool = False):
    def check(v):
        if v is None and optional:
            return
        if not isinstance(v, str) or len(v) > limit or (nonempty and not v.strip()):
            raise _Invalid("a text of the expected length")

    return check


def _integer(lo: int, hi: int, *, optional: bool = False):
    def check(v):
        if v is None and optional:
            return
        if type(v) is not int or not lo <= v <= hi:
            raise _Invalid(f"a whole number from {lo} to {hi}")

    return check


def _one_of(values: Iterable, *, optional: bool = False):
    allowed = tuple(values)

    def check(v):
        if v is None and optional:
            return
        if v not in allowed:
            raise _Invalid(f"one of {', '.join(map(str, allowed))}")

    return check


def _ident(*, optional: bool = False):
    def check(v):
        if v is None and optional:
            return
        if not isinstance(v, str) or not ID_RE.fullmatch(v):
            raise _Invalid("an id")

    return check


def _hexsha(v):
    if not isinstance(v, str) or not HEX64.fullmatch(v):
        raise _Invalid("a SHA-256 in lower-case hex")


def _colour(v):
    if v is not None and not (isinstance(v, str) and re.fullmatch(r"#[0-9a-fA-F]{6}", v)):
        raise _Invalid("a colour #rrggbb")


_STAMP = _text(64)
_WHO = _text(80)
_DELETED = _integer(0, 1)
_BIG = 256 * 2**20


def _validators() -> dict[str, dict[str, Callable]]:
    from desktop.core.kernel.records import DECISIONS, KINDS, OPINIONS, RELATIONS, STATUSES

    from .kernel.profile import ROLES

    stamps = {"created_at": _STAMP, "created_by": _WHO}
    return {
        "analysts": {
            "id": _ident(),
            "name": _text(1000, optional=False),
            "role": _one_of(ROLES),
            "public_key": _text(100),  # none for people known only from a STIX/REFI file
            "fingerprint": _text(100),
            "created_at": _STAMP,
            "hlc": _integer(0, MAX_HLC),
        },
        "sources": {
            "id": _ident(),
            "name": _text(1000, optional=False, nonempty=True),
            "kind": _text(100),
            "reliability": _one_of(scales.RELIABILITY, optional=True),
            "deleted": _DELETED,
            **stamps,
        },
        "documents": {
            "id": _ident(),
            "sha256": _hexsha,
            "title": _text(10_000, optional=False),
            "source_id": _ident(optional=True),
            "author": _text(10_000),
            "published_at": _STAMP,
            "url": _text(10_000),
            "language": _text(32),
            "mime": _text(200),
            "filename": _text(4096),
            "size": _integer(0, MAX_MEMBER_BYTES, optional=True),
            "text": _text(_BIG, optional=False),
            "marking": _one_of(MARKINGS),
            "reliability": _one_of(scales.RELIABILITY, optional=True),
            "deleted": _DELETED,
            "imported_at": _STAMP,
            "imported_by": _WHO,
            **stamps,
        },
        "annotations": {
            "id": _ident(),
            "document_id": _ident(),
            "start": _integer(0, _BIG),
            "end": _integer(1, _BIG),
            "quote": _text(_BIG),
            "prefix": _text(10_000),
            "suffix": _text(10_000),
            "kind": _one_of(KINDS),
            "comment": _text(),
            "status": _one_of(STATUSES),
            "deleted": _DELETED,
            **stamps,
        },
        "claims": {
            "annotation_id": _ident(),
            "statement": _text(),
            "credibility": _integer(1, 6, optional=True),
            "likelihood": _one_of(scales.LIKELIHOOD_BY_KEY, optional=True),
            "confidence": _one_of(scales.CONFIDENCE, optional=True),
            "rationale": _text(),
            "deleted": _DELETED,
            **stamps,
        },
        "tags": {
            "id": _ident(),
            "name": _text(1000, optional=False, nonempty=True),
            "parent_id": _ident(optional=True),
            "colour": _colour,
            "deleted": _DELETED,
            **stamps,
        },
        "annotation_tags": {
            "annotation_id": _ident(),
            "tag_id": _ident(),
            "deleted": _DELETED,
            **stamps,
        },
        "links": {
            "id": _ident(),
            "from_id": _ident(),
            "to_id": _ident(),
            "relation": _one_of(RELATIONS),
            "comment": _text(),
            "deleted": _DELETED,
            **stamps,
        },
        "reviews": {
            "id": _ident(),
            "annotation_id": _ident(),
            "reviewer_id": _ident(),
            "decision": _one_of(("submit", *DECISIONS)),
            "opinion": _one_of(OPINIONS, optional=True),
            "comment": _text(),
            "created_at": _STAMP,
            "hlc": _integer(0, MAX_HLC),
        },
    }


def _parse_version(x: Any) -> Version:
    if not (isinstance(x, list) and len(x) == 5):
        raise _Invalid("a version [hlc, replica, by, at, lineage]")
    h, replica, by, at, lineage = x
    if type(h) is not int or not 0 < h <= MAX_HLC:
        raise _Invalid("a version with a valid clock value")
    if not (isinstance(replica, str) and ID_RE.fullmatch(replica)):
        raise _Invalid("a version with a valid replica id")
    if not (isinstance(by, str) and len(by) <= 80 and isinstance(at, str) and len(at) <= 64):
        raise _Invalid("a version with a valid author and time")
    if not (
        isinstance(lineage, list)
        and len(lineage) <= LINEAGE
        and all(isinstance(t, str) and LINEAGE_RE.fullmatch(t) for t in lineage)
    ):
        raise _Invalid("a version with a valid lineage")
    return (h, replica, by, at, tuple(lineage))


def _check_semantics(name: str, v: dict) -> None:
    """Rules that tie fields together (ids derived from content, spans, keys)."""
    from .workspace import document_id

    if name == "documents" and v["id"] != document_id(v["sha256"]):
        raise _Invalid("a document id derived from its sha256")
    if name == "annotations" and v["end"] <= v["start"]:
        raise _Invalid("a span whose end comes after its start")
    if name == "tags":
        from desktop.core.kernel.errors import AnnotationError
        from desktop.core.kernel.ids import normalise_tag, tag_id

        try:
            ok = normalise_tag(v["name"]) == v["name"] and tag_id(v["name"]) == v["id"]
        except AnnotationError:
            ok = False
        if not ok:
            raise _Invalid("a tag whose id is made from its normalised name")
    if name == "links":
        try:
            ok = v["id"] == str(
                uuid.uuid5(uuid.UUID(v["from_id"]), f"{v['relation']}:{v['to_id']}")
            )
        except ValueError:
            ok = False
        if not ok or v["from_id"] == v["to_id"]:
            raise _Invalid("a link id made from its two claims and relation")
    if name == "analysts":
        if v["public_key"] is None:
            # someone known by name only (from an imported file): never outranks a keyed entry
            if v["fingerprint"] is not None or v["hlc"] != 0:
                raise _Invalid("an analyst without a key to have no fingerprint and clock 0")
            return
        try:
            raw = base64.b64decode(v["public_key"], validate=True)
        except ValueError:
            raw = b""
        if len(raw) != 32 or keys.fingerprint(raw) != v["fingerprint"]:
            raise _Invalid("an analyst whose fingerprint matches the public key")


# -- the merge of one bundle into one store ---------------------------------------------------
class _Rollback(Exception):
    pass


class _Merge:
    """Applies one bundle's records inside the caller's transaction and counts what happened."""

    def __init__(self, ws, tx, opened: _Opened, *, dry_run: bool, seq: int):
        self.ws, self.tx, self.db, self.opened = ws, tx, tx.db, opened
        self.dry_run, self.seq = dry_run, seq
        self.replica = ws.replica_id
        self.bundle_id = opened.manifest["bundle_id"]
        self.counts = {name: EntityCounts() for name in ORDER}
        self.quarantined: dict[str, set[str]] = {name: set() for name in ORDER}
        self.new_conflicts: list[str] = []
        self.max_hlc = 0
        self.limit_hlc = pack(time.time_ns() // 1_000_000 + FUTURE_MS, 0)
        self.doc_lengths: dict[str, int] = {}
        self.index: dict[str, set[str]] = {"document": set(), "annotation": set()}
        self.changed_sources: set[str] = set()
        self.changed_tags: set[str] = set()
        self.reviews: set[str] = set()
        self.blobs_written: list[Path] = []
        self.dirs_made: list[Path] = []
        self.validators = _validators()
        self.present: dict[str, set[str]] = {name: set() for name in ORDER}
        self.conn = self.db.conn
        self._sql: dict[tuple, str] = {}
        self.open_conflicts = {
            (e, i, f)
            for e, i, f in self.db.execute(
                "SELECT entity, entity_id, field FROM conflicts WHERE resolved_at IS NULL"
            )
        }

    # one record -----------------------------------------------------------------------------
    def record(self, name: str, rec: Any, where: str) -> None:
        try:
            values, versions = self._validate(name, rec)
        except _Invalid as exc:
            raise BundleError(f"{where}: expected {exc}.") from None
        newest = max((v[0] for v in versions.values()), default=values.get("hlc", 0))
        kstr = _key_str(name, values)
        if newest > self.limit_hlc:
            ahead = ((newest >> COUNTER_BITS) - time.time_ns() // 1_000_000) / 3_600_000
            self._quarantine(name, kstr, rec, f"stamped {ahead:.0f} hours in the future")
            return
        missing = self._missing_parent(name, values)
        if missing is not None:
            parent, pkey = missing
            if pkey in self.quarantined[parent]:
                self._quarantine(name, kstr, rec, f"its {parent[:-1]} {pkey} is quarantined")
                return
            raise BundleError(
                f"{where}: refers to {parent[:-1]} {pkey}, which is neither in "
                "this bundle nor in this workspace (import the earlier bundle "
                "from the same origin first)."
            )
        self.max_hlc = max(self.max_hlc, newest)
        if name == "analysts":
            self._merge_analyst(values)
        elif name == "reviews":
            self._merge_review(values, where)
        else:
            if name == "annotations":
                length = self._doc_length(values["document_id"])
                if values["end"] > length:
                    raise BundleError(
                        f"{where}: the span {values['start']}–{values['end']} "
                        f"lies outside its document (0–{length})."
                    )
            if name == "documents":
                self._blob(values, where)
            self._merge_row(ENTITIES[name], values, versions, kstr, where, rec)
            if len(ENTITIES[name].key) == 1:
                self.present[name].add(kstr)

    def _validate(self, name: str, rec: Any) -> tuple[dict, dict[str, Version]]:
        checks = self.validators[name]
        versioned = name in ENTITIES
        if not isinstance(rec, dict) or set(rec) != ({"v", "d", "c"} if versioned else {"v"}):
            raise _Invalid("a record object with " + ("v, d and c" if versioned else "v"))
        values = rec["v"]
        if not isinstance(values, dict):
            raise _Invalid("field values in v")
        missing = set(checks) - set(values)
        extra = set(values) - set(checks)
        if missing or (extra and not self.opened.newer_minor):
            raise _Invalid(f"exactly the fields {', '.join(sorted(checks))}")
        for col, check in checks.items():
            try:
                check(values[col])
            except _Invalid as exc:
                raise _Invalid(f"{col} to be {exc}") from None
        values = {c: values[c] for c in checks}
        _check_semantics(name, values)
        if not versioned:
            return values, {}
        ent = ENTITIES[name]
        default = _parse_version(rec["d"])
        overrides = rec["c"]
        if not isinstance(overrides, dict) or not set(overrides) <= set(ent.fields):
            raise _Invalid("versions only for merged fields")
        versions = {
            f: _parse_version(overrides[f]) if f in overrides else default for f in ent.fields
        }
        return values, versions

    def _missing_parent(self, name: str, values: dict) -> tuple[str, str] | None:
        for col, parent in REFERENCES.get(name, ()):
            ref = values[col]
            if ref is None or ref in self.present[parent]:
                continue
            pk = ENTITIES[parent].key[0]
            if (
                self.conn.execute(f"SELECT 1 FROM {parent} WHERE {_q(pk)} = ?", [ref]).fetchone()
                is None
            ):
                return parent, ref
            self.present[parent].add(ref)
        return None

    def _quarantine(self, name: str, kstr: str, rec: Any, reason: str) -> None:
        self.quarantined[name].add(kstr)
        self.counts[name].quarantined += 1
        qid = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{self.bundle_id}/{name}/{kstr}"))
        self.db.execute(
            "INSERT OR REPLACE INTO quarantine(id, bundle_id, origin, entity, entity_key, record,"
            " reason, received_at) VALUES (?,?,?,?,?,?,?,?)",
            [
                qid,
                self.bundle_id,
                self.opened.info.origin,
                name,
                kstr,
                canonical(rec).decode(),
                reason,
                self.tx.now,
            ],
        )

    def _doc_length(self, doc_id: str) -> int:
        n = self.doc_lengths.get(doc_id)
        if n is None:
            row = self.db.execute("SELECT text FROM documents WHERE id = ?", [doc_id]).fetchone()
            n = self.doc_lengths[doc_id] = len(row[0] or "") if row else 0
        return n

    def _blob(self, values: dict, where: str) -> None:
        sha = values["sha256"]
        member = self.opened.members.get(f"blobs/sha256/{sha}")
        target = self.ws.blob_path(sha)
        if member is None:
            if not target.exists():
                raise BundleError(
                    f"{where}: the document arrives without its original file, "
                    "and this workspace does not have it."
                )
            return
        if target.exists() or self.dry_run:
            return
        if not target.parent.exists():
            target.parent.mkdir(parents=True)
            self.dirs_made.append(target.parent)
        tmp = target.with_name(f"{target.name}.{uuid.uuid4().hex[:8]}.tmp")
        digest = hashlib.sha256()
        try:
            with open(tmp, "wb") as out:
                for chunk in zipsafe.read_chunks(self.opened.fh, member, member.size):
                    digest.update(chunk)
                    out.write(chunk)
            if digest.hexdigest() != sha:
                raise BundleError(f"{where}: its original file does not match its hash.")
            os.replace(tmp, target)
        finally:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
        self.blobs_written.append(target)

    # merging --------------------------------------------------------------------------------
    def _merge_analyst(self, values: dict) -> None:
        c = self.counts["analysts"]
        local = store.row(self.db, "SELECT * FROM analysts WHERE id = ?", [values["id"]])
        if local is None:
            self._insert("analysts", values)
            c.new += 1
            return
        local = {k: local[k] for k in ANALYST_COLUMNS}
        if local == values or (values["public_key"] is None and local["public_key"]):
            c.unchanged += 1  # a name-only entry never replaces a keyed one
        elif (values["hlc"], _value_sha(values)) > (local["hlc"] or 0, _value_sha(local)):
            self._update("analysts", ("id",), values)
            c.updated += 1
        else:
            c.unchanged += 1

    def _merge_review(self, values: dict, where: str) -> None:
        c = self.counts["reviews"]
        found = self.conn.execute(
            f"SELECT {', '.join(REVIEW_COLUMNS)} FROM reviews WHERE id = ?", [values["id"]]
        ).fetchone()
        local = dict(zip(REVIEW_COLUMNS, found, strict=True)) if found else None
        if local is None:
            self._insert("reviews", values)
            self.reviews.add(values["id"])
            self._sync_plain("reviews", values["id"], values["hlc"])
            c.new += 1
            return
        local = {k: local[k] for k in REVIEW_COLUMNS}
        if local == values:
            c.unchanged += 1
            return
        # reviews never change: two different rows under one id lost nothing only if both stay
        remote_wins = (values["hlc"], _value_sha(values)) > (local["hlc"] or 0, _value_sha(local))
        lv = (local["hlc"] or 0, "", local["reviewer_id"], local["created_at"] or "", ())
        rv = (
            values["hlc"],
            self.opened.info.origin,
            values["reviewer_id"],
            values["created_at"] or "",
            (),
        )
        if self._conflict(
            "reviews",
            values["id"],
            "*",
            local,
            lv,
            values,
            rv,
            "remote" if remote_wins else "local",
        ):
            c.conflicting += 1
        if remote_wins:
            self._update("reviews", ("id",), values)
            self._sync_plain("reviews", values["id"], values["hlc"])
            c.updated += 1
        else:
            c.unchanged += 1

    def _merge_row(
        self,
        ent: Entity,
        values: dict,
        remote: dict[str, Version],
        kstr: str,
        where: str,
        rec: dict,
    ) -> None:
        c = self.counts[ent.name]
        keyvals = [values[k] for k in ent.key]
        names = (*ent.columns, "hlc", "updated_at", "updated_by")
        sql = self._sql.get(("select", ent.name))
        if sql is None:
            sql = self._sql["select", ent.name] = (
                f"SELECT {', '.join(_q(x) for x in names)} FROM {ent.name} WHERE "
                + " AND ".join(f"{_q(k)} = ?" for k in ent.key)
            )
        found = self.conn.execute(sql, keyvals).fetchone()
        if found is None:
            top = max(remote.values(), key=lambda v: (v[0], v[1]))
            row = {**values, "hlc": top[0], "updated_at": top[3], "updated_by": top[2]}
            self._insert(ent.name, row)
            self.conn.execute(  # a new row keeps the versions exactly as they came
                "INSERT OR REPLACE INTO sync_state(entity, key, row_hlc, hashes, versions, seq)"
                " VALUES (?,?,?,?,?,?)",
                [
                    ent.name,
                    kstr,
                    row["hlc"],
                    _hashes(ent, row),
                    canonical({**rec["c"], "*": rec["d"]}).decode(),
                    self.seq,
                ],
            )
            self._changed(ent.name, values)
            c.new += 1
            return
        local = dict(zip(names, found, strict=True))
        for col in ent.fixed:
            if local[col] != values[col]:
                raise BundleError(
                    f"{where}: its {col} differs from this workspace's copy "
                    f"({values[col]!r} here {local[col]!r}); the record is not "
                    "the same entity."
                )
        found = self.conn.execute(
            "SELECT row_hlc, hashes, versions FROM sync_state WHERE entity = ? AND key = ?",
            [ent.name, kstr],
        ).fetchone()
        sync = dict(zip(("row_hlc", "hashes", "versions"), found, strict=True)) if found else None
        mine, hashes = effective_versions(ent, local, sync, self.replica)
        merged = dict(mine)
        new_values: dict[str, Any] = {}
        conflicted = False
        for f in ent.fields:
            lv, rv = mine[f], remote[f]
            lval, rval = local[f], values[f]
            if lv == rv and lval == rval:
                continue
            remote_wins = _order(rv, rval) > _order(lv, lval)
            if remote_wins:
                merged[f] = rv
                if rval != lval:
                    new_values[f] = rval
            if lval != rval:
                winner, lost = (rv, lval) if remote_wins else (lv, rval)
                if _field_hash(lost) not in winner[4] and self._conflict(
                    ent.name, kstr, f, lval, lv, rval, rv, "remote" if remote_wins else "local"
                ):
                    conflicted = True
            if merged[f] != mine[f] and (ent.name, kstr, f) in self.open_conflicts:
                self._settle(ent.name, kstr, f, merged[f], new_values.get(f, lval))
        for a, b in ent.quiet:
            ours = (local[a] is None, local[a] or "", local[b] or "")
            theirs = (values[a] is None, values[a] or "", values[b] or "")
            if theirs < ours:
                new_values[a], new_values[b] = values[a], values[b]
        if conflicted:
            c.conflicting += 1
        if not new_values and merged == mine:
            if hashes is not None:  # local edits stamped while looking: remember them
                self._write_sync(ent, kstr, local, mine, hashes=hashes)
            c.unchanged += 1
            return
        top = max(merged.values(), key=lambda v: (v[0], v[1]))
        sets = {**new_values, "hlc": top[0], "updated_at": top[3], "updated_by": top[2]}
        self.db.execute(
            f"UPDATE {ent.name} SET {', '.join(f'{_q(k)} = ?' for k in sets)} WHERE "
            + " AND ".join(f"{_q(k)} = ?" for k in ent.key),
            [*sets.values(), *keyvals],
        )
        row = {**local, **sets}
        self._write_sync(ent, kstr, row, merged)
        if any(f in ent.fields for f in new_values):
            self._changed(ent.name, row)
            c.updated += 1
            if new_values.get("deleted") == 1 and not local.get("deleted"):
                c.removed += 1
        else:
            c.unchanged += 1

    def _conflict(
        self,
        entity: str,
        kstr: str,
        fname: str,
        lval: Any,
        lv: Version,
        rval: Any,
        rv: Version,
        winner: str,
    ) -> bool:
        loser = lv if winner == "remote" else rv
        cid = str(
            uuid.uuid5(uuid.NAMESPACE_URL, f"assay-conflict/{entity}/{kstr}/{fname}/{token(loser)}")
        )
        cur = self.db.execute(
            "INSERT OR IGNORE INTO conflicts(id, entity, entity_id, field, local_value,"
            " remote_value, local_hlc, remote_hlc, winner, bundle_id, created_at,"
            " local_version, remote_version) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            [
                cid,
                entity,
                kstr,
                fname,
                canonical(lval).decode(),
                canonical(rval).decode(),
                lv[0],
                rv[0],
                winner,
                self.bundle_id,
                self.tx.now,
                canonical(_version_json(lv)).decode(),
                canonical(_version_json(rv)).decode(),
            ],
        )
        if cur.rowcount:
            self.new_conflicts.append(cid)
            self.open_conflicts.add((entity, kstr, fname))
            return True
        return False

    def _settle(self, entity: str, kstr: str, fname: str, version: Version, value: Any) -> None:
        """Close conflicts the incoming value already settled: its writer had both sides."""
        seen = {_field_hash(value), *version[4]}
        for cid, lval, rval in self.db.execute(
            "SELECT id, local_value, remote_value FROM conflicts WHERE entity = ? AND"
            " entity_id = ? AND field = ? AND resolved_at IS NULL",
            [entity, kstr, fname],
        ).fetchall():
            if {_field_hash(json.loads(lval)), _field_hash(json.loads(rval))} <= seen:
                self.db.execute(
                    "UPDATE conflicts SET resolved_at = ?, resolved_by = ?, resolution = ?"
                    " WHERE id = ?",
                    [version[3], version[2], canonical(value).decode(), cid],
                )

    def _insert(self, table: str, row: dict) -> None:
        shape = ("insert", table, *row)
        sql = self._sql.get(shape)
        if sql is None:
            cols = ", ".join(_q(c) for c in row)
            sql = self._sql[shape] = (
                f"INSERT INTO {table} ({cols}) VALUES ({','.join('?' * len(row))})"
            )
        self.conn.execute(sql, list(row.values()))

    def _update(self, table: str, key: tuple[str, ...], row: dict) -> None:
        sets = {k: v for k, v in row.items() if k not in key}
        self.db.execute(
            f"UPDATE {table} SET {', '.join(f'{_q(k)} = ?' for k in sets)} WHERE "
            + " AND ".join(f"{_q(k)} = ?" for k in key),
            [*sets.values(), *(row[k] for k in key)],
        )

    def _write_sync(
        self,
        ent: Entity,
        kstr: str,
        row: dict,
        versions: dict[str, Version],
        *,
        hashes: str | None = None,
    ) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO sync_state(entity, key, row_hlc, hashes, versions, seq)"
            " VALUES (?,?,?,?,?,?)",
            [
                ent.name,
                kstr,
                row["hlc"],
                hashes or _hashes(ent, row),
                canonical(_compress(versions)).decode(),
                self.seq,
            ],
        )

    def _sync_plain(self, entity: str, kstr: str, hlc: int) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO sync_state(entity, key, row_hlc, hashes, versions, seq)"
            " VALUES (?,?,?,'','',?)",
            [entity, kstr, hlc, self.seq],
        )

    def _changed(self, name: str, row: dict) -> None:
        if name == "documents":
            self.index["document"].add(row["id"])
        elif name in ("annotations",):
            self.index["annotation"].add(row["id"])
        elif name in ("claims", "annotation_tags"):
            self.index["annotation"].add(row["annotation_id"])
        elif name == "sources":
            self.changed_sources.add(row["id"])
        elif name == "tags":
            self.changed_tags.add(row["id"])

    def check_tag_parents(self) -> None:
        bad = self.db.execute(
            "SELECT t.id, t.parent_id FROM tags t WHERE t.parent_id IS NOT NULL AND NOT EXISTS"
            " (SELECT 1 FROM tags p WHERE p.id = t.parent_id) LIMIT 1"
        ).fetchone()
        if bad:
            raise BundleError(
                f"records/tags.jsonl: tag {bad[0]} has a parent {bad[1]} that is "
                "neither in this bundle nor in this workspace."
            )

    def queue_index(self) -> None:
        docs, anns = self.index["document"], self.index["annotation"]
        for sid in self.changed_sources:
            for (doc,) in self.db.execute("SELECT id FROM documents WHERE source_id = ?", [sid]):
                docs.add(doc)
        for doc in list(docs):
            anns.update(
                r[0]
                for r in self.db.execute("SELECT id FROM annotations WHERE document_id = ?", [doc])
            )
        for tid in self.changed_tags:
            anns.update(
                r[0]
                for r in self.db.execute(
                    "SELECT annotation_id FROM annotation_tags WHERE tag_id = ?", [tid]
                )
            )
        self.db.conn.executemany(
            "INSERT INTO index_queue(entity, entity_id, op) VALUES (?, ?, 'update')",
            [("document", i) for i in sorted(docs)] + [("annotation", i) for i in sorted(anns)],
        )

    def remove_written_blobs(self) -> None:
        for path in self.blobs_written:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        for d in reversed(self.dirs_made):
            with contextlib.suppress(OSError):
                d.rmdir()


def _iter_lines(opened: _Opened, member: zipsafe.Member) -> Iterator[tuple[int, bytes]]:
    buf = bytearray()
    n = 0
    for chunk in zipsafe.read_chunks(opened.fh, member, member.size):
        buf += chunk
        start = 0
        while (i := buf.find(b"\n", start)) >= 0:
            n += 1
            yield n, bytes(buf[start:i])
            start = i + 1
        del buf[:start]
        if len(buf) > MAX_LINE_BYTES:
            raise BundleError(
                f"{member.name}: record {n + 1} is longer than {MAX_LINE_BYTES:,} bytes."
            )
    if buf:
        raise BundleError(f"{member.name} does not end with a complete record.")


# -- the Workspace methods --------------------------------------------------------------------
class BundlesMixin:
    """Workspace methods for bundles, keys and conflicts (mixed into Workspace)."""

    # keys -----------------------------------------------------------------------------------
    def keys(self) -> list[KeyInfo]:
        """The local keyring: keys trusted (or revoked) on this workstation."""
        mine = _compact_fp(keys.fingerprint(keys.public_raw(self.signing_key.public_key())))
        return [
            KeyInfo(
                r["fingerprint"],
                r["name"] or "",
                r["analyst_id"] or "",
                r["role"],
                r["trusted_at"],
                r["revoked_at"],
                _compact_fp(r["fingerprint"]) == mine,
            )
            for r in store.rows(
                self.db,
                "SELECT k.fingerprint, k.name, k.analyst_id, k.trusted_at, k.revoked_at, a.role"
                " FROM keyring k LEFT JOIN analysts a ON a.id = k.analyst_id"
                " ORDER BY k.name COLLATE NOCASE, k.fingerprint",
            )
        ]

    def my_key(self) -> KeyInfo:
        raw = keys.public_raw(self.signing_key.public_key())
        return KeyInfo(
            keys.fingerprint(raw),
            self.profile.name,
            self.profile.id,
            self.profile.role,
            None,
            None,
            True,
        )

    def export_public_key(self, path: str | Path) -> KeyInfo:
        """Write the active analyst's public key (name, id, role, key, fingerprint) to PATH."""
        raw = keys.public_raw(self.signing_key.public_key())
        info = self.my_key()
        doc = {
            "assay_public_key": 1,
            "name": self.profile.name,
            "analyst_id": self.profile.id,
            "role": self.profile.role,
            "public_key": keys.encode_public(raw),
            "fingerprint": info.fingerprint,
        }
        path = Path(path)
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.partial")
        tmp.write_text(
            json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        os.replace(tmp, path)
        return info

    def trust_key(self, source: str | Path, expected_fingerprint: str) -> KeyInfo:
        """Trust a colleague's key, once the fingerprint read out of band matches it."""
        text = str(source)
        if not text.lstrip().startswith("{"):
            try:
                text = Path(source).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise keys.KeyProblem(f"Cannot read the key file {source}: {exc}") from exc
        try:
            doc = strict_loads(text, "The key file")
        except BundleError as exc:
            raise keys.KeyProblem(str(exc)) from None
        if not (
            isinstance(doc, dict)
            and isinstance(doc.get("public_key"), str)
            and isinstance(doc.get("name"), str)
            and isinstance(doc.get("analyst_id"), str)
            and ID_RE.fullmatch(doc["analyst_id"])
        ):
            raise keys.KeyProblem(
                "That is not an Assay public key file (made by `assay keys export`)."
            )
        public = keys.decode_public(doc["public_key"])
        raw = keys.public_raw(public)
        actual = keys.fingerprint(raw)  # computed from the key, never taken from the file
        typed = _compact_fp(expected_fingerprint)
        if len(typed) < 16:
            raise keys.KeyProblem(
                "Type at least the first 16 hex digits of the fingerprint, "
                "as read out by the key's owner."
            )
        if not _compact_fp(actual).startswith(typed):
            raise keys.KeyProblem(
                f"The key in this file has fingerprint {actual}, which does not match the "
                f"{_format_fp(typed)} you were given; it was NOT trusted. Check with its owner "
                "over a separate channel."
            )
        with self._write() as tx:
            tx.db.execute(
                "INSERT INTO keyring(fingerprint, public_key, name, analyst_id, trusted_at,"
                " revoked_at) VALUES (?,?,?,?,?,NULL) ON CONFLICT(fingerprint) DO UPDATE SET"
                " name = excluded.name, analyst_id = excluded.analyst_id,"
                " trusted_at = excluded.trusted_at, revoked_at = NULL",
                [actual, keys.encode_public(raw), doc["name"], doc["analyst_id"], tx.now],
            )
            tx.audit(
                "trust key", "key", actual, {"name": doc["name"], "analyst_id": doc["analyst_id"]}
            )
        return KeyInfo(actual, doc["name"], doc["analyst_id"], doc.get("role"), tx.now, None, False)

    def _find_key(self, fingerprint: str) -> dict:
        typed = _compact_fp(fingerprint)
        if len(typed) < 16:
            raise NotFound("Give at least the first 16 hex digits of the key's fingerprint.")
        found = [
            r
            for r in store.rows(self.db, "SELECT * FROM keyring")
            if _compact_fp(r["fingerprint"]).startswith(typed)
        ]
        if not found:
            raise NotFound(f"No key with fingerprint {_format_fp(typed)} in this keyring.")
        if len(found) > 1:
            raise NotFound("Several keys start with that fingerprint; give more of it.")
        return found[0]

    def revoke_key(self, fingerprint: str) -> KeyInfo:
        """Stop trusting a key: bundles it signed are refused from now on."""
        row = self._find_key(fingerprint)
        with self._write() as tx:
            tx.db.execute(
                "UPDATE keyring SET revoked_at = ? WHERE fingerprint = ?",
                [tx.now, row["fingerprint"]],
            )
            tx.audit("revoke key", "key", row["fingerprint"], {"name": row["name"]})
        return KeyInfo(
            row["fingerprint"],
            row["name"] or "",
            row["analyst_id"] or "",
            None,
            row["trusted_at"],
            tx.now,
            False,
        )

    # reading and checking bundles -----------------------------------------------------------
    def _open_bundle(
        self, path: Path, stage: Path, fh: BinaryIO, *, require_trust: bool
    ) -> _Opened:
        size = stage.stat().st_size
        try:
            members, cd_offset = zipsafe.read_directory(fh, size, max_members=MAX_MEMBERS)
        except zipsafe.ZipProblem as exc:
            raise BundleError(f"{path.name} is not a readable bundle: {exc}.") from None
        _check_member_names(path, members)
        by_name = {m.raw_name.decode("ascii"): m for m in members}
        try:
            for m in members:
                zipsafe.locate(fh, m, cd_offset)
        except zipsafe.ZipProblem as exc:
            raise BundleError(f"{path.name} is damaged: {exc}.") from None
        for name in ("manifest.json", "manifest.sig"):
            if name not in by_name:
                raise BundleError(f"{path.name} has no {name}; it is not a signed bundle.")
        mm, sm = by_name["manifest.json"], by_name["manifest.sig"]
        if mm.size > MAX_MANIFEST_BYTES:
            raise BundleError(f"{path.name}: manifest.json is too large.")
        if sm.size != 64:
            raise BundleError(f"{path.name}: manifest.sig is not an Ed25519 signature.")
        try:
            manifest_bytes = b"".join(zipsafe.read_chunks(fh, mm, MAX_MANIFEST_BYTES))
            signature = b"".join(zipsafe.read_chunks(fh, sm, 64))
        except zipsafe.ZipProblem as exc:
            raise BundleError(f"{path.name} is damaged: {exc}.") from None
        manifest = strict_loads(manifest_bytes, f"{path.name}: manifest.json")
        newer = _check_manifest(path, manifest)
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
        try:
            zipsafe.check_canonical(fh, members, cd_offset, size)
        except zipsafe.ZipProblem as exc:
            raise BundleError(f"{path.name} is damaged or was altered: {exc}.") from None
        signer = manifest["signer"]
        fp = _format_fp(signer["fingerprint"])
        trusted, problem = self._check_signature(
            path, manifest_bytes, signature, signer, require_trust
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
            fingerprint=fp,
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
        return _Opened(path, fh, by_name, manifest, manifest_bytes, mhash, info, newer)

    def _check_signature(
        self, path: Path, data: bytes, signature: bytes, signer: dict, require_trust: bool
    ) -> tuple[bool, str | None]:
        compact = signer["fingerprint"]
        fp = _format_fp(compact)
        row = next(
            (
                r
                for r in store.rows(self.db, "SELECT * FROM keyring")
                if _compact_fp(r["fingerprint"]) == compact
            ),
            None,
        )
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
            if _compact_fp(keys.fingerprint(keys.public_raw(public))) != compact:
                problem = f"The keyring entry for {fp} is damaged; trust the key again."
            elif not keys.verify(public, signature, data):
                raise BundleError(
                    f"{path.name}: the signature does not match the manifest; "
                    "the bundle was altered after it was signed, or is damaged."
                )
        if problem and require_trust:
            raise BundleError(problem)
        return problem is None, problem

    def _check_hashes(self, opened: _Opened, progress: Progress | None = None, cancel=None) -> None:
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

    def verify_bundle(self, path: str | Path) -> BundleInfo:
        """Check a bundle without importing it: container, signature, signer, hashes, counts."""
        path = Path(path)
        with _staged(path) as stage, open(stage, "rb") as fh:
            opened = self._open_bundle(path, stage, fh, require_trust=True)
            self._check_hashes(opened)
        return opened.info

    def show_bundle(self, path: str | Path) -> tuple[BundleInfo, dict]:
        """What a bundle holds (manifest, counts); an untrusted signer is reported, not refused."""
        path = Path(path)
        with _staged(path) as stage, open(stage, "rb") as fh:
            opened = self._open_bundle(path, stage, fh, require_trust=False)
            self._check_hashes(opened)
        return opened.info, opened.manifest

    def preview_bundle(self, path: str | Path) -> ImportPreview:
        """Per entity: what importing would add, update, leave, conflict or quarantine."""
        return self._import(Path(path), dry_run=True)

    def import_bundle(
        self, path: str | Path, progress: Progress | None = None, cancel=None
    ) -> ImportResult:
        """Verify and apply a bundle in one transaction; nothing changes if anything is wrong."""
        return self._import(Path(path), dry_run=False, progress=progress, cancel=cancel)

    def _import(self, path: Path, *, dry_run: bool, progress: Progress | None = None, cancel=None):
        from .workspace import Changes

        started = time.perf_counter()
        with _staged(path) as stage, open(stage, "rb") as fh:
            opened = self._open_bundle(path, stage, fh, require_trust=True)
            self._check_hashes(opened, progress, cancel)
            info = opened.info
            seen = self.db.execute(
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
        self._undo.clear()  # earlier steps would undo on top of merged state
        changes = Changes(
            documents=set(merge.index["document"]),
            annotations=set(merge.index["annotation"]),
            sources=set(merge.changed_sources),
            tags=set(merge.changed_tags),
            reviews=set(merge.reviews),
            index=True,
        )
        indexed = 0
        if not self._defer_index:
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
        result.log = _import_log(result)
        return result

    def _apply(
        self, opened: _Opened, *, dry_run: bool, progress: Progress | None, cancel
    ) -> _Merge:
        total = sum(opened.manifest["counts"].get(n, 0) for n in ORDER) or 1
        journal = self.path / "import.journal"
        made_journal = False
        merge: _Merge | None = None
        try:
            with self._write() as tx:
                seq = self._next_seq(tx)
                merge = _Merge(self, tx, opened, dry_run=dry_run, seq=seq)
                if not dry_run and opened.manifest["counts"].get("blobs") and not journal.exists():
                    journal.write_text(str(os.getpid()))  # orphan blobs are swept after a crash
                    made_journal = True
                done = 0
                for name in ORDER:
                    member = opened.members[f"records/{name}.jsonl"]
                    for n, line in _iter_lines(opened, member):
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
                        _compact_fp(info.fingerprint),
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
                        "fingerprint": _compact_fp(info.fingerprint),
                        "counts": summary,
                        "conflicts": len(merge.new_conflicts),
                    },
                )
                if dry_run:
                    raise _Rollback()
                if merge.max_hlc:
                    self.clock.observe(merge.max_hlc)  # later local edits win over these
        except _Rollback:
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

    def _next_seq(self, tx) -> int:
        seq = int(store.get_meta(tx.db, "sync_seq", "0") or 0) + 1
        store.set_meta(tx.db, "sync_seq", str(seq))
        return seq

    # reconciling local edits ----------------------------------------------------------------
    def _reconcile_all(self, tx, seq: int) -> int:
        """Give fields edited here since the last reconcile their versions; returns rows touched."""
        db, touched = tx.db, 0
        for name in ORDER:
            if name in ENTITIES:
                ent = ENTITIES[name]
                rowids = [
                    r[0]
                    for r in db.execute(
                        f"SELECT t.rowid FROM {name} t LEFT JOIN sync_state s ON s.entity = ?"
                        f" AND s.key = {_key_sql(name, 't')}"
                        " WHERE s.row_hlc IS NULL OR s.row_hlc != t.hlc",
                        [name],
                    )
                ]
                cols = ", ".join(
                    f"t.{_q(c)}" for c in (*ent.columns, "hlc", "updated_at", "updated_by")
                )
                for i in range(0, len(rowids), 500):
                    chunk = rowids[i : i + 500]
                    batch = []
                    for r in store.rows(
                        db,
                        f"SELECT {cols}, s.row_hlc, s.hashes, s.versions FROM {name} t"
                        f" LEFT JOIN sync_state s ON s.entity = ? AND s.key = {_key_sql(name, 't')}"
                        f" WHERE t.rowid IN ({','.join('?' * len(chunk))})",
                        [name, *chunk],
                    ):
                        sync = r if r["row_hlc"] is not None else None
                        versions, hashes = effective_versions(ent, r, sync, self.replica_id)
                        batch.append(
                            (
                                name,
                                _key_str(name, r),
                                r["hlc"],
                                hashes or r["hashes"],
                                canonical(_compress(versions)).decode(),
                                seq,
                            )
                        )
                    db.conn.executemany(
                        "INSERT OR REPLACE INTO sync_state(entity, key, row_hlc, hashes,"
                        " versions, seq) VALUES (?,?,?,?,?,?)",
                        batch,
                    )
                    touched += len(batch)
            else:
                cur = db.execute(
                    "INSERT OR REPLACE INTO sync_state(entity, key, row_hlc, hashes, versions,"
                    f" seq) SELECT ?, t.id, coalesce(t.hlc, 0), '', '', ? FROM {name} t"
                    " LEFT JOIN sync_state s ON s.entity = ? AND s.key = t.id"
                    " WHERE s.row_hlc IS NULL OR s.row_hlc != coalesce(t.hlc, 0)",
                    [name, seq, name],
                )
                touched += cur.rowcount
        return touched

    # export ---------------------------------------------------------------------------------
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
        from desktop.core.kernel.ids import normalise_tag
        from desktop.core.kernel.records import STATUSES

        dest = Path(dest)
        ceiling = (ceiling or "RED").upper().removeprefix("TLP:")
        if ceiling not in MARKINGS:
            raise BundleError(f"Marking ceiling must be one of {', '.join(MARKINGS)}.")
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
        with self._write() as tx:
            db = tx.db
            seq = self._next_seq(tx)
            self._reconcile_all(tx, seq)
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
            where = _Selection(
                db, selection, sorted(analyst_ids) if analyst_ids else None, watermark
            )
            manifest_files, counts = [], {}
            signer_raw = keys.public_raw(self.signing_key.public_key())
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
                        source = self.blob_path(sha)
                        if not source.exists():
                            raise BundleError(
                                f"The original file of a document (blob {sha[:12]}…)"
                                " is missing from this workspace; run `assay check`."
                            )
                        size, digest = writer.write(f"blobs/sha256/{sha}", _file_chunks(source))
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
                        "format": FORMAT,
                        "version": FORMAT_VERSION,
                        "bundle_id": str(uuid.uuid4()),
                        "origin": {"replica": self.replica_id, "name": self.name},
                        "signer": {
                            "analyst_id": self.profile.id,
                            "name": self.profile.name,
                            "fingerprint": _compact_fp(keys.fingerprint(signer_raw)),
                        },
                        "created": tx.now,
                        "created_hlc": self.clock.now(),
                        "prev": prev,
                        "selection": {k: v for k, v in selection.items()},
                        "files": sorted(manifest_files, key=lambda f: f["path"]),
                        "counts": counts,
                    }
                    manifest_bytes = canonical(manifest)
                    writer.write("manifest.json", [manifest_bytes])
                    writer.write("manifest.sig", [keys.sign(self.signing_key, manifest_bytes)])
                    writer.close()
                    fh.flush()
                    os.fsync(fh.fileno())
                    size = fh.tell()
                os.replace(tmp, dest)
                _fsync_dir(dest.parent)
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
            version=FORMAT_VERSION,
            origin=self.replica_id,
            origin_name=self.name,
            signer_id=self.profile.id,
            signer_name=self.profile.name,
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
        return store.rows(self.db, sql + " ORDER BY seq", args)

    def bundles_received(self) -> list[dict]:
        return store.rows(self.db, "SELECT * FROM bundles_seen ORDER BY imported_at")

    def quarantined(self) -> list[dict]:
        """Records that were stamped too far in the future to apply, as received."""
        return store.rows(self.db, "SELECT * FROM quarantine ORDER BY received_at, entity")

    # conflicts ------------------------------------------------------------------------------
    def conflicts(self, unresolved_only: bool = True) -> list[Conflict]:
        """Values that lost a merge, with both sides, newest first."""
        sql = "SELECT * FROM conflicts"
        if unresolved_only:
            sql += " WHERE resolved_at IS NULL"
        out = []
        for r in store.rows(self.db, sql + " ORDER BY created_at DESC, id"):
            lv = json.loads(r["local_version"]) if r["local_version"] else [0, "", "", "", []]
            rv = json.loads(r["remote_version"]) if r["remote_version"] else [0, "", "", "", []]
            out.append(
                Conflict(
                    id=r["id"],
                    entity=r["entity"],
                    entity_id=r["entity_id"],
                    field=r["field"],
                    local_value=json.loads(r["local_value"]),
                    remote_value=json.loads(r["remote_value"]),
                    local_by=lv[2],
                    remote_by=rv[2],
                    local_at=lv[3],
                    remote_at=rv[3],
                    winner=r["winner"],
                    current_value=self._current_value(r["entity"], r["entity_id"], r["field"]),
                    bundle_id=r["bundle_id"],
                    created_at=r["created_at"],
                    resolved_at=r["resolved_at"],
                    resolved_by=r["resolved_by"],
                    resolution=json.loads(r["resolution"]) if r["resolution"] else None,
                    label=self._conflict_label(r["entity"], r["entity_id"]),
                )
            )
        return out

    def _current_value(self, entity: str, kstr: str, fname: str) -> Any:
        if entity not in ENTITIES:
            return None
        ent = ENTITIES[entity]
        row = store.row(
            self.db,
            f"SELECT {_q(fname)} FROM {entity} WHERE "
            + " AND ".join(f"{_q(k)} = ?" for k in ent.key),
            kstr.split("|"),
        )
        return row[fname] if row else None

    def _conflict_label(self, entity: str, kstr: str) -> str:
        key = kstr.split("|")[0]
        sql = {
            "documents": "SELECT title FROM documents WHERE id = ?",
            "annotations": "SELECT coalesce(c.statement, a.quote) FROM annotations a LEFT JOIN"
            " claims c ON c.annotation_id = a.id WHERE a.id = ?",
            "claims": "SELECT statement FROM claims WHERE annotation_id = ?",
            "annotation_tags": "SELECT quote FROM annotations WHERE id = ?",
            "tags": "SELECT name FROM tags WHERE id = ?",
            "sources": "SELECT name FROM sources WHERE id = ?",
            "links": "SELECT relation FROM links WHERE id = ?",
            "reviews": "SELECT decision FROM reviews WHERE id = ?",
        }.get(entity)
        row = self.db.execute(sql, [key]).fetchone() if sql else None
        return (row[0] or "")[:120] if row else ""

    def resolve_conflict(self, conflict_id: str, choice: str = "local", value: Any = None):
        """A supervisor settles a conflict: keep a side or write a new value (travels onwards)."""
        from desktop.core.kernel.errors import PermissionDenied

        if not self.is_supervisor:
            raise PermissionDenied("Only a supervisor resolves merge conflicts.")
        if choice not in ("local", "remote", "value"):
            raise ConflictError("Choose local, remote, or value (with a new value).")
        rows = store.rows(
            self.db,
            "SELECT * FROM conflicts WHERE id = ? OR id LIKE ?",
            [conflict_id, conflict_id + "%" if len(conflict_id) >= 4 else ""],
        )
        if len(rows) != 1:
            raise NotFound(f"No single conflict with id {conflict_id}.")
        c = rows[0]
        if c["resolved_at"]:
            raise ConflictError(
                f"That conflict was resolved on {c['resolved_at'][:10]} by {c['resolved_by']}."
            )
        if choice == "local":
            chosen = json.loads(c["local_value"])
        elif choice == "remote":
            chosen = json.loads(c["remote_value"])
        else:
            chosen = value
        with self._write() as tx:
            if c["entity"] in ENTITIES and c["field"] != "*":
                self._write_resolution(tx, c, chosen)
            tx.db.execute(
                "UPDATE conflicts SET resolved_at = ?, resolved_by = ?,"
                " resolution = ? WHERE id = ?",
                [tx.now, tx.actor, canonical(chosen).decode(), c["id"]],
            )
            tx.audit(
                "resolve conflict",
                c["entity"],
                c["entity_id"],
                {"conflict": c["id"], "field": c["field"], "choice": choice, "value": chosen},
            )
        if tx.changes.index and not self._defer_index:
            self.index_pending()
        return tx.changes

    def _write_resolution(self, tx, c: dict, chosen: Any) -> None:
        ent = ENTITIES[c["entity"]]
        fname = c["field"]
        check = _validators()[ent.name][fname]
        try:
            check(chosen)
        except _Invalid as exc:
            raise ConflictError(f"{fname} must be {exc}.") from None
        keyvals = c["entity_id"].split("|")
        cols = ", ".join(_q(x) for x in (*ent.columns, "hlc", "updated_at", "updated_by"))
        where = " AND ".join(f"{_q(k)} = ?" for k in ent.key)
        local = store.row(tx.db, f"SELECT {cols} FROM {ent.name} WHERE {where}", keyvals)
        if local is None:
            raise NotFound(f"The {ent.name[:-1]} of this conflict no longer exists.")
        if ent.name == "annotations" and fname in ("start", "end"):
            raise ConflictError("A span is resolved by editing the annotation, not here.")
        sync = store.row(
            tx.db,
            "SELECT row_hlc, hashes, versions FROM sync_state WHERE entity = ? AND key = ?",
            [ent.name, c["entity_id"]],
        )
        seq = self._next_seq(tx)
        versions, _hashes_now = effective_versions(ent, local, sync, self.replica_id)
        after = tx.update(ent.name, tuple(keyvals), {fname: chosen})
        sides = [_field_hash(json.loads(c[k])) for k in ("local_value", "remote_value")]
        versions[fname] = (
            after["hlc"],
            self.replica_id,
            tx.actor,
            tx.now,
            _lineage(_field_hash(local[fname]), versions[fname], *sides),
        )
        tx.db.execute(
            "INSERT OR REPLACE INTO sync_state(entity, key, row_hlc, hashes, versions, seq)"
            " VALUES (?,?,?,?,?,?)",
            [
                ent.name,
                c["entity_id"],
                after["hlc"],
                _hashes(ent, after),
                canonical(_compress(versions)).decode(),
                seq,
            ],
        )
        table_key = tuple(keyvals)
        if ent.name in (
            "documents",
            "annotations",
            "claims",
            "annotation_tags",
            "tags",
            "links",
            "sources",
        ):
            self._note_change(tx, ent.name, table_key, after)


def _import_log(r: ImportResult) -> list[str]:
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


def _file_chunks(path: Path) -> Iterator[bytes]:
    with open(path, "rb") as fh:
        while chunk := fh.read(zipsafe.CHUNK):
            yield chunk


def _fsync_dir(folder: Path) -> None:
    if os.name == "nt":  # pragma: no cover - directories cannot be fsynced on Windows
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# -- selection for export ---------------------------------------------------------------------
class _Selection:
    """Temporary tables naming the rows a bundle carries, and the record lines for each."""

    def __init__(self, db, sel: dict, analyst_ids: list[str] | None, watermark: int | None):
        self.db = db
        rank = MARKINGS.index(sel["ceiling"])
        allowed = MARKINGS[: rank + 1]
        self.everything = (
            rank == len(MARKINGS) - 1
            and not any(
                sel[k] for k in ("documents", "tags", "analysts", "statuses", "since", "until")
            )
            and watermark is None
        )
        if self.everything:
            return
        for t in ("x_docs", "x_anns", "x_tags", "x_sources"):
            db.execute(f"DROP TABLE IF EXISTS temp.{t}")
            db.execute(f"CREATE TEMP TABLE {t} (id TEXT PRIMARY KEY)")
        marks = ",".join(f"'{m}'" for m in allowed)
        doc_ok = f"coalesce(d.marking, 'CLEAR') IN ({marks})"

        def window(alias: str, entity: str, stamp: str = "updated_at") -> tuple[str, list]:
            parts, params = [], []
            if sel["since"]:
                parts.append(f"{alias}.{stamp} >= ?")
                params.append(sel["since"])
            if sel["until"]:
                parts.append(f"{alias}.{stamp} <= ?")
                params.append(sel["until"] + "\uffff" if len(sel["until"]) <= 10 else sel["until"])
            if watermark is not None:
                parts.append(
                    f"EXISTS (SELECT 1 FROM sync_state s WHERE s.entity = '{entity}'"
                    f" AND s.key = {_key_sql(entity, alias)} AND s.seq > ?)"
                )
                params.append(watermark)
            return " AND ".join(parts) or "1", params

        timed = bool(sel["since"] or sel["until"] or watermark is not None)
        narrow = bool(sel["tags"] or analyst_ids or sel["statuses"])
        conds, args = [doc_ok], []
        if sel["documents"]:
            conds.append(f"a.document_id IN ({','.join('?' * len(sel['documents']))})")
            args += sel["documents"]
        if sel["tags"]:
            ors = " OR ".join("(t.name = ? OR t.name LIKE ?)" for _ in sel["tags"])
            conds.append(
                "a.id IN (SELECT at.annotation_id FROM annotation_tags at JOIN tags t"
                f" ON t.id = at.tag_id WHERE at.deleted = 0 AND ({ors}))"
            )
            for name in sel["tags"]:
                args += [name, name + "/%"]
        if analyst_ids:
            conds.append(f"a.created_by IN ({','.join('?' * len(analyst_ids))})")
            args += analyst_ids
        if sel["statuses"]:
            conds.append(f"a.status IN ({','.join('?' * len(sel['statuses']))})")
            args += sel["statuses"]
        if timed:
            ors = []
            for template, alias, entity, stamp in (
                ("({w})", "a", "annotations", "updated_at"),
                (
                    "EXISTS (SELECT 1 FROM claims c WHERE c.annotation_id = a.id AND {w})",
                    "c",
                    "claims",
                    "updated_at",
                ),
                (
                    "EXISTS (SELECT 1 FROM annotation_tags at WHERE at.annotation_id = a.id"
                    " AND {w})",
                    "at",
                    "annotation_tags",
                    "updated_at",
                ),
                (
                    "EXISTS (SELECT 1 FROM reviews r WHERE r.annotation_id = a.id AND {w})",
                    "r",
                    "reviews",
                    "created_at",
                ),
                (
                    "EXISTS (SELECT 1 FROM links l WHERE (l.from_id = a.id OR l.to_id = a.id)"
                    " AND {w})",
                    "l",
                    "links",
                    "updated_at",
                ),
            ):
                w, params = window(alias, entity, stamp)
                ors.append(template.format(w=w))
                args += params
            conds.append("(" + " OR ".join(ors) + ")")
        db.execute(
            "INSERT INTO temp.x_anns SELECT a.id FROM annotations a JOIN documents d"
            f" ON d.id = a.document_id WHERE {' AND '.join(conds)}",
            args,
        )
        db.execute(
            "INSERT OR IGNORE INTO temp.x_docs SELECT DISTINCT document_id FROM"
            " annotations WHERE id IN (SELECT id FROM temp.x_anns)"
        )
        if sel["documents"]:
            db.execute(
                f"INSERT OR IGNORE INTO temp.x_docs SELECT d.id FROM documents d WHERE"
                f" {doc_ok} AND d.id IN ({','.join('?' * len(sel['documents']))})",
                sel["documents"],
            )
        # Without narrowing filters, a bundle also carries documents, sources and tags
        # changed in the window (or all of them), except what only hides behind the ceiling.
        broad = not narrow and not sel["documents"]
        if broad:
            w, params = window("d", "documents")
            db.execute(
                "INSERT OR IGNORE INTO temp.x_docs SELECT d.id FROM documents d"
                f" WHERE {doc_ok} AND {w}",
                params,
            )
        db.execute(
            "INSERT OR IGNORE INTO temp.x_sources SELECT DISTINCT source_id FROM"
            " documents WHERE id IN (SELECT id FROM temp.x_docs)"
            " AND source_id IS NOT NULL"
        )
        db.execute(
            "INSERT OR IGNORE INTO temp.x_tags SELECT DISTINCT tag_id FROM"
            " annotation_tags WHERE annotation_id IN (SELECT id FROM temp.x_anns)"
        )
        if broad:
            w, params = window("s", "sources")
            db.execute(
                "INSERT OR IGNORE INTO temp.x_sources SELECT s.id FROM sources s WHERE"
                f" {w} AND (NOT EXISTS (SELECT 1 FROM documents d WHERE d.source_id = s.id)"
                f" OR EXISTS (SELECT 1 FROM documents d WHERE d.source_id = s.id AND {doc_ok}))",
                params,
            )
            w, params = window("t", "tags")
            db.execute(
                "INSERT OR IGNORE INTO temp.x_tags SELECT t.id FROM tags t WHERE"
                f" {w} AND (NOT EXISTS (SELECT 1 FROM annotation_tags at WHERE at.tag_id = t.id)"
                " OR EXISTS (SELECT 1 FROM annotation_tags at JOIN annotations a ON"
                " a.id = at.annotation_id JOIN documents d ON d.id = a.document_id WHERE"
                f" at.tag_id = t.id AND {doc_ok}))",
                params,
            )
        db.execute(
            "WITH RECURSIVE up(id) AS (SELECT parent_id FROM tags WHERE id IN"
            " (SELECT id FROM temp.x_tags) AND parent_id IS NOT NULL UNION SELECT t.parent_id"
            " FROM tags t JOIN up ON t.id = up.id WHERE t.parent_id IS NOT NULL)"
            " INSERT OR IGNORE INTO temp.x_tags SELECT id FROM up"
        )

    def where(self, name: str) -> str:
        if self.everything:
            return "1"
        return {
            "analysts": "1",
            "sources": "t.id IN (SELECT id FROM temp.x_sources)",
            "documents": "t.id IN (SELECT id FROM temp.x_docs)",
            "annotations": "t.id IN (SELECT id FROM temp.x_anns)",
            "claims": "t.annotation_id IN (SELECT id FROM temp.x_anns)",
            "tags": "t.id IN (SELECT id FROM temp.x_tags)",
            "annotation_tags": "t.annotation_id IN (SELECT id FROM temp.x_anns)",
            "links": "t.from_id IN (SELECT id FROM temp.x_anns)"
            " AND t.to_id IN (SELECT id FROM temp.x_anns)",
            "reviews": "t.annotation_id IN (SELECT id FROM temp.x_anns)",
        }[name]

    def total_rows(self) -> int:
        return sum(
            self.db.execute(f"SELECT count(*) FROM {name} t WHERE {self.where(name)}").fetchone()[0]
            for name in ORDER
        )

    def blob_hashes(self) -> list[str]:
        return [
            r[0]
            for r in self.db.execute(
                f"SELECT DISTINCT sha256 FROM documents t WHERE {self.where('documents')}"
                " ORDER BY sha256"
            )
        ]

    def lines(self, name: str, counter: list[int], tick: Callable[[int], None]) -> Iterator[bytes]:
        if name in ENTITIES:
            ent = ENTITIES[name]
            cols = ", ".join(f"t.{_q(c)}" for c in ent.columns)
            sql = (
                f"SELECT {cols}, s.versions FROM {name} t JOIN sync_state s ON"
                f" s.entity = '{name}' AND s.key = {_key_sql(name, 't')}"
                f" WHERE {self.where(name)} ORDER BY {_key_sql(name, 't')}"
            )
        else:
            columns = ANALYST_COLUMNS if name == "analysts" else REVIEW_COLUMNS
            ent = None
            sql = (
                f"SELECT {', '.join(f't.{_q(c)}' for c in columns)} FROM {name} t"
                f" WHERE {self.where(name)} ORDER BY t.id"
            )
        cur = self.db.execute(sql)
        names = [d[0] for d in cur.description]
        buf: list[bytes] = []
        size = 0
        while rows := cur.fetchmany(500):
            for r in rows:
                row = dict(zip(names, r, strict=True))
                if ent is not None:
                    versions = json.loads(row.pop("versions"))
                    rec = {"v": row, "d": versions.pop("*"), "c": versions}
                else:
                    rec = {"v": row}
                line = canonical(rec) + b"\n"
                buf.append(line)
                size += len(line)
            counter[0] += len(rows)
            tick(len(rows))
            if size > zipsafe.CHUNK:
                yield b"".join(buf)
                buf, size = [], 0
        if buf:
            yield b"".join(buf)

    def drop(self) -> None:
        if not self.everything:
            for t in ("x_docs", "x_anns", "x_tags", "x_sources"):
                self.db.execute(f"DROP TABLE IF EXISTS temp.{t}")


# -- a digest of everything that travels --------------------------------------------------------
def state_digest(ws) -> str:
    """SHA-256 of a canonical dump of every travelling table (with each field's version) and
    the blobs held; two workstations that converged give the same digest."""
    h = hashlib.sha256()
    for line in state_lines(ws):
        h.update(line)
    return h.hexdigest()


def state_lines(ws) -> Iterator[bytes]:
    """The canonical dump behind `state_digest`, one line per row (handy to diff in tests)."""
    db = ws.db
    for name in ORDER:
        if name in ENTITIES:
            ent = ENTITIES[name]
            cols = ", ".join(
                f"t.{_q(c)}" for c in (*ent.columns, "hlc", "updated_at", "updated_by")
            )
            sql = (
                f"SELECT {cols}, s.row_hlc, s.hashes, s.versions FROM {name} t"
                f" LEFT JOIN sync_state s ON s.entity = '{name}'"
                f" AND s.key = {_key_sql(name, 't')} ORDER BY {_key_sql(name, 't')}"
            )
        else:
            columns = ANALYST_COLUMNS if name == "analysts" else REVIEW_COLUMNS
            ent = None
            sql = f"SELECT {', '.join(_q(c) for c in columns)} FROM {name} ORDER BY id"
        for r in store.rows(db, sql):
            if ent is None:
                yield canonical([name, r]) + b"\n"
                continue
            sync = r if r["row_hlc"] is not None else None
            versions, _h = effective_versions(ent, r, sync, ws.replica_id)
            values = {c: r[c] for c in ent.columns}
            yield (
                canonical([name, values, {f: _version_json(v) for f, v in versions.items()}])
                + b"\n"
            )
    blobs = sorted(p.parent.name + p.name for p in ws._blob_files() if not p.name.endswith(".tmp"))
    yield canonical(["blobs", blobs]) + b"\n"
