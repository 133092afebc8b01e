"""Tests for desktop.core.ingest: real files of every format, and hostile ones."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from pathlib import Path

import docx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader, PdfWriter
from pypdf.generic import DictionaryObject, NameObject, StreamObject

from desktop.core import ingest
from desktop.core.ingest import (
    MAX_FILE_BYTES,
    SUPPORTED_EXTENSIONS,
    ParsedDocument,
    detect_language,
    normalise_text,
    parse_bytes,
)
from desktop.core.kernel.errors import IngestError

ENGLISH = (
    "AI-enabled cyber tools now find and exploit vulnerabilities faster than defenders "
    "can patch them, according to the report published this week."
)
FRENCH = (
    "Selon le rapport publié cette semaine, les outils informatiques dotés d'intelligence "
    "artificielle trouvent désormais les failles plus vite que les défenseurs ne peuvent "
    "les corriger, et le pays développe ses propres solutions."
)
GERMAN = (
    "Laut dem in dieser Woche veröffentlichten Bericht finden die neuen Werkzeuge "
    "Schwachstellen schneller, als die Verteidiger sie schließen können, und das Land "
    "entwickelt wegen der Exportkontrollen eigene Alternativen."
)
CHINESE = (
    "报告称，由于出口管制，该国正在建设国产替代方案。"
    "分析人士认为，类似的工具一定会出现，人工智能网络工具发现漏洞的速度已经超过防御者修补的速度。"
)


def import_file(tmp_path: Path, name: str, data: bytes) -> ParsedDocument:
    """Write a real file and import it the way the workspace does: bytes plus file name."""
    path = tmp_path / name
    path.write_bytes(data)
    return parse_bytes(path.read_bytes(), path.name)


# --- normalisation and language --------------------------------------------------------------


def test_normalise_text_line_ends_nuls_whitespace_and_blank_runs():
    raw = "\ufeff\n\n  Title  \r\nline\x00 two\t \rthree\n\n\n\n\n\nfour\u2028five\x1b\n  \n"
    assert normalise_text(raw) == "  Title\nline two\nthree\n\n\nfour\nfive"


def test_normalise_text_composes_to_nfc():
    assert normalise_text("Cafe\u0301") == "Caf\u00e9"


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=200))
def test_normalise_text_is_idempotent(raw):
    once = normalise_text(raw)
    assert normalise_text(once) == once
    assert "\x00" not in once and "\r" not in once and "\n\n\n\n" not in once


@pytest.mark.parametrize(
    ("text", "language"),
    [
        (ENGLISH, "en"),
        (FRENCH, "fr"),
        (GERMAN, "de"),
        (CHINESE, "zh"),
        (CHINESE + " AI, export controls, supply chain", "zh"),
        ("報告によると、輸出規制のため国産の代替手段を開発している。", "ja"),
        ("보고서에 따르면 수출 통제 때문에 국내 대안을 만들고 있다.", "ko"),
        ("Hello", "und"),
        ("1234 5678 !!!", "und"),
        ("", "und"),
    ],
)
def test_detect_language(text, language):
    assert detect_language(text) == language


# --- plain text --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "prefix"),
    [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("utf-16", b""), ("cp1252", b"")],
)
def test_txt_encodings(tmp_path, encoding, prefix):
    body = "Café “report” – naïve résumé\r\n\r\n" + ENGLISH + "\r\n"
    doc = import_file(tmp_path, "report.txt", prefix + body.encode(encoding))
    assert doc.text == "Café “report” – naïve résumé\n\n" + ENGLISH
    assert doc.title == "Café “report” – naïve résumé"
    assert doc.mime == "text/plain"
    assert doc.language == "en"
    assert doc.author is None and doc.page_starts is None and doc.marking is None


def test_txt_title_is_first_non_empty_line_capped(tmp_path):
    doc = import_file(tmp_path, "long.txt", b"\n\n   " + b"x" * 300 + b"\nbody")
    assert doc.title == "x" * 200


def test_chinese_txt(tmp_path):
    doc = import_file(tmp_path, "brief.txt", CHINESE.encode("utf-8"))
    assert doc.language == "zh"
    assert doc.title == CHINESE


@pytest.mark.parametrize(("text", "language"), [(FRENCH, "fr"), (GERMAN, "de")])
def test_european_txt_language(tmp_path, text, language):
    assert import_file(tmp_path, "note.txt", text.encode("utf-8")).language == language


# --- markdown ----------------------------------------------------------------------------------


def test_markdown_front_matter(tmp_path):
    source = (
        "---\n"
        'title: "Export controls and domestic tools"\n'
        "author: Ada Writer\n"
        "date: 2026-03-14\n"
        "source: Example Times\n"
        "url: https://example.com/report\n"
        "marking: tlp:amber+strict\n"
        "language: en-GB\n"
        "tags:\n"
        "  - policy\n"
        "---\n"
        "# A heading that is not the title\n\n"
        "Body with *emphasis*.\n"
    )
    doc = import_file(tmp_path, "report.md", source.encode("utf-8"))
    assert doc.text == "# A heading that is not the title\n\nBody with *emphasis*."
    assert doc.title == "Export controls and domestic tools"
    assert doc.author == "Ada Writer"
    assert doc.published_at == "2026-03-14"
    assert doc.source == "Example Times"
    assert doc.url == "https://example.com/report"
    assert doc.marking == "AMBER+STRICT"
    assert doc.language == "en"
    assert doc.mime == "text/markdown"


def test_markdown_title_from_first_heading_outside_code(tmp_path):
    source = "Intro line\n\n```bash\n# not a heading\n```\n\n# Real heading\n\n" + FRENCH
    doc = import_file(tmp_path, "notes.markdown", source.encode("utf-8"))
    assert doc.title == "Real heading"
    assert doc.language == "fr"
    assert doc.text.startswith("Intro line")


def test_markdown_opening_rule_is_not_front_matter(tmp_path):
    source = "---\nJust prose between rules.\n---\nMore prose.\n"
    doc = import_file(tmp_path, "rule.md", source.encode("utf-8"))
    assert doc.text == source.strip()
    assert doc.title == "Just prose between rules."


# --- HTML --------------------------------------------------------------------------------------

ARTICLE_PAGE = """<!doctype html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<title>Page title | Example Times</title>
<meta property="og:title" content="AI tools find flaws faster">
<meta name="author" content="Ada Writer">
<meta property="article:author" content="https://social.example/ada">
<meta property="article:published_time" content="2026-03-14T09:30:00+01:00">
<meta property="og:site_name" content="Example Times">
<link rel="canonical" href="https://example.com/ai-tools">
<meta name="tlp" content="TLP:GREEN">
<script>var secret = "SCRIPT TEXT";</script>
<style>.x { color: red }</style>
</head>
<body>
<header>SITE HEADER</header>
<nav><a href="/">Home</a> | <a href="/world">World</a></nav>
<form><input name="q"> SEARCH FORM</form>
<article>
  <h1>AI tools find flaws faster</h1>
  <p>First paragraph &amp; its   spaces
  across lines.</p>
  <p>Second <b>bold</b> paragraph.</p>
  <aside>RELATED ASIDE</aside>
  <ul><li>one</li><li>two</li></ul>
  <table><tr><td>Actor</td><td>Capability</td></tr></table>
  <noscript>NOSCRIPT</noscript><svg><title>SVG TITLE</title><text>SVG</text></svg>
  <p>line<br>break</p>
</article>
<footer>FOOTER</footer>
</body>
</html>
"""


def test_html_article_text_and_metadata(tmp_path):
    doc = import_file(tmp_path, "article.html", ARTICLE_PAGE.encode("utf-8"))
    assert doc.text == (
        "AI tools find flaws faster\n\n"
        "First paragraph & its spaces across lines.\n\n"
        "Second bold paragraph.\n\n"
        "one\ntwo\n\n"
        "Actor\tCapability\n\n"
        "line\nbreak"
    )
    for furniture in ("SCRIPT", "SITE HEADER", "Home", "SEARCH", "ASIDE", "NOSCRIPT", "SVG"):
        assert furniture not in doc.text
    assert doc.title == "AI tools find flaws faster"
    assert doc.author == "Ada Writer"
    assert doc.published_at == "2026-03-14T08:30:00Z"
    assert doc.source == "Example Times"
    assert doc.url == "https://example.com/ai-tools"
    assert doc.marking == "GREEN"
    assert doc.language == "en"
    assert doc.mime == "text/html"


def test_html_without_article_uses_body_and_title_tag(tmp_path):
    page = (
        "<html><head><title>Briefing  note</title></head><body>"
        "<nav>MENU</nav><div>" + FRENCH + "</div><div>Deuxième bloc.</div></body></html>"
    )
    doc = import_file(tmp_path, "brief.htm", page.encode("utf-8"))
    assert doc.text == FRENCH + "\n\nDeuxième bloc."
    assert doc.title == "Briefing note"
    assert doc.language == "fr"
    assert doc.url is None and doc.author is None


def test_html_title_falls_back_to_h1_and_unclosed_head(tmp_path):
    page = "<html><head><meta charset=utf-8><h1>Heading only</h1><p>" + ENGLISH
    doc = import_file(tmp_path, "bare.html", page.encode("utf-8"))
    assert doc.title == "Heading only"
    assert doc.text == "Heading only\n\n" + ENGLISH


def test_html_whose_body_is_all_furniture_keeps_its_text(tmp_path):
    # ASP.NET WebForms pages put the whole body inside one <form>.
    page = (
        '<html><body><form id="form1"><nav>Menu</nav><article><p>'
        + ENGLISH
        + "</p></article></form><script>SCRIPT</script></body></html>"
    )
    doc = import_file(tmp_path, "webforms.html", page.encode("utf-8"))
    assert doc.text == ENGLISH


def test_html_declared_charset(tmp_path):
    page = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1252">'
        "</head><body><p>“Quoted” café – naïve</p></body></html>"
    )
    doc = import_file(tmp_path, "old.html", page.encode("cp1252"))
    assert doc.text == "“Quoted” café – naïve"


def test_html_lang_is_only_a_hint(tmp_path):
    page = '<html lang="en"><body><p>' + GERMAN + "</p></body></html>"
    assert import_file(tmp_path, "de.html", page.encode("utf-8")).language == "de"
    short = '<html lang="fr"><body><p>Oui.</p></body></html>'
    assert import_file(tmp_path, "fr.html", short.encode("utf-8")).language == "fr"


# --- PDF ---------------------------------------------------------------------------------------


def make_pdf(pages: list[list[str]], *, metadata: dict | None = None, password: str | None = None):
    """A real PDF whose pages draw `lines` in Helvetica with a hand-written content stream."""
    writer = PdfWriter()
    for lines in pages:
        page = writer.add_blank_page(width=612, height=792)
        font = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Font"),
                NameObject("/Subtype"): NameObject("/Type1"),
                NameObject("/BaseFont"): NameObject("/Helvetica"),
            }
        )
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})}
        )
        shown = " T* ".join(f"({line}) Tj" for line in lines)
        stream = StreamObject()
        stream.set_data(f"BT /F1 12 Tf 14 TL 72 720 Td {shown} ET".encode("latin-1"))
        page.replace_contents(stream)
    if metadata:
        writer.add_metadata(metadata)
    if password is not None:
        writer.encrypt(user_password=password, owner_password="owner-secret")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


PDF_PAGES = [
    ["Export controls spur domestic tools", "A comparable tool will definitely emerge."],
    ["Page two: supply chain risks for the", "defence sector are rising."],
]


def test_pdf_text_pages_and_metadata(tmp_path):
    data = make_pdf(
        PDF_PAGES,
        metadata={
            "/Title": "Quarterly brief",
            "/Author": "Ada Writer",
            "/CreationDate": "D:20260314093000+01'00'",
        },
    )
    assert "Page two" in PdfReader(io.BytesIO(data)).pages[1].extract_text()
    doc = import_file(tmp_path, "brief.pdf", data)
    assert doc.text == (
        "Export controls spur domestic tools\nA comparable tool will definitely emerge.\n\n"
        "Page two: supply chain risks for the\ndefence sector are rising."
    )
    assert doc.page_starts == [0, doc.text.index("Page two")]
    assert doc.title == "Quarterly brief"
    assert doc.author == "Ada Writer"
    assert doc.published_at == "2026-03-14T08:30:00Z"
    assert doc.mime == "application/pdf"
    assert doc.language == "en"


def test_pdf_without_metadata_title_uses_first_line_and_date_only(tmp_path):
    data = make_pdf(PDF_PAGES, metadata={"/CreationDate": "D:20260314"})
    doc = import_file(tmp_path, "untitled.pdf", data)
    assert doc.title == "Export controls spur domestic tools"
    assert doc.published_at == "2026-03-14"


def test_pdf_readable_with_empty_user_password(tmp_path):
    doc = import_file(tmp_path, "owner-only.pdf", make_pdf(PDF_PAGES, password=""))
    assert doc.text.startswith("Export controls")


def test_encrypted_pdf_is_refused(tmp_path):
    with pytest.raises(IngestError, match=r"locked\.pdf is encrypted"):
        import_file(tmp_path, "locked.pdf", make_pdf(PDF_PAGES, password="secret"))


@pytest.mark.parametrize(
    "data",
    [b"This is a plain text file, not a PDF.", b"%PDF-1.7\n1 0 obj << /Type /Cat", b"%PDF-"],
)
def test_not_a_pdf_is_refused(tmp_path, data):
    with pytest.raises(IngestError, match=r"fake\.pdf is not a readable PDF"):
        import_file(tmp_path, "fake.pdf", data)


def test_truncated_pdf_is_refused(tmp_path):
    data = make_pdf(PDF_PAGES)
    with pytest.raises(IngestError, match="not a readable PDF"):
        import_file(tmp_path, "cut.pdf", data[: len(data) // 3])


def test_scanned_pdf_without_text_is_refused(tmp_path):
    with pytest.raises(IngestError, match=r"no extractable text.*OCR"):
        import_file(tmp_path, "scan.pdf", make_pdf([[], []]))


# --- DOCX --------------------------------------------------------------------------------------


def make_docx(tmp_path: Path) -> bytes:
    document = docx.Document()
    document.add_heading("Export controls spur domestic tools", level=1)
    document.add_paragraph(ENGLISH)
    document.add_paragraph("")
    table = document.add_table(rows=2, cols=3)
    for row, values in zip(
        table.rows, [("Actor", "Capability", "Rating"), ("X", "Y", "B2")], strict=True
    ):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value
    table.cell(1, 1).merge(table.cell(1, 2))
    document.add_paragraph("Closing paragraph.")
    properties = document.core_properties
    properties.title = "Domestic alternatives brief"
    properties.author = "Ada Writer"
    properties.created = datetime(2026, 3, 14, 9, 30, 0)
    path = tmp_path / "made.docx"
    document.save(path)
    return path.read_bytes()


def rewrite_zip(data: bytes, replace: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            target.writestr(info.filename, replace.pop(info.filename, None) or source.read(info))
        for name, content in replace.items():
            target.writestr(name, content)
    return out.getvalue()


def test_docx_text_tables_and_core_properties(tmp_path):
    doc = import_file(tmp_path, "brief.docx", make_docx(tmp_path))
    assert doc.text == (
        "Export controls spur domestic tools\n\n"
        + ENGLISH
        + "\n\nActor\tCapability\tRating\nX\tY B2\n\nClosing paragraph."
    )
    assert doc.title == "Domestic alternatives brief"
    assert doc.author == "Ada Writer"
    assert doc.published_at == "2026-03-14T09:30:00Z"
    assert doc.mime == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert doc.language == "en"


def test_docx_without_core_properties_titles_from_text(tmp_path):
    data = make_docx(tmp_path)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = {i.filename: archive.read(i) for i in archive.infolist()}
    # Drop the part and the package relationship that points at it, as some tools write them.
    del members["docProps/core.xml"]
    members["_rels/.rels"] = re.sub(
        rb"<Relationship [^>]*core-properties[^>]*/>", b"", members["_rels/.rels"]
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name, content in members.items():
            target.writestr(name, content)
    doc = import_file(tmp_path, "bare.docx", out.getvalue())
    assert doc.title == "Export controls spur domestic tools"
    assert doc.author is None and doc.published_at is None


W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
BILLION_LAUGHS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    "<!DOCTYPE w:document [\n"
    '<!ENTITY lol "lol">\n'
    + "".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i > 1 else "&lol;" * 10}">\n'
        for i in range(1, 10)
    )
    + "]>\n"
    f'<w:document xmlns:w="{W_NS}"><w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p>'
    "</w:body></w:document>"
).encode()
EXTERNAL_ENTITY = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
    f'<w:document xmlns:w="{W_NS}"><w:body><w:p><w:r><w:t>&xxe;</w:t></w:r></w:p>'
    "</w:body></w:document>"
).encode()


@pytest.mark.parametrize(
    ("part", "payload"),
    [
        ("word/document.xml", BILLION_LAUGHS),
        ("word/document.xml", EXTERNAL_ENTITY),
        ("docProps/core.xml", EXTERNAL_ENTITY.replace(b"w:document", b"cp:coreProperties")),
    ],
)
def test_docx_with_xml_entities_is_refused(tmp_path, part, payload):
    data = rewrite_zip(make_docx(tmp_path), {part: payload})
    with pytest.raises(
        IngestError, match=r"contains XML entity declarations \(refused for safety\)"
    ):
        import_file(tmp_path, "hostile.docx", data)


def test_docx_zip_bomb_by_ratio_is_refused(tmp_path):
    data = make_docx(tmp_path)
    out = io.BytesIO(data)
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        # Written from a generator of chunks, so the test never holds the expanded part.
        with archive.open("word/media/zeros.bin", "w") as part:
            chunk = bytes(1024 * 1024)
            for _ in range(16):
                part.write(chunk)
    with pytest.raises(IngestError, match=r"zip bomb.*too large when decompressed"):
        import_file(tmp_path, "bomb.docx", out.getvalue())


def test_docx_zip_bomb_by_total_size_is_refused(tmp_path):
    out = io.BytesIO(make_docx(tmp_path))
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        chunk = bytes(1024 * 1024)
        for index in range(101):
            archive.writestr(f"word/media/part{index}.bin", chunk)
    with pytest.raises(IngestError, match=r"too large when decompressed \(1\d\d\.\d MiB.*zip bomb"):
        import_file(tmp_path, "bomb.docx", out.getvalue())


def test_not_a_zip_docx_is_refused(tmp_path):
    with pytest.raises(IngestError, match=r"old\.docx is not a readable \.docx file.*not a ZIP"):
        import_file(tmp_path, "old.docx", b"\xd0\xcf\x11\xe0 an old binary .doc file")


def test_zip_without_word_document_is_refused(tmp_path):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "hi")
    with pytest.raises(IngestError, match="is not a Word document"):
        import_file(tmp_path, "other.docx", out.getvalue())


# --- e-mail ------------------------------------------------------------------------------------


def make_email(*, html_only: bool = False) -> bytes:
    message = EmailMessage()
    message["Subject"] = "Vendor claims on AI patching"
    message["From"] = Address("Jane Analyst", "jane", "example.org")
    message["To"] = "team@example.org"
    message["Date"] = "Sat, 14 Mar 2026 09:30:00 +0100"
    message["Organization"] = "Example Agency"
    html = "<html><body><nav>MENU</nav><p>" + ENGLISH + "</p><p>Second paragraph.</p></body></html>"
    if html_only:
        message.set_content(html, subtype="html")
    else:
        message.set_content(ENGLISH + "\n\nPlain second paragraph.\n")
        message.add_alternative(html, subtype="html")
    message.add_attachment(
        b"ATTACHMENT BYTES", maintype="application", subtype="octet-stream", filename="a.bin"
    )
    return message.as_bytes()


def test_eml_plain_part_and_headers(tmp_path):
    doc = import_file(tmp_path, "claim.eml", make_email())
    assert doc.text == ENGLISH + "\n\nPlain second paragraph."
    assert doc.title == "Vendor claims on AI patching"
    assert doc.author == "Jane Analyst"
    assert doc.source == "Example Agency"
    assert doc.published_at == "2026-03-14T08:30:00Z"
    assert doc.mime == "message/rfc822"
    assert doc.language == "en"


def test_eml_html_only_body(tmp_path):
    doc = import_file(tmp_path, "html.eml", make_email(html_only=True))
    assert doc.text == ENGLISH + "\n\nSecond paragraph."
    assert "MENU" not in doc.text and "ATTACHMENT" not in doc.text


def test_eml_source_falls_back_to_display_name(tmp_path):
    message = EmailMessage()
    message["From"] = "Wire Desk <desk@wire.example>"
    message.set_content(ENGLISH)
    doc = import_file(tmp_path, "wire.eml", message.as_bytes())
    assert doc.source == "Wire Desk"
    assert doc.title == ENGLISH[:200].rstrip()


def test_eml_with_only_an_attachment_is_empty(tmp_path):
    message = EmailMessage()
    message["Subject"] = "See attached"
    message.add_attachment(b"%PDF-1.7", maintype="application", subtype="pdf", filename="x.pdf")
    with pytest.raises(IngestError, match="is empty.*no readable text body"):
        import_file(tmp_path, "attached.eml", message.as_bytes())


# --- refusals common to every format -----------------------------------------------------------


@pytest.mark.parametrize("name", sorted(f"empty{ext}" for ext in SUPPORTED_EXTENSIONS))
def test_empty_file_is_refused(tmp_path, name):
    with pytest.raises(IngestError, match=rf"{name} is empty \(0 bytes\)"):
        import_file(tmp_path, name, b"")


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("blank.txt", b"  \r\n\t\n  "),
        ("blank.md", b"---\ntitle: Nothing here\n---\n\n"),
        ("blank.html", b"<html><head><title>T</title><script>x()</script></head><body></body>"),
    ],
)
def test_whitespace_only_file_is_refused(tmp_path, name, data):
    with pytest.raises(IngestError, match=rf"{name} is empty"):
        import_file(tmp_path, name, data)


def test_binary_junk_named_txt_is_refused(tmp_path):
    junk = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 40
    with pytest.raises(IngestError, match=r"image\.txt does not look like text"):
        import_file(tmp_path, "image.txt", junk)


def test_stray_nul_in_text_is_dropped_not_refused(tmp_path):
    doc = import_file(tmp_path, "stray.txt", ENGLISH.encode() + b"\x00\n")
    assert doc.text == ENGLISH


def test_unsupported_extension_is_refused(tmp_path):
    with pytest.raises(IngestError) as raised:
        import_file(tmp_path, "notes.XYZ", b"text")
    assert str(raised.value) == (
        "Unsupported file type '.xyz'; Assay imports .txt, .md, .html, .pdf, .docx and .eml"
    )


def test_missing_extension_is_refused(tmp_path):
    with pytest.raises(IngestError, match=r"README has no file extension.*\.txt"):
        import_file(tmp_path, "README", b"text")


def test_extension_is_case_insensitive(tmp_path):
    assert import_file(tmp_path, "UPPER.TXT", ENGLISH.encode()).text == ENGLISH


def test_oversized_html_is_refused_without_parsing(tmp_path, monkeypatch):
    def must_not_parse(data, name):
        raise AssertionError("an oversized file was handed to a parser")

    monkeypatch.setitem(ingest._PARSERS, ".html", must_not_parse)
    path = tmp_path / "huge.html"
    with path.open("wb") as handle:
        handle.write(b"<html><body><p>")
        handle.truncate(50 * 1024 * 1024)
    with pytest.raises(IngestError) as raised:
        parse_bytes(path.read_bytes(), str(path))
    message = str(raised.value)
    assert message.startswith("huge.html is 50.0 MiB")
    assert f"{MAX_FILE_BYTES / 1024 / 1024:.1f} MiB limit" in message


def test_every_supported_extension_has_a_parser():
    assert frozenset(ingest._PARSERS) == SUPPORTED_EXTENSIONS


FRENCH_LONG = (
    "Le ministère affirme que les accélérateurs nationaux couvriront la majeure partie de la "
    "demande intérieure avant la fin de la décennie. Plusieurs analystes restent prudents, car "
    "les contrôles à l'exportation limitent l'accès aux outils de fabrication les plus avancés. "
    "Selon un rapport publié cette semaine, les délais de livraison se sont allongés et les "
    "fournisseurs étrangers hésitent à signer de nouveaux contrats dans la région."
)
GERMAN_LONG = (
    "Das Ministerium erklärt, dass heimische Beschleuniger den größten Teil der Nachfrage im "
    "Inland noch vor dem Ende des Jahrzehnts decken werden. Mehrere Fachleute bleiben "
    "vorsichtig, weil die Exportkontrollen den Zugang zu den modernsten Fertigungsanlagen "
    "einschränken. Nach einem in dieser Woche veröffentlichten Bericht haben sich die "
    "Lieferzeiten verlängert, und ausländische Anbieter zögern, neue Verträge zu schließen."
)
DUTCH_LONG = (
    "Het ministerie zegt dat binnenlandse versnellers het grootste deel van de vraag in eigen "
    "land voor het einde van het decennium zullen dekken. Verschillende analisten blijven "
    "voorzichtig, omdat de exportcontroles de toegang tot de meest geavanceerde "
    "productiemiddelen beperken. Volgens een rapport dat deze week is verschenen, zijn de "
    "levertijden langer geworden en aarzelen buitenlandse leveranciers om nieuwe contracten "
    "te tekenen."
)


@pytest.mark.parametrize(
    "text, language",
    [(FRENCH_LONG, "fr"), (GERMAN_LONG, "de"), (DUTCH_LONG, "nl"), (ENGLISH * 3, "en")],
)
def test_the_english_shortcut_never_claims_other_languages(text, language):
    assert detect_language(text) == language
