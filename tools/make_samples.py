"""Build the binary documents of the demo corpus in resources/sample/.

The PDF and DOCX files in resources/sample/ are generated from plain-text
sources in resources/sample/src/, named ``<output file name>.txt``
(for example ``src/calder-offence-at-machine-speed.pdf.txt`` produces
``calder-offence-at-machine-speed.pdf``).

Source format: a header block of ``key: value`` lines (title, author,
organisation, subject, keywords, created as YYYY-MM-DD, marking such as
``TLP:GREEN``), a line ``---``, then the body in a small Markdown subset:
``#``/``##``/``###`` headings, blank-line separated paragraphs, ``- `` bullets,
``1. `` numbered items, ``> `` quotes, ``|``-tables, ``**bold**``, ``*italic*``.

Usage (from the project root)::

    .venv/bin/python tools/make_samples.py            # build and verify all
    .venv/bin/python tools/make_samples.py --verify   # only verify existing outputs

PDFs are written by a small PDF writer in this script: A4 pages set in the
standard Type 1 fonts Helvetica and Helvetica-Bold (not embedded, WinAnsi
encoding), word-wrapped with the Helvetica metrics, one text operator per line,
with a running header carrying the TLP marking, a page-numbered footer and a
document information dictionary with fixed dates. Such files are small and
quick to extract text from. DOCX files are written with python-docx and then
re-zipped with fixed timestamps. Output is deterministic (the PDFs byte for
byte on any machine).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import html
import io
import json
import re
import sys
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DIR = ROOT / "resources" / "sample"
SRC_DIR = SAMPLE_DIR / "src"

CREATOR = "Assay sample generator (tools/make_samples.py)"

# TLP 2.0 colours (text on a black background).
TLP_COLOURS = {
    "TLP:CLEAR": "#FFFFFF",
    "TLP:GREEN": "#33FF00",
    "TLP:AMBER": "#FFC000",
    "TLP:AMBER+STRICT": "#FFC000",
    "TLP:RED": "#FF2B2B",
}


# --------------------------------------------------------------------------
# Source parsing
# --------------------------------------------------------------------------


@dataclass
class Source:
    path: Path
    meta: dict[str, str]
    blocks: list[tuple[str, object]] = field(default_factory=list)

    @property
    def output(self) -> Path:
        return SAMPLE_DIR / self.path.name[: -len(".txt")]

    @property
    def created(self) -> dt.datetime:
        d = dt.date.fromisoformat(self.meta["created"])
        return dt.datetime(d.year, d.month, d.day, 9, 0, 0, tzinfo=dt.UTC)

    @property
    def authors(self) -> list[str]:
        return [a.strip() for a in self.meta.get("author", "").split(";") if a.strip()]


def parse_source(path: Path) -> Source:
    text = path.read_text(encoding="utf-8")
    head, sep, body = text.partition("\n---\n")
    if not sep:
        raise ValueError(f"{path}: missing '---' after the header block")
    meta: dict[str, str] = {}
    for line in head.splitlines():
        if not line.strip():
            continue
        key, colon, value = line.partition(":")
        if not colon:
            raise ValueError(f"{path}: bad header line {line!r}")
        meta[key.strip().lower()] = value.strip()
    for required in ("title", "author", "created", "marking"):
        if required not in meta:
            raise ValueError(f"{path}: header lacks {required!r}")
    return Source(path, meta, parse_blocks(body))


def parse_blocks(body: str) -> list[tuple[str, object]]:
    blocks: list[tuple[str, object]] = []
    para: list[str] = []
    items: list[str] = []
    list_kind = ""
    rows: list[list[str]] = []

    def flush() -> None:
        nonlocal para, items, list_kind, rows
        if para:
            blocks.append(("p", " ".join(para)))
            para = []
        if items:
            blocks.append((list_kind, items))
            items, list_kind = [], ""
        if rows:
            blocks.append(("table", rows))
            rows = []

    for raw in body.splitlines():
        line = raw.rstrip()
        stripped = line.strip()
        if not stripped:
            flush()
            continue
        m_head = re.match(r"^(#{1,3})\s+(.*)$", stripped)
        m_ul = re.match(r"^[-*]\s+(.*)$", stripped)
        m_ol = re.match(r"^\d+[.)]\s+(.*)$", stripped)
        if m_head:
            flush()
            blocks.append((f"h{len(m_head.group(1))}", m_head.group(2)))
        elif stripped.startswith("|"):
            if para or items:
                flush()
            cells = [c.strip() for c in stripped.strip("|").split("|")]
            if all(re.fullmatch(r":?-{3,}:?", c) for c in cells):
                continue  # separator row
            rows.append(cells)
        elif stripped.startswith(">"):
            flush()
            blocks.append(("quote", stripped.lstrip("> ").strip()))
        elif m_ul or m_ol:
            kind = "ul" if m_ul else "ol"
            if para or rows or (items and list_kind != kind):
                flush()
            list_kind = kind
            items.append((m_ul or m_ol).group(1))
        elif items and raw.startswith(("  ", "\t")):
            items[-1] += " " + stripped  # continuation of a list item
        else:
            if items or rows:
                flush()
            para.append(stripped)
    flush()
    return blocks


INLINE = re.compile(r"(\*\*.+?\*\*|\*[^*\s][^*]*?\*)")


def inline_runs(text: str) -> list[tuple[str, bool, bool]]:
    """Split text into (chunk, bold, italic) runs."""
    runs = []
    for part in INLINE.split(text):
        if not part:
            continue
        if part.startswith("**") and part.endswith("**") and len(part) > 4:
            runs.append((part[2:-2], True, False))
        elif part.startswith("*") and part.endswith("*") and len(part) > 2:
            runs.append((part[1:-1], False, True))
        else:
            runs.append((part, False, False))
    return runs


# --------------------------------------------------------------------------
# PDF (a small hand-written PDF 1.4 writer)
# --------------------------------------------------------------------------
#
# The PDFs use the standard Type 1 fonts Helvetica and Helvetica-Bold (not
# embedded) with WinAnsiEncoding, one text line per Tj/TJ, and uncompressed
# content streams. That keeps the files small, byte-for-byte deterministic on
# any machine, and quick for pypdf to extract text from.

PRODUCER = "Assay sample generator"

# Advance widths (1/1000 em) of WinAnsiEncoding codes 0x20-0xFF, from Adobe's
# Helvetica and Helvetica-Bold AFM files. 0 marks codes WinAnsi leaves unused.
# fmt: off
HELVETICA_WIDTHS = (
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,  # 0x20
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,  # 0x30
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,  # 0x40
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,  # 0x50
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,  # 0x60
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, 0,    # 0x70
    556, 0, 222, 556, 333, 1000, 556, 556, 333, 1000, 667, 333, 1000, 0, 611, 0,     # 0x80
    0, 222, 222, 333, 333, 350, 556, 1000, 333, 1000, 500, 333, 944, 0, 500, 667,    # 0x90
    278, 333, 556, 556, 556, 556, 260, 556, 333, 737, 370, 556, 584, 333, 737, 333,  # 0xA0
    400, 584, 333, 333, 333, 556, 537, 278, 333, 333, 365, 556, 834, 834, 834, 611,  # 0xB0
    667, 667, 667, 667, 667, 667, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278,  # 0xC0
    722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667, 611,  # 0xD0
    556, 556, 556, 556, 556, 556, 889, 500, 556, 556, 556, 556, 278, 278, 278, 278,  # 0xE0
    556, 556, 556, 556, 556, 556, 556, 584, 611, 556, 556, 556, 556, 500, 556, 500,  # 0xF0
)
HELVETICA_BOLD_WIDTHS = (
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278,  # 0x20
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611,  # 0x30
    975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778,  # 0x40
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556,  # 0x50
    333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611,  # 0x60
    611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584, 0,    # 0x70
    556, 0, 278, 556, 500, 1000, 556, 556, 333, 1000, 667, 333, 1000, 0, 611, 0,     # 0x80
    0, 278, 278, 500, 500, 350, 556, 1000, 333, 1000, 556, 333, 944, 0, 500, 667,    # 0x90
    278, 333, 556, 556, 556, 556, 280, 556, 333, 737, 370, 556, 584, 333, 737, 333,  # 0xA0
    400, 584, 333, 333, 333, 611, 556, 278, 333, 333, 365, 556, 834, 834, 834, 611,  # 0xB0
    722, 722, 722, 722, 722, 722, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278,  # 0xC0
    722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667, 611,  # 0xD0
    556, 556, 556, 556, 556, 556, 889, 556, 556, 556, 556, 556, 278, 278, 278, 278,  # 0xE0
    611, 611, 611, 611, 611, 611, 611, 584, 611, 611, 611, 611, 611, 556, 611, 556,  # 0xF0
)
# fmt: on

# Resource names of the two fonts and their width tables.
FONTS = {
    "F1": ("Helvetica", HELVETICA_WIDTHS),
    "F2": ("Helvetica-Bold", HELVETICA_BOLD_WIDTHS),
}

# Characters WinAnsi lacks, replaced by a close ASCII equivalent. (Characters
# WinAnsi has, such as ’ “ ” – — … · • é, are encoded by the cp1252 codec,
# which matches WinAnsiEncoding.)
# fmt: off
ASCII_FALLBACK = {
    "≥": ">=", "≤": "<=", "≠": "!=", "≈": "~", "±": "+/-", "−": "-", "∼": "~",
    "→": "->", "←": "<-", "↔": "<->", "⇒": "=>", "×": "x",
    "‐": "-", "‑": "-", "‒": "-", "―": "-", "′": "'", "″": '"', "‵": "'",
    "\u2009": " ", "\u200a": " ", "\u2002": " ", "\u2003": " ", "\u2007": " ",
    "\u202f": "\xa0", "\u200b": "", "\u200c": "", "\u200d": "", "\ufeff": "",
    "Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "Ħ": "H", "ħ": "h", "ı": "i", "Ŧ": "T", "ŧ": "t",
    "✓": "v", "✔": "v", "✗": "x", "✘": "x", "★": "*", "●": "\x95", "▪": "\x95",
    "。": ".", "、": ",", "「": '"', "」": '"', "『": '"', "』": '"', "《": '"', "》": '"',
}
# fmt: on


def winansi(text: str) -> bytes:
    """Encode text for a WinAnsiEncoding font, substituting what it lacks."""
    out = bytearray()
    for ch in text:
        if ch in "\t\n\r":
            out += b" "
            continue
        if ord(ch) < 0x20 or ord(ch) == 0x7F:
            continue
        try:
            out += ch.encode("cp1252")
            continue
        except UnicodeEncodeError:
            pass
        sub = ASCII_FALLBACK.get(ch)
        if sub is None:
            # Compatibility forms (full-width letters, ligatures) and accented
            # letters outside Latin-1 reduce to their base characters.
            base = "".join(
                c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c)
            )
            try:
                sub = base.encode("cp1252").decode("cp1252") if base else "?"
            except UnicodeEncodeError:
                sub = "?"
        out += sub.encode("cp1252")
    return bytes(out)


def text_width(data: bytes, font: str, size: float) -> float:
    widths = FONTS[font][1]
    return sum(widths[b - 32] if b >= 32 else 0 for b in data) * size / 1000


def pdf_string(data: bytes) -> bytes:
    """A PDF literal string with ( ) and \\ escaped."""
    return b"(" + data.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def info_string(text: str) -> bytes:
    """A document-information string: literal if ASCII, else UTF-16BE hex."""
    if all(0x20 <= ord(c) < 0x7F for c in text):
        return pdf_string(text.encode("ascii"))
    return b"<FEFF" + text.encode("utf-16-be").hex().upper().encode() + b">"


def wrap(data: bytes, font: str, size: float, width: float, first_width: float | None = None):
    """Greedy word wrap at spaces; returns the lines (without trailing spaces)."""
    lines: list[bytes] = []
    limit = width if first_width is None else first_width
    line = b""
    for word in data.split(b" "):
        if not word:
            continue
        candidate = line + b" " + word if line else word
        if not line or text_width(candidate, font, size) <= limit:
            line = candidate
        else:
            lines.append(line)
            line, limit = word, width
        # A single word wider than the line: break it by characters.
        while text_width(line, font, size) > limit and len(line) > 1:
            cut = len(line) - 1
            while cut > 1 and text_width(line[:cut], font, size) > limit:
                cut -= 1
            lines.append(line[:cut])
            line, limit = line[cut:], width
    if line or not lines:
        lines.append(line)
    return lines


def rgb(hex_colour: str) -> str:
    h = hex_colour.lstrip("#")
    return " ".join(f"{int(h[i : i + 2], 16) / 255:.3f}" for i in (0, 2, 4))


PT_PER_MM = 72 / 25.4
PAGE_W, PAGE_H = 595.28, 841.89  # A4 in points
MARGIN_L = MARGIN_R = 22 * PT_PER_MM
MARGIN_T, MARGIN_B = 26 * PT_PER_MM, 24 * PT_PER_MM
BODY_W = PAGE_W - MARGIN_L - MARGIN_R

TEXT_COLOUR = "#111111"
HEAD_COLOUR = "#1D2B4F"
QUOTE_COLOUR = "#444444"
FURNITURE_COLOUR = "#555555"
RULE_COLOUR = "#C8CCD6"

# Paragraph styles: font, size, leading, space before, space after, colour.
STYLES = {
    "h1": ("F2", 20.0, 24.0, 0.0, 10.0, HEAD_COLOUR),
    "h2": ("F2", 13.5, 17.0, 12.0, 5.0, HEAD_COLOUR),
    "h3": ("F2", 11.5, 14.5, 9.0, 3.0, HEAD_COLOUR),
    "p": ("F1", 10.0, 13.5, 0.0, 7.0, TEXT_COLOUR),
    "li": ("F1", 10.0, 13.5, 0.0, 4.0, TEXT_COLOUR),
    "quote": ("F1", 10.0, 13.5, 0.0, 7.0, QUOTE_COLOUR),
    "table": ("F1", 9.5, 12.5, 0.0, 2.0, TEXT_COLOUR),
}
LIST_INDENT = 18.0  # text of list items, from the left margin
BULLET_X = 6.0
QUOTE_INDENT = 24.0


@dataclass
class PdfLine:
    font: str
    size: float
    leading: float
    x: float  # offset from the left margin
    colour: str
    data: bytes
    label: bytes = b""  # bullet or number set before the text, in a TJ array
    label_x: float = 0.0


@dataclass
class PdfBlock:
    lines: list[PdfLine]
    space_before: float
    space_after: float
    keep_with_next: bool = False


def plain_text(text: str) -> tuple[str, bool]:
    """Strip inline markup; report whether the whole text was bold.

    Each line is a single Tj in one font, so only wholly-bold paragraphs are
    set in Helvetica-Bold; bold or italic words inside a paragraph are plain.
    """
    runs = inline_runs(text)
    plain = "".join(chunk for chunk, _, _ in runs)
    all_bold = bool(runs) and all(bold for chunk, bold, _ in runs if chunk.strip())
    return plain, all_bold


def layout_blocks(src: Source) -> list[PdfBlock]:
    blocks: list[PdfBlock] = []

    def para(
        style: str,
        text: str,
        indent: float = 0.0,
        right_indent: float = 0.0,
        bold: bool | None = None,
        label: bytes = b"",
        label_x: float = 0.0,
    ) -> PdfBlock:
        font, size, leading, before, after, colour = STYLES[style]
        plain, all_bold = plain_text(text)
        if bold if bold is not None else all_bold:
            font = "F2"
        lines = [
            PdfLine(font, size, leading, indent, colour, data)
            for data in wrap(winansi(plain), font, size, BODY_W - indent - right_indent)
        ]
        if label:
            lines[0].label, lines[0].label_x = label, label_x
        return PdfBlock(lines, before, after, keep_with_next=style.startswith("h"))

    for kind, value in src.blocks:
        if kind in ("h1", "h2", "h3"):
            blocks.append(para(kind, str(value), bold=True))
        elif kind == "p":
            blocks.append(para("p", str(value)))
        elif kind == "quote":
            blocks.append(para("quote", str(value), QUOTE_INDENT, QUOTE_INDENT))
        elif kind in ("ul", "ol"):
            items = list(value)  # type: ignore[call-overload]
            for n, item in enumerate(items, 1):
                label = b"\x95" if kind == "ul" else f"{n}.".encode()
                block = para("li", item, LIST_INDENT, label=label, label_x=BULLET_X)
                if n == len(items):
                    block.space_after = STYLES["p"][4]
                blocks.append(block)
        elif kind == "table":
            # Rows as single lines, cells separated by a vertical bar.
            rows = list(value)  # type: ignore[call-overload]
            for r, cells in enumerate(rows):
                block = para("table", "  |  ".join(cells), bold=(r == 0))
                if r == len(rows) - 1:
                    block.space_after = STYLES["p"][4]
                blocks.append(block)
    return blocks


def paginate(blocks: list[PdfBlock]) -> list[list[tuple[float, PdfLine]]]:
    """Place lines on pages; returns, per page, (baseline y, line) pairs."""
    top, bottom = PAGE_H - MARGIN_T, MARGIN_B
    pages: list[list[tuple[float, PdfLine]]] = [[]]
    y = top

    def new_page() -> None:
        nonlocal y
        pages.append([])
        y = top

    for i, block in enumerate(blocks):
        if pages[-1]:
            y -= block.space_before
        need = sum(line.leading for line in block.lines[:2])
        if block.keep_with_next and i + 1 < len(blocks):
            # A heading needs its own lines and two lines of what follows.
            nxt = blocks[i + 1]
            need = sum(line.leading for line in block.lines)
            need += nxt.space_before + sum(line.leading for line in nxt.lines[:2])
        if y - need < bottom and pages[-1]:
            new_page()
        for n, line in enumerate(block.lines):
            remaining = len(block.lines) - n
            # No single line left alone at the foot or the head of a page.
            if y - line.leading < bottom or (
                remaining == 2 and n > 0 and y - 2 * line.leading < bottom
            ):
                new_page()
            pages[-1].append((y - 0.78 * line.leading, line))
            y -= line.leading
        y -= block.space_after
    return pages


def page_content(page: list[tuple[float, PdfLine]], number: int, count: int, src: Source) -> bytes:
    marking = src.meta["marking"].upper()
    org = src.meta.get("organisation", "")
    short_title = src.meta["title"].split(":")[0]
    right = PAGE_W - MARGIN_R
    raw: list[bytes] = []

    def emit(*parts: str | bytes) -> None:
        raw.append(b" ".join(p if isinstance(p, bytes) else p.encode("ascii") for p in parts))

    def furniture_text(x: float, y: float, font: str, size: float, colour: str, data: bytes):
        emit(
            "BT",
            f"/{font} {size:g} Tf",
            f"{rgb(colour)} rg",
            f"{x:.2f} {y:.2f} Td",
            pdf_string(data),
            "Tj ET",
        )

    # Running header: organisation on the left, TLP label on the right, a rule.
    head_y = PAGE_H - MARGIN_T + 16
    furniture_text(MARGIN_L, head_y, "F1", 8, FURNITURE_COLOUR, winansi(org))
    label = winansi(marking)
    label_size = 8.5
    label_w = text_width(label, "F2", label_size) + 4 * PT_PER_MM
    emit(f"0 0 0 rg {right - label_w:.2f} {head_y - 4:.2f} {label_w:.2f} 14 re f")
    furniture_text(
        right - label_w + 2 * PT_PER_MM,
        head_y,
        "F2",
        label_size,
        TLP_COLOURS.get(marking, "#FFFFFF"),
        label,
    )
    rule_y = PAGE_H - MARGIN_T + 7
    emit(f"{rgb(RULE_COLOUR)} RG 0.7 w {MARGIN_L:.2f} {rule_y:.2f} m {right:.2f} {rule_y:.2f} l S")

    # Body: one text object; each line is one Tj (or TJ, for list labels).
    if page:
        emit("BT")
        state: dict[str, object] = {}
        cur_x = cur_y = 0.0
        for baseline, line in page:
            if state.get("font") != (line.font, line.size):
                emit(f"/{line.font} {line.size:g} Tf")
                state["font"] = (line.font, line.size)
            if state.get("colour") != line.colour:
                emit(f"{rgb(line.colour)} rg")
                state["colour"] = line.colour
            if state.get("leading") != line.leading:
                emit(f"{line.leading:g} TL")
                state["leading"] = line.leading
            x = MARGIN_L + (line.label_x if line.label else line.x)
            if abs(x - cur_x) < 0.005 and abs((cur_y - baseline) - line.leading) < 0.005:
                emit("T*")
            else:
                emit(f"{x - cur_x:.2f} {baseline - cur_y:.2f} Td")
            cur_x, cur_y = x, baseline
            if line.label:
                gap = line.x - line.label_x - text_width(line.label, line.font, line.size)
                emit(
                    b"["
                    + pdf_string(line.label)
                    + f" {-gap * 1000 / line.size:.0f} ".encode()
                    + pdf_string(line.data)
                    + b"] TJ"
                )
            else:
                emit(pdf_string(line.data), "Tj")
        emit("ET")

    # Footer: short title and marking on the left, page number on the right.
    foot_y = MARGIN_B - 26
    emit(
        f"{rgb(RULE_COLOUR)} RG 0.5 w {MARGIN_L:.2f} {foot_y + 11:.2f} m {right:.2f} {foot_y + 11:.2f} l S"
    )
    furniture_text(
        MARGIN_L, foot_y, "F1", 8, FURNITURE_COLOUR, winansi(f"{short_title} · {marking}")
    )
    number_text = winansi(f"Page {number} of {count}")
    furniture_text(
        right - text_width(number_text, "F1", 8), foot_y, "F1", 8, FURNITURE_COLOUR, number_text
    )
    return b"\n".join(raw) + b"\n"


def pdf_date(when: dt.datetime) -> str:
    return when.strftime("D:%Y%m%d%H%M%S+00'00'")


def build_pdf(src: Source) -> bytes:
    pages = paginate(layout_blocks(src))
    count = len(pages)

    # Object numbers: 1 catalog, 2 page tree, 3-4 fonts, 5 info, then a page
    # object and its content stream per page.
    objects: dict[int, bytes] = {}
    page_ids = [6 + 2 * i for i in range(count)]
    objects[1] = b"<< /Type /Catalog /Pages 2 0 R /PageMode /UseNone >>"
    kids = " ".join(f"{p} 0 R" for p in page_ids)
    objects[2] = (
        f"<< /Type /Pages /Kids [{kids}] /Count {count} /MediaBox [0 0 {PAGE_W:g} {PAGE_H:g}] >>"
    ).encode()
    for num, (base, _) in zip((3, 4), FONTS.values(), strict=True):
        objects[num] = (
            f"<< /Type /Font /Subtype /Type1 /BaseFont /{base} /Encoding /WinAnsiEncoding >>"
        ).encode()
    when = pdf_date(src.created)
    info = {
        "Title": src.meta["title"],
        "Author": "; ".join(src.authors),
        "Subject": src.meta.get("subject", ""),
        "Keywords": src.meta.get("keywords", ""),
        "Creator": CREATOR,
        "Producer": PRODUCER,
        "CreationDate": when,
        "ModDate": when,
    }
    objects[5] = (
        b"<< "
        + b" ".join(b"/" + k.encode() + b" " + info_string(v) for k, v in info.items() if v)
        + b" >>"
    )
    resources = "<< /Font << /F1 3 0 R /F2 4 0 R >> /ProcSet [/PDF /Text] >>"
    for i, page in enumerate(pages):
        content = page_content(page, i + 1, count, src)
        objects[page_ids[i]] = (
            f"<< /Type /Page /Parent 2 0 R /Resources {resources} "
            f"/Contents {page_ids[i] + 1} 0 R >>"
        ).encode()
        objects[page_ids[i] + 1] = (
            f"<< /Length {len(content)} >>\nstream\n".encode() + content + b"endstream"
        )

    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for num in sorted(objects):
        offsets[num] = len(out)
        out += f"{num} 0 obj\n".encode() + objects[num] + b"\nendobj\n"
    xref_at = len(out)
    size = max(objects) + 1
    out += f"xref\n0 {size}\n0000000000 65535 f \n".encode()
    for num in range(1, size):
        out += f"{offsets[num]:010d} 00000 n \n".encode()
    file_id = hashlib.md5(src.path.name.encode("utf-8")).hexdigest().upper()
    out += (
        f"trailer\n<< /Size {size} /Root 1 0 R /Info 5 0 R "
        f"/ID [<{file_id}> <{file_id}>] >>\nstartxref\n{xref_at}\n%%EOF\n"
    ).encode()
    return bytes(out)


# --------------------------------------------------------------------------
# DOCX (python-docx, re-zipped with fixed timestamps)
# --------------------------------------------------------------------------


def build_docx(src: Source) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt, RGBColor

    document = Document()
    styles = document.styles
    styles["Normal"].font.name = "Calibri"
    styles["Normal"].font.size = Pt(11)
    for name in ("Heading 1", "Heading 2", "Heading 3", "Title"):
        styles[name].font.color.rgb = RGBColor(0x1D, 0x2B, 0x4F)

    marking = src.meta["marking"].upper()
    section = document.sections[0]
    hp = section.header.paragraphs[0]
    hp.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    run = hp.add_run(marking)
    run.bold = True
    run.font.size = Pt(9)
    fp = section.footer.paragraphs[0]
    fp.alignment = WD_ALIGN_PARAGRAPH.CENTER
    frun = fp.add_run(f"{src.meta.get('organisation', '')} · {marking}")
    frun.font.size = Pt(8)

    def add_inline(par, text: str) -> None:
        for chunk, bold, italic in inline_runs(text):
            r = par.add_run(chunk)
            r.bold = bold or None
            r.italic = italic or None

    for kind, value in src.blocks:
        if kind == "h1":
            add_inline(document.add_heading(level=0), str(value))
        elif kind in ("h2", "h3"):
            add_inline(document.add_heading(level=int(kind[1]) - 1), str(value))
        elif kind == "p":
            add_inline(document.add_paragraph(), str(value))
        elif kind == "quote":
            add_inline(document.add_paragraph(style="Quote"), str(value))
        elif kind in ("ul", "ol"):
            style = "List Bullet" if kind == "ul" else "List Number"
            for item in value:  # type: ignore[union-attr]
                add_inline(document.add_paragraph(style=style), item)
        elif kind == "table":
            rows = value  # type: ignore[assignment]
            table = document.add_table(rows=len(rows), cols=max(len(r) for r in rows))
            table.style = "Table Grid"
            for r, cells in enumerate(rows):
                for c, text in enumerate(cells):
                    cell_par = table.cell(r, c).paragraphs[0]
                    add_inline(cell_par, text)
                    if r == 0:
                        for cell_run in cell_par.runs:
                            cell_run.bold = True

    cp = document.core_properties
    cp.title = src.meta["title"]
    cp.author = "; ".join(src.authors)
    cp.last_modified_by = src.authors[0] if src.authors else ""
    cp.created = src.created.replace(tzinfo=None)
    cp.modified = src.created.replace(tzinfo=None)
    cp.revision = 1
    cp.subject = src.meta.get("subject", "")
    cp.keywords = src.meta.get("keywords", "")
    cp.category = marking
    cp.comments = f"Marking: {marking}. Fictional document generated for the Assay demo workspace."
    cp.language = "en-GB"

    # The default template carries a thumbnail of some other document: drop it.
    package_rels = document.part.package.rels
    for r_id, rel in list(package_rels.items()):
        if rel.reltype.endswith("/thumbnail"):
            del package_rels[r_id]

    raw = io.BytesIO()
    document.save(raw)

    def fix_app(xml: bytes) -> bytes:
        org = html.escape(src.meta.get("organisation", "")).encode("utf-8")
        xml = re.sub(
            rb"<Application>[^<]*</Application>",
            b"<Application>" + CREATOR.encode() + b"</Application>",
            xml,
        )
        return xml.replace(b"<Company/>", b"<Company>" + org + b"</Company>")

    return normalise_zip(raw.getvalue(), src.created, {"docProps/app.xml": fix_app})


def normalise_zip(data: bytes, when: dt.datetime, fixes: dict | None = None) -> bytes:
    """Rewrite a ZIP with fixed member timestamps and a stable order."""
    stamp = (when.year, when.month, when.day, when.hour, when.minute, when.second)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as zin,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout,
    ):
        names = zin.namelist()
        # [Content_Types].xml first, as Word does.
        names.sort(key=lambda n: (n != "[Content_Types].xml", n))
        for name in names:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 0
            payload = zin.read(name)
            if fixes and name in fixes:
                payload = fixes[name](payload)
            zout.writestr(info, payload)
    return out.getvalue()


# --------------------------------------------------------------------------
# Verification
# --------------------------------------------------------------------------

LIGATURES = re.compile("[\ufb00-\ufb06]")


def _words(text: str) -> list[str]:
    return re.findall(r"[A-Za-z][A-Za-z'-]+", text)


def verify(sources: list[Source]) -> bool:
    from docx import Document
    from pypdf import PdfReader

    catalog = {
        entry["file"]: entry
        for entry in json.loads((SAMPLE_DIR / "catalog.json").read_text(encoding="utf-8"))
    }
    ok = True
    for src in sources:
        out = src.output
        if not out.exists():
            print(f"MISSING {out.name}")
            ok = False
            continue
        problems = []
        if out.suffix == ".pdf":
            reader = PdfReader(str(out))
            text = "\n".join(p.extract_text() or "" for p in reader.pages)
            meta = reader.metadata or {}
            if meta.get("/Title") != src.meta["title"]:
                problems.append(f"title {meta.get('/Title')!r}")
            title, author = meta.get("/Title"), meta.get("/Author")
            created = meta.creation_date.date().isoformat() if meta.creation_date else None
            if "\t" in text:
                problems.append("tabs in extracted text")
            if LIGATURES.search(text):
                problems.append("ligatures in extracted text")
            info = f"{len(reader.pages)} pages"
        else:
            d = Document(str(out))
            text = "\n".join(p.text for p in d.paragraphs)
            cp = d.core_properties
            if cp.title != src.meta["title"] or cp.created is None:
                problems.append("core properties")
            title, author = cp.title, cp.author
            created = cp.created.date().isoformat() if cp.created else None
            info = f"{len(d.paragraphs)} paragraphs"
        entry = catalog.get(out.name)
        if entry is None:
            problems.append("not in catalog.json")
        else:
            for key, got in (("title", title), ("author", author), ("published_at", created)):
                if got != entry[key]:
                    problems.append(f"{key} {got!r} differs from catalog.json {entry[key]!r}")
        # Every sentence of the source must come back out with its spaces.
        flat = re.sub(r"\s+", " ", text)
        for kind, value in src.blocks:
            if kind != "p":
                continue
            plain = re.sub(r"\s+", " ", "".join(c for c, _, _ in inline_runs(str(value))))
            probe = plain[:60]
            if probe not in flat:
                problems.append(f"text not extractable: {probe!r}")
                break
        status = "ok" if not problems else "FAIL " + "; ".join(problems)
        print(f"{status:4} {out.name}: {info}, {len(_words(text))} words")
        ok = ok and not problems
    return ok


# --------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--verify", action="store_true", help="only verify the existing outputs")
    ap.add_argument("names", nargs="*", help="source file names to build (default: all)")
    args = ap.parse_args(argv)

    paths = sorted(SRC_DIR.glob("*.pdf.txt")) + sorted(SRC_DIR.glob("*.docx.txt"))
    if args.names:
        paths = [p for p in paths if p.name in args.names or p.name[: -len(".txt")] in args.names]
    sources = [parse_source(p) for p in paths]

    if not args.verify:
        for src in sources:
            data = build_pdf(src) if src.output.suffix == ".pdf" else build_docx(src)
            src.output.write_bytes(data)
            print(f"wrote {src.output.relative_to(ROOT)} ({len(data):,} bytes)")
    return 0 if verify(sources) else 1


if __name__ == "__main__":
    sys.exit(main())
