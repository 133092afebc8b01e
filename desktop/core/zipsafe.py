"""A strict ZIP container for bundles: one canonical layout written, every byte of it checked on read."""

from __future__ import annotations

import hashlib
import struct
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

# Every member is stored (never compressed), with fixed header fields and zip64 sizes, so
# the container holds no byte that is neither checked against the canonical layout nor
# covered by a SHA-256 in the signed manifest: a flipped byte anywhere is noticed.
LOCAL_SIG = 0x04034B50
CENTRAL_SIG = 0x02014B50
EOCD_SIG = 0x06054B50
EOCD64_SIG = 0x06064B50
LOCATOR_SIG = 0x07064B50
VERSION = 45  # zip64
MADE_BY = VERSION | (3 << 8)  # unix, so external attributes carry a file mode
DOS_DATE = (0 << 9) | (1 << 5) | 1  # 1980-01-01: members carry no timestamps
FILE_MODE = 0o100644 << 16
SYMLINK_MODE = 0o120000
STORED, DEFLATED = 0, 8
U32, U16 = 0xFFFFFFFF, 0xFFFF
CHUNK = 1 << 20

_LOCAL = struct.Struct("<IHHHHHIIIHH")
_CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")
_EOCD = struct.Struct("<IHHHHIIH")
_EOCD64 = struct.Struct("<IQHHIIQQQQ")
_LOCATOR = struct.Struct("<IIQI")


class ZipProblem(ValueError):
    """The container is not a well-formed bundle ZIP; the message says what is wrong."""


@dataclass
class Member:
    raw_name: bytes
    method: int
    flags: int
    crc: int
    compressed_size: int
    size: int
    offset: int  # of the local header
    external_attr: int
    data_offset: int = -1  # filled in by `locate`

    @property
    def name(self) -> str:
        return self.raw_name.decode("utf-8", errors="replace")

    @property
    def is_symlink(self) -> bool:
        return (self.external_attr >> 16) & 0o170000 == SYMLINK_MODE


def local_header(
    raw_name: bytes,
    crc: int,
    size: int,
    *,
    method: int = STORED,
    compressed_size: int | None = None,
) -> bytes:
    csize = size if compressed_size is None else compressed_size
    extra = struct.pack("<HHQQ", 1, 16, size, csize)
    return (
        _LOCAL.pack(
            LOCAL_SIG, VERSION, 0, method, 0, DOS_DATE, crc, U32, U32, len(raw_name), len(extra)
        )
        + raw_name
        + extra
    )


def central_header(m: Member) -> bytes:
    extra = struct.pack("<HHQQQ", 1, 24, m.size, m.compressed_size, m.offset)
    return (
        _CENTRAL.pack(
            CENTRAL_SIG,
            MADE_BY,
            VERSION,
            0,
            m.method,
            0,
            DOS_DATE,
            m.crc,
            U32,
            U32,
            len(m.raw_name),
            len(extra),
            0,
            0,
            0,
            m.external_attr,
            U32,
        )
        + m.raw_name
        + extra
    )


def tail(count: int, cd_offset: int, cd_size: int) -> bytes:
    eocd64_offset = cd_offset + cd_size
    return (
        _EOCD64.pack(EOCD64_SIG, 44, MADE_BY, VERSION, 0, 0, count, count, cd_size, cd_offset)
        + _LOCATOR.pack(LOCATOR_SIG, 0, eocd64_offset, 1)
        + _EOCD.pack(EOCD_SIG, U16, U16, U16, U16, U32, U32, 0)
    )


class ZipWriter:
    """Streams stored members into a seekable file, then writes the central directory."""

    def __init__(self, fh: BinaryIO):
        self.fh = fh
        self.members: list[Member] = []

    def write(self, name: str, chunks: Iterable[bytes]) -> tuple[int, str]:
        """Add one member from a stream of bytes; returns (size, sha256 hex)."""
        raw = name.encode("ascii")
        offset = self.fh.tell()
        self.fh.write(local_header(raw, 0, 0))
        crc, size, digest = 0, 0, hashlib.sha256()
        for chunk in chunks:
            if chunk:
                self.fh.write(chunk)
                crc = zlib.crc32(chunk, crc)
                digest.update(chunk)
                size += len(chunk)
        end = self.fh.tell()
        self.fh.seek(offset)
        self.fh.write(local_header(raw, crc, size))
        self.fh.seek(end)
        self.members.append(Member(raw, STORED, 0, crc, size, size, offset, FILE_MODE))
        return size, digest.hexdigest()

    def write_raw(
        self,
        raw_name: bytes,
        data: bytes,
        *,
        method: int = STORED,
        size: int | None = None,
        crc: int | None = None,
        external_attr: int = FILE_MODE,
    ) -> None:
        """Add a member exactly as given (tests use this to build hostile archives)."""
        offset = self.fh.tell()
        size = len(data) if size is None else size
        crc = zlib.crc32(data) if crc is None else crc
        self.fh.write(local_header(raw_name, crc, size, method=method, compressed_size=len(data)))
        self.fh.write(data)
        self.members.append(
            Member(raw_name, method, 0, crc, len(data), size, offset, external_attr)
        )

    def close(self) -> None:
        cd_offset = self.fh.tell()
        directory = b"".join(central_header(m) for m in self.members)
        self.fh.write(directory)
        self.fh.write(tail(len(self.members), cd_offset, len(directory)))


def _read_at(fh: BinaryIO, offset: int, n: int) -> bytes:
    fh.seek(offset)
    data = fh.read(n)
    if len(data) != n:
        raise ZipProblem("the file ends early (truncated)")
    return data


def read_directory(fh: BinaryIO, file_size: int, *, max_members: int) -> tuple[list[Member], int]:
    """Parse the end records and the central directory; returns members and the directory offset.

    Accepts classic and zip64 archives from any writer, so the caller can name the first
    problem (a bad name, a link, a bomb) before `check_canonical` insists on our exact layout.
    """
    if file_size < _EOCD.size:
        raise ZipProblem("it is too short to be a bundle")
    sig, disk, cd_disk, n_disk, n_total, cd_size, cd_offset, comment = _EOCD.unpack(
        _read_at(fh, file_size - _EOCD.size, _EOCD.size)
    )
    if sig != EOCD_SIG or comment != 0:
        raise ZipProblem(
            "its end-of-archive record is not at the end of the file "
            "(truncated, or extra data after it)"
        )
    end_of_cd = file_size - _EOCD.size
    if U16 in (disk, cd_disk, n_disk, n_total) or U32 in (cd_size, cd_offset):
        if file_size < _EOCD.size + _LOCATOR.size + _EOCD64.size:
            raise ZipProblem("its zip64 end records are missing")
        lsig, ldisk, eocd64_offset, disks = _LOCATOR.unpack(
            _read_at(fh, end_of_cd - _LOCATOR.size, _LOCATOR.size)
        )
        if lsig != LOCATOR_SIG or ldisk != 0 or disks != 1:
            raise ZipProblem("its zip64 locator is damaged")
        if eocd64_offset != end_of_cd - _LOCATOR.size - _EOCD64.size:
            raise ZipProblem("its zip64 end record is not where the locator says")
        (sig64, rec_size, _made, _need, disk, cd_disk, n_disk, n_total, cd_size, cd_offset) = (
            _EOCD64.unpack(_read_at(fh, eocd64_offset, _EOCD64.size))
        )
        if sig64 != EOCD64_SIG or rec_size != 44:
            raise ZipProblem("its zip64 end record is damaged")
        end_of_cd = eocd64_offset
    if disk != 0 or cd_disk != 0 or n_disk != n_total:
        raise ZipProblem("it claims to span several disks")
    if n_total > max_members:
        raise ZipProblem(f"it holds {n_total} members (at most {max_members} are allowed)")
    if cd_offset + cd_size != end_of_cd:
        raise ZipProblem("its central directory is not where the end record says")
    directory = _read_at(fh, cd_offset, cd_size)
    members, pos = [], 0
    for _ in range(n_total):
        if pos + _CENTRAL.size > len(directory):
            raise ZipProblem("its central directory is truncated")
        (
            sig,
            _made,
            _need,
            flags,
            method,
            _time,
            _date,
            crc,
            csize,
            usize,
            n_name,
            n_extra,
            n_comment,
            _disk,
            _internal,
            external,
            offset,
        ) = _CENTRAL.unpack_from(directory, pos)
        if sig != CENTRAL_SIG:
            raise ZipProblem("its central directory is damaged")
        pos += _CENTRAL.size
        raw = directory[pos : pos + n_name]
        extra = directory[pos + n_name : pos + n_name + n_extra]
        pos += n_name + n_extra + n_comment
        if pos > len(directory):
            raise ZipProblem("its central directory is truncated")
        usize, csize, offset = _zip64_values(extra, usize, csize, offset)
        members.append(Member(raw, method, flags, crc, csize, usize, offset, external))
    if pos != len(directory):
        raise ZipProblem("its central directory holds more than the end record says")
    return members, cd_offset


def _zip64_values(extra: bytes, usize: int, csize: int, offset: int) -> tuple[int, int, int]:
    pos = 0
    while pos + 4 <= len(extra):
        tag, n = struct.unpack_from("<HH", extra, pos)
        body = extra[pos + 4 : pos + 4 + n]
        if len(body) != n:
            raise ZipProblem("a member's extra field is truncated")
        if tag == 1:
            values, k = [], 0
            for current in (usize, csize, offset):
                if current == U32:
                    if k + 8 > len(body):
                        raise ZipProblem("a member's zip64 sizes are truncated")
                    values.append(struct.unpack_from("<Q", body, k)[0])
                    k += 8
                else:
                    values.append(current)
            return values[0], values[1], values[2]
        pos += 4 + n
    if U32 in (usize, csize, offset):
        raise ZipProblem("a member's zip64 sizes are missing")
    return usize, csize, offset


def locate(fh: BinaryIO, m: Member, limit: int) -> None:
    """Find where a member's bytes start; its local header must name the same member."""
    if m.offset + _LOCAL.size > limit:
        raise ZipProblem(f"member {m.name!r} starts outside the archive")
    (sig, _need, _flags, _method, _t, _d, _crc, _cs, _us, n_name, n_extra) = _LOCAL.unpack(
        _read_at(fh, m.offset, _LOCAL.size)
    )
    if sig != LOCAL_SIG:
        raise ZipProblem(f"member {m.name!r} has a damaged header")
    if _read_at(fh, m.offset + _LOCAL.size, n_name) != m.raw_name:
        raise ZipProblem(f"member {m.name!r} is named differently in its own header")
    m.data_offset = m.offset + _LOCAL.size + n_name + n_extra
    if m.data_offset + m.compressed_size > limit:
        raise ZipProblem(f"member {m.name!r} runs past the end of its data")


def check_canonical(fh: BinaryIO, members: list[Member], cd_offset: int, file_size: int) -> None:
    """Every header byte must be what ZipWriter writes, and members must tile the file."""
    pos = 0
    for m in members:
        if m.offset != pos:
            raise ZipProblem(
                f"member {m.name!r} is not where the layout puts it (gaps, overlaps or reordering)"
            )
        expected = local_header(
            m.raw_name, m.crc, m.size, method=m.method, compressed_size=m.compressed_size
        )
        if _read_at(fh, pos, len(expected)) != expected:
            raise ZipProblem(f"member {m.name!r} has an unexpected local header")
        pos += len(expected) + m.compressed_size
        if m.external_attr != FILE_MODE or m.flags != 0 or m.method != STORED:
            raise ZipProblem(f"member {m.name!r} has unexpected attributes")
    if pos != cd_offset:
        raise ZipProblem("there are bytes between the members and the central directory")
    directory = b"".join(central_header(m) for m in members)
    if _read_at(fh, cd_offset, len(directory)) != directory:
        raise ZipProblem("its central directory differs from the canonical layout")
    end = tail(len(members), cd_offset, len(directory))
    if cd_offset + len(directory) + len(end) != file_size:
        raise ZipProblem("its size does not match its directory")
    if _read_at(fh, cd_offset + len(directory), len(end)) != end:
        raise ZipProblem("its end records differ from the canonical layout")


def read_chunks(fh: BinaryIO, m: Member, cap: int) -> Iterator[bytes]:
    """A stored member's bytes, never more than `cap` (the size the signed manifest states)."""
    if m.method != STORED or m.compressed_size != m.size:
        raise ZipProblem(f"member {m.name!r} is compressed; bundles store members as they are")
    if m.size > cap:
        raise ZipProblem(f"member {m.name!r} is larger than its manifest entry says")
    left, pos = m.size, m.data_offset
    while left:
        n = min(CHUNK, left)
        data = _read_at(fh, pos, n)
        pos += n
        left -= n
        yield data
