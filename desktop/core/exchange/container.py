"""The `.assay` file as a container: its format version, the members it may hold, the limits
on what an import reads, the private staged copy, and reading records line by line.

A bundle is a ZIP (see zipsafe.py) holding `manifest.json` (canonical JSON), `manifest.sig`
(Ed25519 over the manifest bytes), `records/<entity>.jsonl` and `blobs/sha256/<hex>`; it is
never extracted by member name.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from .. import zipsafe
from ..kernel.errors import BundleError

FORMAT = "assay-bundle"
FORMAT_VERSION = "1.1"  # 1.1: key judgements and ACH matrices travel
MAJOR, MINOR = 1, 1  # 1.1: key judgements and ACH matrices

# Limits on what an import reads (module attributes, so tests can lower them).
MAX_BUNDLE_BYTES = 16 * 2**30  # the .assay file, and the sum of its members
MAX_MEMBER_BYTES = 8 * 2**30
MAX_MANIFEST_BYTES = 64 * 2**20
MAX_LINE_BYTES = 128 * 2**20  # one record (a document's text can be long)
MAX_MEMBERS = 2_000_000
RATIO_LIMIT = 100  # uncompressed / compressed, for members above RATIO_MIN_BYTES
RATIO_MIN_BYTES = 2**20

Progress = Callable[[int, int, str], None]  # (done, total, what is being done)

NAME_RE = re.compile(
    r"manifest\.json|manifest\.sig|records/[a-z_]{1,32}\.jsonl|blobs/sha256/[0-9a-f]{64}"
)


@contextlib.contextmanager
def staged(path: Path) -> Iterator[Path]:
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


def read_members(path: Path, fh: BinaryIO, size: int) -> tuple[list[zipsafe.Member], int]:
    """The members of the staged bundle FH (SIZE bytes), each checked and located, and the
    offset of the central directory."""
    try:
        members, cd_offset = zipsafe.read_directory(fh, size, max_members=MAX_MEMBERS)
    except zipsafe.ZipProblem as exc:
        raise BundleError(f"{path.name} is not a readable bundle: {exc}.") from None
    check_member_names(path, members)
    try:
        for m in members:
            zipsafe.locate(fh, m, cd_offset)
    except zipsafe.ZipProblem as exc:
        raise BundleError(f"{path.name} is damaged: {exc}.") from None
    return members, cd_offset


def check_layout(
    path: Path, fh: BinaryIO, members: list[zipsafe.Member], cd_offset: int, size: int
) -> None:
    """The ZIP is laid out exactly as Assay writes it (nothing hidden between members)."""
    try:
        zipsafe.check_canonical(fh, members, cd_offset, size)
    except zipsafe.ZipProblem as exc:
        raise BundleError(f"{path.name} is damaged or was altered: {exc}.") from None


def check_member_names(path: Path, members: list[zipsafe.Member]) -> None:
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


def iter_lines(fh: BinaryIO, member: zipsafe.Member) -> Iterator[tuple[int, bytes]]:
    """The numbered lines of a records member, each at most MAX_LINE_BYTES."""
    buf = bytearray()
    n = 0
    for chunk in zipsafe.read_chunks(fh, member, member.size):
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


def file_chunks(path: Path) -> Iterator[bytes]:
    with open(path, "rb") as fh:
        while chunk := fh.read(zipsafe.CHUNK):
            yield chunk


def fsync_dir(folder: Path) -> None:
    if os.name == "nt":  # pragma: no cover - directories cannot be fsynced on Windows
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
