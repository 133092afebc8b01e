"""REFI-QDA project import (.qdpx from QualCoder, ATLAS.ti, MAXQDA, NVivo… or Assay).

Text sources become documents (through the ordinary import, from plain-text files written to
a private temporary folder under safe names), codes become tags (the code tree becomes tag
paths; a code nothing is coded with still comes in), each coded span becomes one annotation
carrying all its codes as tags (NVivo writes one selection per coding), and the notes on a
selection or on its codings become its comment; a note no placed selection carries becomes a
document of its own. A note Assay wrote for a claim turns the selection back into a claim with
its ratings. Links between claims come back as links. In a project Assay wrote, each selection
keeps its author, id and creation time, its review notes come back as its review thread, and
each source is the document Assay had: matched by the SHA-256 of its original bytes, or made
from the original file the export carries, with its id, name, type and import time.

Positions: REFI-QDA §10 counts code points and ends a selection on its last character; NVivo
counts UTF-16 code units and ends after the last one, and other tools mix the two. The reading
is chosen per file, by which one puts the selections on their names' text and on word
boundaries (the exporting software breaks a tie), and a selection that reading cannot place is
reported, never put elsewhere. A source file the project names but does not hold is listed as
missing and the rest comes in. Nothing is written until the whole project has been read and
checked.

The archive is hostile until proven otherwise: its size, member count, expansion ratio and
member names are checked before anything is read, members are read with a cap, and the XML
is parsed by defusedxml with DTDs refused.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from xml.etree.ElementTree import Element

from desktop.core.kernel.errors import AnnotationError, RefiImportError
from desktop.core.kernel.records import Person

from .. import ingest
from ..exports.refiqda import (
    CLAIM_NOTE_HEADER,
    LINK_NOTE_PREFIX,
    REVIEW_NOTE_PREFIX,
    schema_errors,
)
from ..kernel import scales
from ..kernel.errors import AssayError, NotFound
from ..workspace import Workspace, document_id, is_iso_date
from .common import (
    CONTEXT,
    ImportSummary,
    PlannedAnnotation,
    PlannedLink,
    PlannedReview,
    anchor,
    apply_plan,
    attribute,
    check_ratings,
    safe_tag,
    without_attribution,
)

MAX_ARCHIVE_BYTES = 512 * 1024 * 1024
MAX_MEMBERS = 10_000
MAX_TOTAL_BYTES = 1024 * 1024 * 1024
MAX_QDE_BYTES = 64 * 1024 * 1024
MAX_RATIO = 100
RATIO_CHECK_MIN_BYTES = 1024 * 1024
_SAFE_NAME = re.compile(r"[^\w\-. ]+", re.UNICODE)
_INTERNAL = re.compile(r"^internal://([^/\\]+)$", re.IGNORECASE)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _children(el: Element, name: str) -> list[Element]:
    return [c for c in el if isinstance(c.tag, str) and _local(c.tag) == name]


def _child(el: Element, name: str) -> Element | None:
    found = _children(el, name)
    return found[0] if found else None


def _items(root: Element, holder: str, name: str) -> list[Element]:
    """The NAME children of ROOT's HOLDER child (e.g. Users/User); empty when there is none."""
    parent = _child(root, holder)
    return _children(parent, name) if parent is not None else []


def _text(el: Element | None) -> str:
    return (el.text or "") if el is not None else ""


def _g(value: str | None) -> str:
    return (value or "").strip().strip("{}").lower()


class MissingMember(RefiImportError):
    """The project names a file the archive does not hold (or one outside it)."""


class Archive:
    """A checked .qdpx: member names are safe, sizes bounded, reads capped."""

    def __init__(self, path: Path):
        self.path = path
        try:
            size = path.stat().st_size
        except FileNotFoundError as exc:
            raise RefiImportError(f"No such file: {path}") from exc
        if size > MAX_ARCHIVE_BYTES:
            raise RefiImportError(
                f"{path.name} is {size / 2**20:.0f} MiB, larger than the "
                f"{MAX_ARCHIVE_BYTES // 2**20} MiB Assay imports."
            )
        try:
            self.zip = zipfile.ZipFile(path)
            infos = self.zip.infolist()
        except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError) as exc:
            raise RefiImportError(
                f"{path.name} is not a REFI-QDA project: it is not a readable ZIP archive ({exc})."
            ) from exc
        if len(infos) > MAX_MEMBERS:
            raise RefiImportError(
                f"{path.name} holds {len(infos)} files, more than the "
                f"{MAX_MEMBERS} a project could need; refused."
            )
        self.members: dict[str, zipfile.ZipInfo] = {}
        total = 0
        for info in infos:
            name = info.filename
            parts = PurePosixPath(name).parts
            if (
                name.startswith(("/", "\\"))
                or "\\" in name
                or ":" in name
                or ".." in parts
                or "\x00" in name
            ):
                raise RefiImportError(f"{path.name} contains the unsafe path {name!r}; refused.")
            if (info.external_attr >> 16) & 0o170000 == 0o120000:
                raise RefiImportError(f"{path.name} contains a symbolic link ({name}); refused.")
            key = name.casefold()
            if key in self.members:
                raise RefiImportError(f"{path.name} lists {name!r} twice; refused.")
            total += info.file_size
            if total > MAX_TOTAL_BYTES:
                raise RefiImportError(
                    f"{path.name} expands to more than "
                    f"{MAX_TOTAL_BYTES // 2**20} MiB; refused as a possible "
                    "zip bomb."
                )
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > RATIO_CHECK_MIN_BYTES and ratio > MAX_RATIO:
                raise RefiImportError(
                    f"{path.name}: {name} expands {ratio:.0f} times; refused as "
                    "a possible zip bomb."
                )
            if not info.is_dir():
                self.members[key] = info
        self.sources_dir = next(
            (
                n.split("/", 1)[0]
                for n in self.members
                if "/" in n and n.split("/", 1)[0] == "sources"
            ),
            "sources",
        )

    def close(self) -> None:
        self.zip.close()

    def read(self, name: str, limit: int) -> bytes:
        info = self.members.get(name.casefold())
        if info is None:
            raise MissingMember(f"{self.path.name} has no {name}")
        if info.file_size > limit:
            raise RefiImportError(
                f"{self.path.name}: {name} is {info.file_size / 2**20:.0f} MiB, "
                f"more than the {limit // 2**20} MiB allowed."
            )
        try:
            with self.zip.open(info) as fh:
                data = fh.read(limit + 1)
        except (
            zipfile.BadZipFile,
            OSError,
            ValueError,
            NotImplementedError,
            RuntimeError,
        ) as exc:  # bad CRC, encrypted member, unsupported compression
            raise RefiImportError(f"{self.path.name}: {name} cannot be read ({exc}).") from exc
        if len(data) > limit or len(data) != info.file_size:
            raise RefiImportError(
                f"{self.path.name}: {name} is not the size the archive declares; refused."
            )
        return data

    def internal(self, ref: str, limit: int) -> bytes:
        m = _INTERNAL.match(ref.strip())
        if not m or m.group(1) in (".", ".."):
            raise MissingMember(
                f"its file {ref!r} is not inside the project; only embedded sources are imported"
            )
        return self.read(f"{self.sources_dir}/{m.group(1)}", limit)

    def project_name(self) -> str:
        if "project.qde" in self.members:
            return "project.qde"
        roots = [n for n in self.members if n.endswith(".qde") and "/" not in n]
        if len(roots) != 1:
            raise RefiImportError(
                f"{self.path.name} has no project.qde: it is not a REFI-QDA project."
            )
        return roots[0]


def parse_qde(data: bytes, name: str) -> Element:
    import defusedxml
    import defusedxml.ElementTree as SafeET

    try:
        root = SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except defusedxml.DefusedXmlException as exc:
        raise RefiImportError(
            f"{name} declares a DTD or entities, which a REFI-QDA project "
            "never needs; refused for safety."
        ) from exc
    except SafeET.ParseError as exc:
        raise RefiImportError(f"{name} is not well-formed XML ({exc}).") from exc
    if _local(root.tag) != "Project":
        raise RefiImportError(
            f"{name} is not a REFI-QDA project (its root is <{_local(root.tag)}>, not <Project>)."
        )
    return root


def _decode(data: bytes, what: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RefiImportError(f"{what} is not UTF-8 text, as REFI-QDA requires.") from exc


def _safe_filename(name: str, taken: set[str]) -> str:
    stem = " ".join(_SAFE_NAME.sub(" ", unicodedata.normalize("NFC", name)).split())[:80]
    stem = stem.strip(". ") or "source"
    candidate, n = f"{stem}.txt", 2
    while candidate.casefold() in taken:
        candidate, n = f"{stem} ({n}).txt", n + 1
    taken.add(candidate.casefold())
    return candidate


_LINE_ENDS = str.maketrans(dict.fromkeys("\r\v\f\x1c\x1d\x1e\x85\u2028\u2029", "\n"))


def _anchorable(text: str) -> str:
    """The line ends and composition ingest gives the document text (the rest of its
    normalisation is whitespace, which anchoring tolerates)."""
    text = text.replace("\r\n", "\n").translate(_LINE_ENDS)
    return unicodedata.normalize("NFC", text)


def _unfold(text: str) -> dict[str, str]:
    values: dict[str, str] = {}
    key = None
    for line in text.split("\n"):
        if line.startswith("  ") and key:
            values[key] += "\n" + line[2:]
            continue
        if ":" in line:
            key, value = line.split(":", 1)
            key = key.strip().lower()
            values[key] = value.strip()
    return values


def parse_claim_note(text: str) -> dict | None:
    """The claim fields of a note Assay wrote (see exports.refiqda.claim_note_text)."""
    if not text.startswith(CLAIM_NOTE_HEADER + "\n"):
        return None
    v = _unfold(text[len(CLAIM_NOTE_HEADER) + 1 :])
    first = (v.get("credibility") or "").split(" ", 1)[0]
    return {
        "statement": v.get("statement", ""),
        "credibility": first or None,
        "likelihood": (v.get("likelihood") or "").split(" (", 1)[0] or None,
        "confidence": v.get("confidence") or None,
        "rationale": v.get("rationale", ""),
        "status": v.get("status"),
    }


@dataclass(frozen=True)
class Convention:
    """How a tool counts `startPosition`/`endPosition`: in code points (REFI-QDA §10) or in
    UTF-16 code units (NVivo, and other tools built on .NET or Java strings), with the end the
    last character (§10.2) or the one after it."""

    utf16: bool
    inclusive: bool

    def describe(self) -> str:
        unit = "UTF-16 code units" if self.utf16 else "code points"
        return f"{unit}, end {'inclusive' if self.inclusive else 'exclusive'}"


SPEC = Convention(utf16=False, inclusive=True)
CODE_POINTS_EXCLUSIVE = Convention(utf16=False, inclusive=False)
UTF16_EXCLUSIVE = Convention(utf16=True, inclusive=False)
UTF16_INCLUSIVE = Convention(utf16=True, inclusive=True)
CONVENTIONS = (SPEC, CODE_POINTS_EXCLUSIVE, UTF16_EXCLUSIVE, UTF16_INCLUSIVE)
EXCLUSIVE_MARK = "end exclusive"  # in the project Description of Assay's own exports


def origin_convention(origin: str, description: str = "") -> Convention:
    """What the exporting software is known to write; the evidence of the file outweighs it."""
    o = origin.casefold()
    if o.startswith("assay"):
        return CODE_POINTS_EXCLUSIVE if EXCLUSIVE_MARK in description else SPEC
    if "nvivo" in o:
        return UTF16_EXCLUSIVE
    return SPEC


def _utf16_index(raw: str) -> list[int] | None:
    """UTF-16 offset → code point offset (-1 inside a surrogate pair); None when they agree."""
    if raw.isascii() or all(ord(c) < 0x10000 for c in raw):
        return None
    index = []
    for i, ch in enumerate(raw):
        index.append(i)
        if ord(ch) > 0xFFFF:
            index.append(-1)
    index.append(len(raw))
    return index


def _words(text: str) -> str:
    return " ".join(text.split())


def _name_evidence(name: str, text: str) -> int:
    """2 when the selection's name is its text, 1 when the name is its beginning (a name cut
    short, with or without '…'), 0 when it says nothing either way or does not match."""
    name = _words(name)
    if not name:
        return 0
    cut = name.rstrip("….").rstrip() if name.endswith(("…", "...")) else name
    text = _words(text)
    if text == name:
        return 2
    return 1 if len(cut) >= 3 and text.startswith(cut) else 0


def _boundary(raw: str, i: int) -> bool:
    if i <= 0 or i >= len(raw):
        return True
    a, b = raw[i - 1], raw[i]
    if unicodedata.east_asian_width(a) in "WF" or unicodedata.east_asian_width(b) in "WF":
        return True  # scripts without spaces between words
    return not ((a.isalnum() or a == "_") and (b.isalnum() or b == "_"))


@dataclass
class _Selection:
    el: Element
    key: str
    start: int  # as written
    last: int  # as written
    name: str


@dataclass
class _Source:
    guid: str
    name: str
    raw: str
    filename: str
    data: bytes
    text: str  # as the workspace will store it
    doc_id: str
    metadata: dict[str, str] = field(default_factory=dict)
    exists: bool = False
    selections: list[_Selection] = field(default_factory=list)
    created_at: str | None = None  # the import time Assay gave it (an Assay export)
    _u16: list[int] | None = None
    _u16_done: bool = False

    def span(self, sel: _Selection, conv: Convention) -> tuple[int, int] | None:
        """SEL's span in code points of the raw text, end exclusive, read as CONV says."""
        start, end = sel.start, sel.last + (1 if conv.inclusive else 0)
        if conv.utf16:
            if not self._u16_done:
                self._u16, self._u16_done = _utf16_index(self.raw), True
            if self._u16 is not None:
                if not (0 <= start < len(self._u16) and 0 <= end < len(self._u16)):
                    return None
                start, end = self._u16[start], self._u16[end]
                if start < 0 or end < 0:  # between the halves of a character
                    return None
        if not 0 <= start < end <= len(self.raw):
            return None
        return start, end


def _score(sources: list[_Source], conv: Convention) -> tuple[float, int, int]:
    """How well CONV explains the file: names that are the text, selections that begin and end
    on word boundaries, none that fall outside their source or inside a character."""
    score, named, matched = 0.0, 0, 0
    for src in sources:
        for sel in src.selections:
            span = src.span(sel, conv)
            if span is None:
                score -= 3
                continue
            s, e = span
            evidence = _name_evidence(sel.name, src.raw[s:e])
            named += 1 if _words(sel.name) else 0
            matched += 1 if evidence else 0
            score += 2 * evidence
            score += sum(1 if _boundary(src.raw, i) else -2 for i in (s, e))  # a cut word
            score -= src.raw[s].isspace() + src.raw[e - 1].isspace()
    return score, named, matched


def detect_convention(sources: list[_Source], prior: Convention) -> tuple[Convention, bool]:
    """The reading that places the file's selections best (PRIOR when the evidence ties), and
    whether the selections' names are their text (so a name that is not marks a misplaced
    selection)."""
    scores = {c: _score(sources, c) for c in CONVENTIONS}
    best = max(CONVENTIONS, key=lambda c: (scores[c][0] + (0.5 if c == prior else 0), c == prior))
    _, named, matched = scores[best]
    return best, named > 0 and matched * 2 >= named


class _Reader:
    def __init__(self, ws: Workspace, archive: Archive, root: Element, summary: ImportSummary):
        self.ws, self.archive, self.root, self.summary = ws, archive, root, summary
        self.origin = root.get("origin") or "another tool"
        self.description = _text(_child(root, "Description"))
        self.users = {_g(u.get("guid")): u.get("name") or "" for u in _items(root, "Users", "User")}
        self.codes: dict[str, str] = {}
        self.colours: dict[str, str] = {}
        codebook = _child(root, "CodeBook")
        codes = _child(codebook, "Codes") if codebook is not None else None
        if codes is not None:
            self._walk_codes(codes, "")
        self.variables = {
            _g(v.get("guid")): v.get("name") or "" for v in _items(root, "Variables", "Variable")
        }
        self.ours = self.origin.startswith("Assay")  # ids, authors and reviews are Assay's
        self.notes: dict[str, dict] = {}
        for note in _items(root, "Notes", "Note"):
            self.notes[_g(note.get("guid"))] = {
                "name": note.get("name") or "",
                "text": self._note_text(note),
                "user": self.users.get(_g(note.get("creatingUser")), ""),
                "user_id": _g(note.get("creatingUser")),
                "at": note.get("creationDateTime"),
            }
        self.used_notes: set[str] = set()
        self.taken: set[str] = set()
        self.sources: list[_Source] = []
        self.memos: list[_Source] = []
        self.plans: list[PlannedAnnotation] = []
        self.by_selection: dict[str, PlannedAnnotation] = {}
        self.coders: dict[str, str] = {}  # selection key → who coded it
        self.convention = SPEC

    def _walk_codes(self, holder: Element, parent: str) -> None:
        for code in _children(holder, "Code"):
            part = safe_tag(code.get("name") or "")
            if part is None:
                self.summary.skipped.append(
                    f"code {code.get('name')!r}: no usable name; its codings go to its parent code"
                )
            path = f"{parent}/{part}" if parent and part else (part or parent)
            if path:
                self.codes[_g(code.get("guid"))] = path
                colour = code.get("color") or ""
                if re.fullmatch(r"#[0-9A-Fa-f]{6}", colour) and path not in self.colours:
                    self.colours[path] = colour
            self._walk_codes(code, path)

    def _note_text(self, note: Element) -> str:
        try:
            return self._source_text(note, "note")
        except MissingMember as exc:
            self.summary.missing.append(f"note {note.get('name')!r}: {exc}")
            self.summary.skipped.append(f"note {note.get('name')!r}: {exc}")
            return ""

    def _source_text(self, el: Element, what: str) -> str:
        content = _child(el, "PlainTextContent")
        if content is not None:
            return content.text or ""
        ref = el.get("plainTextPath")
        if not ref:
            return ""
        name = el.get("name") or what
        return _decode(self.archive.internal(ref, ingest.MAX_FILE_BYTES), f"{what} {name!r}")

    # -- sources and selections -------------------------------------------------------------------
    def read_sources(self) -> None:
        holder = _child(self.root, "Sources")
        counts = {"source": 0, "selection": 0, "coding": 0}
        if holder is not None:
            for src in holder:
                if not isinstance(src.tag, str):
                    continue
                kind = _local(src.tag)
                counts["source"] += 1
                if kind == "TextSource":
                    self._text_source(src, src, counts)
                elif kind == "PDFSource" and _child(src, "Representation") is not None:
                    self._text_source(_child(src, "Representation"), src, counts)
                    if _children(src, "PDFSelection"):
                        self.summary.skipped.append(
                            f"{len(_children(src, 'PDFSelection'))} area selection(s) on PDF "
                            f"{src.get('name')!r}: Assay annotates text"
                        )
                else:
                    self.summary.skipped.append(
                        f"{kind} {src.get('name')!r}: Assay imports text sources only"
                    )
        self.summary.held.update(counts)
        self.summary.held["code"] = len(self.codes)
        self.summary.held["note"] = len(self.notes)
        prior = origin_convention(self.origin, self.description)
        self.convention, quoted = detect_convention(self.sources, prior)
        if any(s.selections for s in self.sources):
            self.summary.positions = self.convention.describe()
        for source in self.sources:
            for sel in source.selections:
                self._selection(source, sel, quoted)
        if not self.ours:
            self._merge_shared_spans()

    def _text_source(self, el: Element, outer: Element, counts: dict[str, int]) -> None:
        name = outer.get("name") or el.get("name") or "Untitled source"
        selections = _children(el, "PlainTextSelection")
        counts["selection"] += len(selections)
        codings = sum(len(_children(sel, "Coding")) for sel in selections)
        counts["coding"] += codings
        try:
            raw = self._source_text(el, f"source {name!r}")
        except MissingMember as exc:
            self.summary.missing.append(f"source {name!r}: {exc}")
            self.summary.skipped.append(
                f"source {name!r}: {exc}; its {len(selections)} selection(s) with {codings} "
                "coding(s) were not imported"
            )
            for sel in selections:
                self.summary.unplaced.append(f"{_g(sel.get('guid'))}: its source is missing")
            return
        if not raw.strip():
            self.summary.skipped.append(f"source {name!r}: no text")
            return
        whole = len(_children(el, "Coding")) + (
            0 if el is outer else len(_children(outer, "Coding"))
        )
        if whole:
            self.summary.skipped.append(
                f"{whole} coding(s) of the whole source {name!r}: Assay "
                "annotations mark spans of text"
            )
        source = self._new_source(name, raw, self._metadata(outer), outer)
        for sel in selections:
            key = _g(sel.get("guid")) or f"{source.guid}:{sel.get('startPosition')}"
            try:
                start, last = int(sel.get("startPosition")), int(sel.get("endPosition"))
            except (TypeError, ValueError) as exc:
                raise RefiImportError(
                    f"Selection {sel.get('guid')} on {name!r} has no "
                    "numeric startPosition/endPosition."
                ) from exc
            source.selections.append(_Selection(sel, key, start, last, sel.get("name") or ""))

    def _new_source(
        self, name: str, raw: str, metadata: dict[str, str], outer: Element | None
    ) -> _Source:
        """A source as the workspace will hold it: the document with the original bytes an
        Assay export names by their SHA-256 when this workspace has it or the file carries it,
        else a text document of RAW."""
        data, filename, text, doc_id, exists = raw.encode("utf-8"), None, None, None, False
        sha = (metadata.get("SHA-256") or "").strip().lower()
        if re.fullmatch(r"[0-9a-f]{64}", sha):
            try:
                here = self.ws.document(document_id(sha))
                text, doc_id, exists = here.text, here.id, True
            except NotFound:
                original = self._original(metadata, sha)
                if original is not None:
                    data, filename = original
        if doc_id is None:
            filename = filename or _safe_filename(name, self.taken)
            try:
                text = ingest.parse_bytes(data, filename).text
            except ingest.IngestError as exc:
                raise RefiImportError(f"Source {name!r} cannot be imported: {exc}") from exc
            doc_id = document_id(hashlib.sha256(data).hexdigest())
            try:
                self.ws.document(doc_id)
                exists = True
            except NotFound:  # two sources with the same text are one document
                exists = any(s.doc_id == doc_id for s in self.sources + self.memos)
        created = outer.get("creationDateTime") if outer is not None and self.ours else None
        source = _Source(
            _g(outer.get("guid")) if outer is not None else "",
            name,
            raw,
            filename,
            data,
            text,
            doc_id,
            metadata,
            exists,
            created_at=_stamp(created) if created else None,
        )
        (self.sources if outer is not None else self.memos).append(source)
        return source

    def _original(self, metadata: dict[str, str], sha: str) -> tuple[bytes, str] | None:
        """The original file an Assay export carries beside the text (its bytes and a safe
        name), when it is there and is what its SHA-256 says."""
        ref = metadata.get("Original") or ""
        try:
            data = self.archive.internal(ref, ingest.MAX_FILE_BYTES) if ref else None
        except MissingMember:
            data = None
        if data is None or hashlib.sha256(data).hexdigest() != sha:
            return None
        wanted = metadata.get("Filename") or ""
        suffix = PurePosixPath(wanted).suffix.lower()
        if not re.fullmatch(r"\.[a-z0-9]{1,8}", suffix):
            suffix = ""
        stem = _safe_filename(PurePosixPath(wanted).stem or "source", self.taken)[: -len(".txt")]
        return data, f"{stem}{suffix}"

    def _metadata(self, src: Element) -> dict[str, str]:
        out = {}
        for vv in _children(src, "VariableValue"):
            ref = _child(vv, "VariableRef")
            name = self.variables.get(_g(ref.get("targetGUID")) if ref is not None else "", "")
            value = next((c.text for c in vv if _local(c.tag) != "VariableRef"), None)
            if name and value:
                out[name] = value.strip()
        return out

    def _span(self, source: _Source, sel: _Selection, quoted: bool) -> tuple[int, int] | str:
        """Where SEL lands in the document, or why it cannot be placed."""
        conv = self.convention
        span = source.span(sel, conv)
        other = source.span(sel, Convention(conv.utf16, not conv.inclusive))
        name = _words(sel.name)
        full_name = bool(name) and not name.endswith(("…", "..."))
        if (
            full_name
            and other is not None
            and source.raw[other[0] : other[1]].strip() == name
            and (span is None or source.raw[span[0] : span[1]] != name)
        ):
            span = other  # this one selection's end is written the other way; its name says so
        if span is None:
            return (
                f"its positions {sel.start}–{sel.last} fall outside its source or inside a "
                f"character ({conv.describe()})"
            )
        start, end = span
        if quoted and name and not _name_evidence(name, source.raw[start:end]):
            return (
                f"its name {sel.name[:60]!r} is not the text at its positions ({conv.describe()})"
            )
        exact = _anchorable(source.raw[start:end])
        prefix = _anchorable(source.raw[max(0, start - CONTEXT) : start])
        suffix = _anchorable(source.raw[end : end + CONTEXT])
        placed = anchor(source.text, exact, prefix, suffix, start) or anchor(
            source.text, exact.strip(), prefix, suffix, start
        )
        return placed or "its text is not in the document Assay made of its source"

    def _note_part(self, guid: str, coder: str, plan: PlannedAnnotation) -> str | None:
        note = self.notes.get(guid)
        if note is None:
            self.summary.skipped.append(f"note {guid}: referenced but not in the project")
            return None
        self.used_notes.add(guid)
        claim = parse_claim_note(note["text"])
        if claim is not None:
            plan.kind = "claim"
            plan.statement = claim["statement"]
            plan.credibility = claim["credibility"]
            plan.likelihood = claim["likelihood"]
            plan.confidence = claim["confidence"]
            plan.rationale = claim["rationale"]
            return None
        if note["name"].startswith(REVIEW_NOTE_PREFIX):
            step = _review_step(note, self.users) if plan.author else None
            if step is None:
                self.summary.reviews_not_applied += 1
                self.summary.skipped.append(
                    f"review note {guid}: no author of the selection or no reviewer to keep"
                )
            else:
                plan.reviews.append(step)
            return None
        text = note["text"].strip()
        if not text:
            return None
        title = note["name"].strip()
        if title and not text.startswith(title.rstrip("…. ")):
            text = f"{title}: {text}"
        if note["user"] and note["user"] not in (coder, self.ws.profile.name):
            text += f" — {note['user']}"
        return text

    def _selection(self, source: _Source, sel: _Selection, quoted: bool) -> None:
        key = sel.key
        span = self._span(source, sel, quoted)
        if isinstance(span, str):
            reason = f"selection {key} on {source.name!r}: {span}"
            self.summary.unplaced.append(reason)
            self.summary.skipped.append(reason)
            return
        el = sel.el
        plan = PlannedAnnotation(key=key, document_id=source.doc_id, start=span[0], end=span[1])
        coder = self.users.get(_g(el.get("creatingUser")), "")
        if self.ours and coder:
            plan.author = _person(_g(el.get("creatingUser")), coder)
            plan.created_at = _stamp(el.get("creationDateTime"))
        parts = [_text(_child(el, "Description")).strip()]
        for coding in _children(el, "Coding"):
            ref = _child(coding, "CodeRef")
            code = self.codes.get(_g(ref.get("targetGUID")) if ref is not None else "")
            if code:
                plan.tags.append(code)
                plan.codings += 1
            else:
                self.summary.skipped.append(f"a coding on selection {key}: unknown code")
            parts += [
                self._note_part(_g(n.get("targetGUID")), coder, plan)
                for n in _children(coding, "NoteRef")
            ]
        parts += [
            self._note_part(_g(n.get("targetGUID")), coder, plan) for n in _children(el, "NoteRef")
        ]
        comment = "\n\n".join(dict.fromkeys(p for p in parts if p))
        tool = None if self.ours else self.origin
        plan.comment = comment if plan.author else attribute(comment, coder, self.ws, tool)
        plan.tags = list(dict.fromkeys(plan.tags))
        self.coders[key] = coder
        check_ratings(plan, RefiImportError)
        self.plans.append(plan)
        self.by_selection[key] = plan

    def _merge_shared_spans(self) -> None:
        """One annotation per span and coder, carrying every code the file gives it there:
        NVivo writes one selection per coding, so a span coded six times is six selections."""
        merged: dict[tuple, PlannedAnnotation] = {}
        parts: dict[str, list[str]] = {}
        plans = []
        for plan in self.plans:
            key = (plan.document_id, plan.start, plan.end, self.coders.get(plan.key, ""))
            body = without_attribution(plan.comment)
            first = merged.get(key)
            if first is None:
                merged[key] = plan
                plans.append(plan)
                parts[plan.key] = [body] if body else []
                continue
            first.tags = list(dict.fromkeys(first.tags + plan.tags))
            first.codings += plan.codings
            first.links += plan.links
            if plan.kind == "claim" and first.kind != "claim":
                first.kind, first.statement = "claim", plan.statement
            if body and body not in parts[first.key]:
                parts[first.key].append(body)
                line = plan.comment.strip()[len(body) :].strip()
                first.comment = "\n\n".join([*parts[first.key], *([line] if line else [])])
            self.by_selection[plan.key] = first  # links to this selection go to the span
        self.plans = plans

    def read_memos(self) -> None:
        """Notes no placed selection carries (memos on the project, a code or a source) become
        documents of their own, so their text is never lost."""
        for guid, note in self.notes.items():
            text = note["text"].strip()
            if guid in self.used_notes or not text:
                continue
            if note["name"].startswith((REVIEW_NOTE_PREFIX, LINK_NOTE_PREFIX)) or (
                parse_claim_note(note["text"]) is not None
            ):
                continue  # Assay's own notes of selections that are not here
            title = note["name"].strip() or text.split("\n", 1)[0][:60]
            meta = {"Author": note["user"]} if note["user"] else {}
            self._new_source(f"Memo: {title}", text, meta, None)

    # -- links ----------------------------------------------------------------------------------
    def read_links(self) -> None:
        for link in _items(self.root, "Links", "Link"):
            origin = self.by_selection.get(_g(link.get("originGUID")))
            target = self.by_selection.get(_g(link.get("targetGUID")))
            relation = (link.get("name") or "").strip().casefold()
            if origin is None or target is None:
                self.summary.skipped.append(
                    f"link {link.get('name')!r}: Assay links two coded text selections"
                )
                continue
            if relation not in ("corroborates", "contradicts", "duplicates", "refines"):
                self.summary.skipped.append(
                    f"link {link.get('name')!r}: not one of Assay's "
                    "relations (corroborates, contradicts, duplicates, "
                    "refines)"
                )
                continue
            comments = []
            for ref in _children(link, "NoteRef"):
                note = self.notes.get(_g(ref.get("targetGUID")))
                if note and note["name"].startswith(LINK_NOTE_PREFIX):
                    self.used_notes.add(_g(ref.get("targetGUID")))
                    comments.append(note["text"].strip())
            origin.links.append(PlannedLink(target.key, relation, "\n\n".join(comments)))
        for other in ("Sets", "Cases", "Graphs"):
            if _child(self.root, other) is not None:
                self.summary.skipped.append(
                    f"the project's {other.lower()}: Assay has nothing to hold them"
                )


_REVIEW_TEXT = re.compile(
    r"^(Submitted for review|Approved|Rejected|Changes requested)"
    r"(?: \(opinion: ([a-z-]+)\))?\.(?: (.*))?$",
    re.DOTALL,
)
_DECISIONS = {
    "Submitted for review": "submit",
    "Approved": "approve",
    "Rejected": "reject",
    "Changes requested": "request_changes",
}


def _person(user_guid: str, name: str) -> Person | None:
    try:
        return Person(user_guid, name).checked()
    except AnnotationError:
        return None


def _stamp(value: str | None) -> str | None:
    """An xsd:dateTime as Assay stores times (UTC, microseconds, Z); None if it is not one."""
    from datetime import UTC, datetime

    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    except (ValueError, OverflowError):  # not a time, or one UTC cannot hold (year 1, +01:00)
        return None


def _review_step(note: dict, users: dict[str, str]) -> PlannedReview | None:
    """A review note Assay wrote ('Approved (opinion: agree). Sound sourcing.') as a step."""
    m = _REVIEW_TEXT.match(note["text"].strip())
    reviewer = _person(note["user_id"], users.get(note["user_id"], ""))
    at = _stamp(note["at"])
    if m is None or reviewer is None or at is None:
        return None
    decision = _DECISIONS[m.group(1)]
    if decision != "submit":
        reviewer = Person(reviewer.id, reviewer.name, "supervisor")
    return PlannedReview(decision, reviewer, at, None, m.group(2), (m.group(3) or "").strip())


def _apply_metadata(ws: Workspace, source: _Source, summary: ImportSummary) -> None:
    meta = source.metadata
    values = {"title": source.name}
    for var, field_name in (
        ("Source", "source"),
        ("Author", "author"),
        ("Published", "published_at"),
        ("URL", "url"),
    ):
        if meta.get(var):
            values[field_name] = meta[var]
    if values.get("published_at") and not is_iso_date(values["published_at"]):
        summary.skipped.append(
            f"source {source.name!r}: publication date {values.pop('published_at')!r} is not a date"
        )
    marking = meta.get("Marking") or meta.get("TLP")
    if marking:
        try:
            values["marking"] = scales.check_marking(marking)
        except scales.RatingError:
            summary.skipped.append(f"source {source.name!r}: unknown marking {marking!r}")
    reliability = (meta.get("Reliability") or "").strip().upper()
    if (
        meta.get("Source")
        and reliability in scales.RELIABILITY
        and not any(s["name"] == meta["Source"] for s in ws.sources())
    ):
        ws.set_source(meta["Source"], reliability=reliability)  # never re-rates a known source
    ws.update_document(source.doc_id, **values)


def import_refiqda(ws: Workspace, path: Path | str) -> ImportSummary:
    """Import a REFI-QDA project (.qdpx): its text sources, codes, codings, notes and links."""
    path = Path(path)
    summary = ImportSummary("REFI-QDA", path)
    archive = Archive(path)
    try:
        qde_name = archive.project_name()
        root = parse_qde(archive.read(qde_name, MAX_QDE_BYTES), qde_name)
        problems = schema_errors(root)
        if problems:
            summary.skipped.append(
                f"{qde_name} does not follow the REFI-QDA schema ("
                f"{problems[0]}); Assay imported what it could read"
            )
        reader = _Reader(ws, archive, root, summary)
        reader.read_sources()
        reader.read_links()
        reader.read_memos()
    finally:
        archive.close()
    if not reader.sources and not reader.codes and not reader.memos:
        missing = f" ({'; '.join(summary.missing)})" if summary.missing else ""
        raise RefiImportError(
            f"{path.name} holds no text source, code or note Assay can import{missing}."
        )
    documents = reader.sources + reader.memos
    new = [s for s in documents if not s.exists]
    new = list({s.doc_id: s for s in reversed(new)}.values())[::-1]  # one document per text
    summary.documents_matched = list(dict.fromkeys(s.doc_id for s in documents if s.exists))
    markings = {s.doc_id: s.metadata.get("Marking") for s in documents if s.exists}
    known = {t["name"] for t in ws.tags()}
    tags = [(name, reader.colours.get(name)) for name in dict.fromkeys(reader.codes.values())]
    # The new sources, their metadata, the codebook and the annotations are one transaction and
    # one undo step: if anything fails, the workspace is as it was (no half-imported project).
    try:
        with ws.deferred_indexing(), ws.batch(f"Import REFI-QDA ({path.name})"):
            if new:
                _import_sources(ws, new, summary)
            for name, colour in tags:  # a code no selection uses still comes in
                if name not in known:
                    ws.create_tag(name, colour)
                    parts = name.split("/")
                    known |= {"/".join(parts[: n + 1]) for n in range(len(parts))}
                    summary.tags_created.append(name)
            apply_plan(ws, reader.plans, summary, RefiImportError, markings, merge_tags=True)
    except BaseException as exc:
        summary.documents_created.clear()
        summary.tags_created.clear()
        if isinstance(exc, AssayError) and not isinstance(exc, RefiImportError):
            raise RefiImportError(f"{exc} Nothing was imported.") from exc
        raise
    summary.codings_kept = sum(p.codings for p in reader.plans)
    return summary


def _import_sources(ws: Workspace, new: list[_Source], summary: ImportSummary) -> None:
    with tempfile.TemporaryDirectory(prefix="assay-qdpx-") as tmp:
        files = []
        for source in new:
            target = Path(tmp) / source.filename
            target.write_bytes(source.data)
            files.append(target)
        report = ws.import_paths(files, index=False)
    if report.failed:
        problem = report.failed[0]
        raise RefiImportError(
            f"Source {Path(problem.path).name} could not be imported: {problem.reason} "
            "Nothing was imported."
        )
    for source in new:
        _apply_metadata(ws, source, summary)
        if source.created_at:
            ws.keep_import_time(source.doc_id, source.created_at)
        summary.documents_created.append(source.doc_id)
