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

PDFs are laid out with Qt (QTextDocument painted page by page onto a
QPdfWriter, offscreen) and then finished with pypdf: fixed metadata dates and
file identifiers, and a repaired ToUnicode map so that text extraction yields
real spaces between words. DOCX files are written with python-docx and then
re-zipped with fixed timestamps. Output is deterministic on a given machine
(the embedded font subsets depend on the fonts installed).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import html
import io
import os
import re
import sys
import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DIR = ROOT / "resources" / "sample"
SRC_DIR = SAMPLE_DIR / "src"

CREATOR = "Assay sample generator (tools/make_samples.py)"
NAMESPACE = uuid.UUID("6f1c1d52-3c1e-4d0b-9a53-0b8f3f1a7a11")

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


def inline_html(text: str) -> str:
    out = []
    for chunk, bold, italic in inline_runs(text):
        s = html.escape(chunk, quote=False)
        if bold:
            s = f"<b>{s}</b>"
        if italic:
            s = f"<i>{s}</i>"
        out.append(s)
    return "".join(out)


# --------------------------------------------------------------------------
# PDF (Qt layout + pypdf finishing)
# --------------------------------------------------------------------------

PDF_CSS = """
body { font-family: 'DejaVu Serif'; font-size: 10.5pt; color: #111111; }
h1 { font-family: 'DejaVu Sans'; font-size: 20pt; font-weight: bold; color: #1d2b4f;
     margin-top: 0px; margin-bottom: 8px; }
h2 { font-family: 'DejaVu Sans'; font-size: 13.5pt; font-weight: bold; color: #1d2b4f;
     margin-top: 16px; margin-bottom: 6px; }
h3 { font-family: 'DejaVu Sans'; font-size: 11.5pt; font-weight: bold; color: #1d2b4f;
     margin-top: 12px; margin-bottom: 4px; }
p { margin-top: 0px; margin-bottom: 8px; line-height: 125%; }
li { margin-bottom: 4px; line-height: 125%; }
td, th { padding: 4px; font-size: 9.5pt; }
th { background-color: #e6e9f0; font-family: 'DejaVu Sans'; }
.quote { margin-left: 24px; margin-right: 24px; color: #333333; font-style: italic; }
"""


def blocks_to_html(src: Source) -> str:
    parts = [f"<html><head><title>{html.escape(src.meta['title'])}</title></head><body>"]
    for kind, value in src.blocks:
        if kind in ("h1", "h2", "h3"):
            parts.append(f"<{kind}>{inline_html(str(value))}</{kind}>")
        elif kind == "p":
            parts.append(f"<p>{inline_html(str(value))}</p>")
        elif kind == "quote":
            parts.append(f"<p class='quote'>{inline_html(str(value))}</p>")
        elif kind in ("ul", "ol"):
            lis = "".join(f"<li>{inline_html(i)}</li>" for i in value)  # type: ignore[union-attr]
            parts.append(f"<{kind}>{lis}</{kind}>")
        elif kind == "table":
            rows = value  # type: ignore[assignment]
            out = ["<table border='1' cellspacing='0' cellpadding='4' width='100%'>"]
            for r, cells in enumerate(rows):
                tag = "th" if r == 0 else "td"
                out.append(
                    "<tr>" + "".join(f"<{tag}>{inline_html(c)}</{tag}>" for c in cells) + "</tr>"
                )
            out.append("</table><p></p>")
            parts.append("".join(out))
    parts.append("</body></html>")
    return "".join(parts)


def xmp_packet(src: Source) -> bytes:
    stamp = src.created.strftime("%Y-%m-%dT%H:%M:%SZ")
    e = lambda s: html.escape(s, quote=True)  # noqa: E731
    creators = "".join(f"<rdf:li>{e(a)}</rdf:li>" for a in src.authors)
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
        '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:pdf="http://ns.adobe.com/pdf/1.3/">\n'
        f'<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{e(src.meta["title"])}</rdf:li></rdf:Alt></dc:title>\n'
        f"<dc:creator><rdf:Seq>{creators}</rdf:Seq></dc:creator>\n"
        f"<xmp:CreateDate>{stamp}</xmp:CreateDate>\n"
        f"<xmp:ModifyDate>{stamp}</xmp:ModifyDate>\n"
        f"<xmp:CreatorTool>{e(CREATOR)}</xmp:CreatorTool>\n"
        f"<pdf:Keywords>{e(src.meta.get('keywords', ''))}</pdf:Keywords>\n"
        "</rdf:Description>\n</rdf:RDF>\n</x:xmpmeta>\n"
        '<?xpacket end="w"?>'
    ).encode()


_qt_app = None


def _qt():
    """Import Qt lazily (offscreen) and keep one QGuiApplication alive."""
    global _qt_app
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    # A fixed hash seed keeps Qt's font embedding order, and so the bytes, stable.
    os.environ.setdefault("QT_HASH_SEED", "0")
    from PySide6 import QtCore, QtGui

    if _qt_app is None:
        _qt_app = QtGui.QGuiApplication.instance() or QtGui.QGuiApplication(["make_samples"])
    return QtCore, QtGui


def render_pdf_qt(src: Source) -> bytes:
    QtCore, QtGui = _qt()
    from PySide6.QtGui import QAbstractTextDocumentLayout

    buf = QtCore.QBuffer()
    buf.open(QtCore.QIODevice.OpenModeFlag.WriteOnly)
    writer = QtGui.QPdfWriter(buf)
    writer.setTitle(src.meta["title"])
    writer.setAuthor("; ".join(src.authors))
    writer.setCreator(CREATOR)
    writer.setDocumentId(QtCore.QUuid(str(uuid.uuid5(NAMESPACE, src.path.name))))
    writer.setDocumentXmpMetadata(QtCore.QByteArray(xmp_packet(src)))
    writer.setResolution(300)
    writer.setPageLayout(
        QtGui.QPageLayout(
            QtGui.QPageSize(QtGui.QPageSize.PageSizeId.A4),
            QtGui.QPageLayout.Orientation.Portrait,
            QtCore.QMarginsF(0, 0, 0, 0),
        )
    )

    dpi = writer.resolution()
    mm = dpi / 25.4
    page_w = writer.width()
    page_h = writer.height()
    left, right, top, bottom = 22 * mm, 22 * mm, 24 * mm, 22 * mm
    body = QtCore.QRectF(left, top, page_w - left - right, page_h - top - bottom)

    def font(family: str, size: float, bold: bool = False):
        f = QtGui.QFont(family)
        f.setPointSizeF(size)
        f.setBold(bold)
        # Ligatures would turn "fi" into U+FB01 in extracted text.
        for tag in ("liga", "clig", "dlig"):
            f.setFeature(QtGui.QFont.Tag(tag), 0)
        return f

    doc = QtGui.QTextDocument()
    doc.documentLayout().setPaintDevice(writer)
    doc.setDefaultFont(font("DejaVu Serif", 10.5))
    doc.setDefaultStyleSheet(PDF_CSS)
    doc.setDocumentMargin(0)
    doc.setHtml(blocks_to_html(src))
    doc.setPageSize(body.size())
    pages = doc.pageCount()

    marking = src.meta["marking"].upper()
    org = src.meta.get("organisation", "")
    short_title = src.meta["title"].split(":")[0]

    painter = QtGui.QPainter(writer)
    try:
        for i in range(pages):
            if i:
                writer.newPage()
            # Running header: organisation on the left, TLP label on the right.
            painter.setFont(font("DejaVu Sans", 8))
            painter.setPen(QtGui.QColor("#555555"))
            header_y = top - 9 * mm
            painter.drawText(
                QtCore.QRectF(left, header_y, body.width() * 0.7, 6 * mm),
                int(QtCore.Qt.AlignmentFlag.AlignLeft | QtCore.Qt.AlignmentFlag.AlignVCenter),
                org,
            )
            label_font = font("DejaVu Sans", 8.5, bold=True)
            painter.setFont(label_font)
            fm = QtGui.QFontMetricsF(label_font, writer)
            lw = fm.horizontalAdvance(marking) + 4 * mm
            label = QtCore.QRectF(page_w - right - lw, header_y, lw, 6 * mm)
            painter.fillRect(label, QtGui.QColor("#000000"))
            painter.setPen(QtGui.QColor(TLP_COLOURS.get(marking, "#FFFFFF")))
            painter.drawText(label, int(QtCore.Qt.AlignmentFlag.AlignCenter), marking)
            painter.setPen(QtGui.QPen(QtGui.QColor("#c8ccd6"), 0.25 * mm))
            painter.drawLine(
                QtCore.QPointF(left, top - 2.5 * mm), QtCore.QPointF(page_w - right, top - 2.5 * mm)
            )

            # Body slice for this page.
            painter.save()
            painter.translate(body.left(), body.top() - i * body.height())
            clip = QtCore.QRectF(0, i * body.height(), body.width(), body.height())
            painter.setClipRect(clip)
            ctx = QAbstractTextDocumentLayout.PaintContext()
            ctx.clip = clip
            doc.documentLayout().draw(painter, ctx)
            painter.restore()

            # Footer.
            painter.setFont(font("DejaVu Sans", 8))
            painter.setPen(QtGui.QColor("#555555"))
            footer = QtCore.QRectF(left, page_h - bottom + 6 * mm, body.width(), 6 * mm)
            painter.drawText(
                footer,
                int(QtCore.Qt.AlignmentFlag.AlignLeft | QtCore.Qt.AlignmentFlag.AlignVCenter),
                f"{short_title} · {marking}",
            )
            painter.drawText(
                footer,
                int(QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter),
                f"Page {i + 1} of {pages}",
            )
    finally:
        painter.end()
    buf.close()
    return bytes(buf.data())


_BFRANGE_ARRAY = re.compile(rb"\[([^\]]*)\]")
_BFCHAR_LINE = re.compile(rb"^(<[0-9A-Fa-f]+>\s+)<0009>\s*$", re.M)


def _fix_to_unicode(data: bytes) -> bytes:
    """Qt maps the shared space/tab glyph to U+0009; map it to U+0020 instead."""
    data = _BFRANGE_ARRAY.sub(
        lambda m: b"[" + m.group(1).replace(b"<0009>", b"<0020>") + b"]", data
    )
    return _BFCHAR_LINE.sub(lambda m: m.group(1) + b"<0020>", data)


def pdf_date(when: dt.datetime) -> str:
    return when.strftime("D:%Y%m%d%H%M%SZ")


def finish_pdf(raw: bytes, src: Source) -> bytes:
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ArrayObject, ByteStringObject, NameObject

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(raw)))
    seen: set[int] = set()
    for page in writer.pages:
        fonts = page.get("/Resources", {}).get_object().get("/Font", {}).get_object()
        for ref in fonts.values():
            fnt = ref.get_object()
            tu = fnt.get("/ToUnicode")
            if tu is None:
                continue
            stream = tu.get_object()
            if id(stream) in seen:
                continue
            seen.add(id(stream))
            stream.set_data(_fix_to_unicode(stream.get_data()))
    when = pdf_date(src.created)
    info = {
        "/Title": src.meta["title"],
        "/Author": "; ".join(src.authors),
        "/Creator": CREATOR,
        "/Producer": "Qt QPdfWriter + pypdf",
        "/CreationDate": when,
        "/ModDate": when,
    }
    if src.meta.get("subject"):
        info["/Subject"] = src.meta["subject"]
    if src.meta.get("keywords"):
        info["/Keywords"] = src.meta["keywords"]
    writer.add_metadata(info)
    file_id = ByteStringObject(hashlib.md5(src.path.name.encode("utf-8")).digest())
    writer._ID = ArrayObject([file_id, file_id])
    writer._root_object[NameObject("/PageMode")] = NameObject("/UseNone")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def build_pdf(src: Source) -> bytes:
    return finish_pdf(render_pdf_qt(src), src)


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
            info = f"{len(d.paragraphs)} paragraphs"
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
