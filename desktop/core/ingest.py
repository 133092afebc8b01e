"""Turn the bytes of an imported file into normalised text and metadata, one parser per format."""

from __future__ import annotations

import io
import re
import threading
import unicodedata
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from email import policy
from email.parser import BytesParser
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from pathlib import PurePath
from typing import TYPE_CHECKING

from desktop.core.kernel.errors import IngestError

if TYPE_CHECKING:
    from docx.blkcntnr import BlockItemContainer

# pypdf, python-docx, defusedxml and py3langid are imported where they are used: together they
# add a noticeable pause to start-up, and most sessions import no file of a given format.


@dataclass
class ParsedDocument:
    """What an importer learnt from one file: its normalised text and what it says about itself."""

    text: str
    title: str
    mime: str
    author: str | None = None
    published_at: str | None = None
    source: str | None = None
    url: str | None = None
    language: str = "und"
    marking: str | None = None
    page_starts: list[int] | None = None


SUPPORTED_EXTENSIONS: frozenset[str] = frozenset(
    {".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx", ".eml"}
)
MAX_FILE_BYTES: int = 25 * 1024 * 1024

# A .docx is a ZIP: refuse archives that would expand past these before any XML is read.
MAX_DOCX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024
MAX_DOCX_RATIO = 200
MAX_DOCX_MEMBERS = 10_000
# Small parts (padding, empty XML) compress absurdly well and are harmless; the ratio
# check is for parts big enough to matter, the total size check bounds everything else.
_RATIO_CHECK_MIN_BYTES = 1024 * 1024

TITLE_MAX_CHARS = 200
_LANGUAGE_SAMPLE_CHARS = 1000
# language identifiers guess wildly on a few words; below this many letters "und" is more honest.
_LANGUAGE_MIN_LETTERS = 20

MIME_TEXT = "text/plain"
MIME_MARKDOWN = "text/markdown"
MIME_HTML = "text/html"
MIME_PDF = "application/pdf"
MIME_DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MIME_EML = "message/rfc822"

_SUPPORTED_LIST = ".txt, .md, .html, .pdf, .docx and .eml"
_TLP_MARKINGS = ("CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED")


# --- normalisation ---------------------------------------------------------------------------

# Every character str.splitlines() treats as a line end becomes "\n", so offsets computed by
# any consumer that splits lines agree with ours.
_LINE_ENDS = str.maketrans(dict.fromkeys("\r\v\f\x1c\x1d\x1e\x85\u2028\u2029", "\n"))
# Control characters carry no text, confuse the viewer and are illegal in the XML exports
# (WebAnno, REFI-QDA); tab and newline are the only ones kept.
_CONTROL_CHARS = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
_EXCESS_BLANK_LINES = re.compile(r"\n{4,}")


def normalise_text(text: str) -> str:
    """Return `text` in the one form annotations are anchored to.

    NFC, "\\n" line ends, no NULs or other control characters except tab, trailing whitespace
    stripped from every line, at most two blank lines in a row, no leading blank lines and no
    trailing whitespace. Applying it twice changes nothing.
    """
    text = text.replace("\r\n", "\n").translate(_LINE_ENDS)
    text = _CONTROL_CHARS.sub("", text).lstrip("\ufeff")
    text = unicodedata.normalize("NFC", text)
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    text = _EXCESS_BLANK_LINES.sub("\n\n\n", text)
    return text.lstrip("\n").rstrip()


def _clean_title(value: str | None) -> str | None:
    if not value:
        return None
    value = unicodedata.normalize("NFC", _CONTROL_CHARS.sub("", value))
    value = " ".join(value.split())[:TITLE_MAX_CHARS].rstrip()
    return value or None


def _first_line(text: str) -> str | None:
    """The first line with a letter or digit in it (rules like "---" make poor titles)."""
    fallback = None
    for line in text.split("\n"):
        line = line.strip()
        if any(ch.isalnum() for ch in line):
            return line
        fallback = fallback or line or None
    return fallback


_ODD_CHARS = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\ufffd]")


def _looks_like_text(text: str) -> bool:
    sample = text[:8192]
    # Binary formats are full of NULs; a text file may carry a stray one (normalise_text drops
    # it), so refuse only when they are more than a trace.
    if sample.count("\x00") > max(1, len(sample) // 200):
        return False
    # control characters other than tab and line ends, or undecodable bytes (a regex counts
    # them in C; a per-character loop cost a quarter of the import's parsing time)
    return len(_ODD_CHARS.findall(sample)) <= 0.05 * len(sample)


# --- metadata values ---------------------------------------------------------------------------


def _iso_utc(moment: datetime) -> str:
    # Metadata without a zone is most often written by tools that think in UTC; guessing the
    # importing workstation's zone would make the same file import differently elsewhere.
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


_PDF_DATE = re.compile(
    r"^(?:D:)?(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})?(\d{2})?)?\s*"
    r"(?:(Z)|([+-])(\d{2})'?(?:(\d{2})'?)?)?"
)


def _pdf_date(value: str) -> str | None:
    match = _PDF_DATE.match(value.strip())
    if not match:
        return None
    year, month, day, hour, minute, second, zulu, sign, tz_h, tz_m = match.groups()
    try:
        if hour is None:
            return date(int(year), int(month), int(day)).isoformat()
        moment = datetime(
            int(year), int(month), int(day), int(hour), int(minute or 0), int(second or 0)
        )
        if sign and not zulu:
            offset = timedelta(hours=int(tz_h), minutes=int(tz_m or 0))
            moment = moment.replace(tzinfo=timezone(offset if sign == "+" else -offset))
        return _iso_utc(moment)
    except ValueError:
        return None


_LOOSE_DATE_FORMATS = ("%Y/%m/%d", "%d %B %Y", "%d %b %Y", "%B %d, %Y", "%b %d, %Y", "%d.%m.%Y")


def _iso_date(value: str | None) -> str | None:
    """Read a date as publishers write it into "YYYY-MM-DD" or a UTC "…THH:MM:SSZ"; else None."""
    if not value or not value.strip():
        return None
    value = value.strip()
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        pass
    try:
        return _iso_utc(datetime.fromisoformat(value))
    except ValueError:
        pass
    if value.startswith("D:"):
        return _pdf_date(value)
    try:
        return _iso_utc(parsedate_to_datetime(value))
    except (TypeError, ValueError, IndexError):
        pass
    for pattern in _LOOSE_DATE_FORMATS:
        try:
            return datetime.strptime(value, pattern).date().isoformat()
        except ValueError:
            continue
    return None


def _marking(value: str | None) -> str | None:
    """A TLP 2.0 label from the ways people write it ("tlp:amber", "TLP: WHITE"), else None."""
    if not value:
        return None
    label = value.strip().upper()
    label = re.sub(r"^TLP\s*[:\- ]\s*", "", label)
    label = re.sub(r"\s*\+\s*|\s+", "+", label)
    if label == "WHITE":  # TLP 1.0's name for CLEAR
        label = "CLEAR"
    return label if label in _TLP_MARKINGS else None


def _language_code(value: str | None) -> str | None:
    """ "en", "en-GB", "zh_Hans" → the ISO 639-1 part; anything else → None."""
    if not value:
        return None
    match = re.match(r"^\s*([A-Za-z]{2})(?:[-_][A-Za-z0-9]+)*\s*$", value)
    return match.group(1).lower() if match else None


def _web_url(value: str | None) -> str | None:
    if value and re.match(r"^https?://\S+$", value.strip(), re.IGNORECASE):
        return value.strip()
    return None


# --- language ------------------------------------------------------------------------------

# py3langid loads its model lazily on first use, which is not safe from two threads.
_langid_lock = threading.Lock()
_WORD = re.compile(r"[a-z]+")
_ENGLISH_FUNCTION_WORDS = frozenset(
    "the of and to is that for with as by it be are was this from at or have has not which "
    "will but their they we were been than its would could should there these those".split()
)
_LETTER = re.compile(r"[^\W\d_]")
_KANA = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9d]")
_HANGUL = re.compile(r"[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]")
_HAN = re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf\uf900-\ufaff\U00020000-\U0003134f]")


def detect_language(text: str) -> str:
    """ISO 639-1 code of the main language of `text` ("zh", "ja", "ko", "en", …) or "und"."""
    sample = text[:_LANGUAGE_SAMPLE_CHARS]
    # regex counts run in C: a per-character Python loop cost ~2 ms a document
    letters = len(_LETTER.findall(sample))
    kana = len(_KANA.findall(sample))
    hangul = len(_HANGUL.findall(sample))
    han = len(_HAN.findall(sample))
    cjk = han + kana + hangul
    # statistical detectors are unreliable on CJK text mixed with Latin terms, and reports "zh-cn"/"zh-tw";
    # script counts settle these cases directly.
    if letters and cjk > 0.2 * letters:
        if kana >= 0.05 * cjk:
            return "ja"
        if hangul >= 0.05 * cjk:
            return "ko"
        return "zh"
    if letters < _LANGUAGE_MIN_LETTERS:
        return "und"
    # Most of what analysts import is English: a text where these function words are this
    # common (news English: 20–30 %; French, German, Dutch: under 3 %) is English without
    # asking the statistical model, which costs about a millisecond a document.
    words = _WORD.findall(sample.lower())[:400]
    if len(words) >= 40 and sum(w in _ENGLISH_FUNCTION_WORDS for w in words) >= 0.15 * len(words):
        return "en"
    with _langid_lock:
        try:
            import py3langid

            found, _score = py3langid.classify(sample)
        except Exception:
            return "und"
    return _language_code(found) or "und"


# --- plain text and markdown -------------------------------------------------------------------

_BOMS = (
    # UTF-32 first: its little-endian BOM begins with the UTF-16 one.
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)


def _decode_text(data: bytes, name: str) -> str:
    for bom, codec in _BOMS:
        if data.startswith(bom):
            # The BOM states the encoding, so a stray bad byte is replaced, not a reason to guess.
            text = data[len(bom) :].decode(codec, errors="replace")
            break
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            try:
                text = data.decode("cp1252")
            except UnicodeDecodeError:
                # cp1252 leaves five bytes undefined; latin-1 maps every byte.
                text = data.decode("latin-1")
    if not _looks_like_text(text):
        raise IngestError(
            f"{name} does not look like text (it contains binary data); check that it really "
            f"is a {PurePath(name).suffix.lower()} file"
        )
    return text


def _parse_txt(data: bytes, name: str) -> ParsedDocument:
    return _document(_decode_text(data, name), name, MIME_TEXT)  # _document normalises


_FRONT_MATTER_LINE = re.compile(r"^([A-Za-z][\w-]*)\s*:\s*(.*)$")
_FRONT_MATTER_KEYS = {
    "title": "title",
    "author": "author",
    "by": "author",
    "date": "published",
    "published": "published",
    "published_at": "published",
    "source": "source",
    "publisher": "source",
    "url": "url",
    "marking": "marking",
    "tlp": "marking",
    "language": "language",
    "lang": "language",
}


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1].strip()
    return value


def _split_front_matter(text: str) -> tuple[dict[str, str], str]:
    """Front matter fields (by our names) and the text without them, or ({}, text)."""
    lines = text.split("\n")
    if lines[0].strip() != "---":
        return {}, text
    for end in range(1, len(lines)):
        if lines[end].strip() in ("---", "..."):
            break
    else:
        return {}, text
    fields: dict[str, str] = {}
    for line in lines[1:end]:
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = _FRONT_MATTER_LINE.match(line)
        if match:
            field = _FRONT_MATTER_KEYS.get(match.group(1).lower())
            if field and field not in fields:
                fields[field] = _unquote(match.group(2))
        elif not line.startswith((" ", "\t", "-")):
            # Prose between two rules is a document that opens with a horizontal rule,
            # not front matter; YAML continuation and list lines are merely unused.
            return {}, text
    if not any(_FRONT_MATTER_LINE.match(line) for line in lines[1:end]):
        return {}, text
    return fields, "\n".join(lines[end + 1 :])


_ATX_HEADING = re.compile(r"^ {0,3}#\s+(.+?)(?:\s+#+)?\s*$")
_SETEXT_H1_RULE = re.compile(r"^ {0,3}=+\s*$")
_FENCE = re.compile(r"^ {0,3}(```|~~~)")


def _markdown_heading(text: str) -> str | None:
    """The first level-one heading outside code fences, ATX ("# x") or setext ("x" over "===")."""
    in_fence = False
    previous = ""
    for line in text.split("\n"):
        if _FENCE.match(line):
            in_fence = not in_fence
            previous = ""
            continue
        if in_fence:
            continue
        match = _ATX_HEADING.match(line)
        if match:
            return match.group(1)
        if previous.strip() and _SETEXT_H1_RULE.match(line):
            return previous
        previous = line
    return None


def _parse_markdown(data: bytes, name: str) -> ParsedDocument:
    fields, body = _split_front_matter(normalise_text(_decode_text(data, name)))
    text = normalise_text(body)
    first = _first_line(text)
    return _document(
        text,
        name,
        MIME_MARKDOWN,
        title=fields.get("title")
        or _markdown_heading(text)
        or (first.lstrip("#").strip() if first else None),
        author=fields.get("author") or None,
        published_at=_iso_date(fields.get("published")),
        source=fields.get("source") or None,
        url=_web_url(fields.get("url")),
        marking=_marking(fields.get("marking")),
        language=_language_code(fields.get("language")),
    )


# --- HTML --------------------------------------------------------------------------------------

# Never text for a reader.
_HIDDEN_TAGS = frozenset({"script", "style", "noscript", "template", "svg"})
# Page furniture: dropped, unless the page has no text outside it (ASP.NET WebForms pages wrap
# the whole body in one <form>).
_FURNITURE_TAGS = frozenset({"nav", "header", "footer", "aside", "form"})
_PARAGRAPH_TAGS = frozenset(
    {
        "address", "article", "blockquote", "caption", "center", "details", "dialog", "div",
        "dl", "fieldset", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
        "main", "ol", "p", "pre", "section", "summary", "table", "ul",
    }
)  # fmt: skip
# List items and rows read better one per line than as separate paragraphs.
_LINE_TAGS = frozenset({"li", "tr", "dt", "dd"})
_VOID_TAGS = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
     "track", "wbr", "param", "keygen"}
)  # fmt: skip
_HEAD_TAGS = frozenset(
    {"head", "title", "meta", "link", "style", "script", "base", "noscript", "template"}
)
_BREAK, _TEXT, _RAW = 0, 1, 2
_WHITESPACE_RUN = re.compile(r"\s+")


class _HtmlText(HTMLParser):
    """Collects readable text and metadata from HTML.

    Browsers forgive unclosed elements; so does this: an end tag closes every element opened
    after its start tag, so a missing </form> cannot swallow the rest of the page unnoticed.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.canonical: str | None = None
        self.lang: str | None = None
        self.title: str | None = None
        self.first_h1: str | None = None
        self.first_kept_h1: str | None = None
        # (kind, value, inside <article>/<main>, inside furniture)
        self._tokens: list[tuple[int, str | int, bool, bool]] = []
        self._stack: list[str] = []
        self._open: dict[str, int] = {}
        self._hidden = 0
        self._furniture = 0
        self._main = 0
        self._title_parts: list[str] | None = None
        self._h1_parts: list[str] | None = None

    # element bookkeeping

    def _push(self, tag: str) -> None:
        self._stack.append(tag)
        self._open[tag] = self._open.get(tag, 0) + 1
        if tag in _HIDDEN_TAGS:
            self._hidden += 1
        elif tag in _FURNITURE_TAGS:
            self._furniture += 1
        elif tag in ("article", "main"):
            self._main += 1
        if tag == "title" and self.title is None and not self._hidden:
            self._title_parts = []
        elif tag == "h1" and self._h1_parts is None:
            self._h1_parts = []

    def _pop_through(self, tag: str) -> None:
        # Only pop when the tag is open, so a stray end tag costs nothing.
        if not self._open.get(tag):
            return
        while self._stack:
            top = self._stack.pop()
            self._open[top] -= 1
            self._closed(top)
            if top == tag:
                return

    def _closed(self, tag: str) -> None:
        if tag in _HIDDEN_TAGS:
            self._hidden -= 1
        elif tag in _FURNITURE_TAGS:
            self._furniture -= 1
        elif tag in ("article", "main"):
            self._main -= 1
        if tag == "title" and self._title_parts is not None:
            self.title = "".join(self._title_parts)
            self._title_parts = None
        elif tag == "h1" and self._h1_parts is not None and not self._open.get("h1"):
            heading = " ".join("".join(self._h1_parts).split())
            self._h1_parts = None
            if heading:
                self.first_h1 = self.first_h1 or heading
                if not self._hidden and not self._furniture:
                    self.first_kept_h1 = self.first_kept_h1 or heading
        if tag in _PARAGRAPH_TAGS:
            self._add(_BREAK, 2)
        elif tag in ("td", "th"):
            self._add(_RAW, "\t")

    def _add(self, kind: int, value: str | int) -> None:
        # Breaks only take effect between two kept pieces of text, so they are recorded even
        # inside dropped elements and belong to every selection: "a<aside>…</aside>b" and two
        # consecutive articles stay separate paragraphs.
        if kind == _BREAK:
            self._tokens.append((kind, value, True, False))
        elif not self._hidden:
            self._tokens.append((kind, value, self._main > 0, self._furniture > 0))

    # HTMLParser callbacks

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {key: (value or "") for key, value in attrs}
        if tag == "meta":
            key = (
                (
                    attributes.get("property")
                    or attributes.get("name")
                    or attributes.get("itemprop")
                    or attributes.get("http-equiv")
                    or ""
                )
                .strip()
                .lower()
            )
            content = attributes.get("content", "").strip()
            if key and content:
                self.meta.setdefault(key, content)
        elif tag == "link":
            if "canonical" in attributes.get("rel", "").lower().split() and not self.canonical:
                self.canonical = attributes.get("href", "").strip() or None
        elif tag == "html" and self.lang is None:
            self.lang = attributes.get("lang") or attributes.get("xml:lang")
        if self._open.get("head") and tag not in _HEAD_TAGS:
            # Pages often never close <head>; the first body element closes it, as in browsers.
            self._pop_through("head")
        if tag == "br":
            self._add(_RAW, "\n")
        elif tag in _PARAGRAPH_TAGS:
            self._add(_BREAK, 2)
        elif tag in _LINE_TAGS:
            self._add(_BREAK, 1)
        if tag not in _VOID_TAGS:
            self._push(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag not in _VOID_TAGS:
            self._pop_through(tag)

    def handle_data(self, data: str) -> None:
        if self._title_parts is not None:
            self._title_parts.append(data)
            return
        if self._open.get("head") or self._open.get("title"):
            return
        if self._h1_parts is not None:
            self._h1_parts.append(data)
        if self._open.get("pre") or self._open.get("textarea"):
            self._add(_RAW, data)
        else:
            self._add(_TEXT, _WHITESPACE_RUN.sub(" ", data))

    # result

    def text(self) -> str:
        """The readable text, from the narrowest selection that has any.

        <article>/<main> content first, then the whole body; page furniture only when there is
        no text outside it.
        """
        for main_only, with_furniture in (
            (True, False),
            (False, False),
            (True, True),
            (False, True),
        ):
            text = _join_tokens(
                (kind, value)
                for kind, value, in_main, in_furniture in self._tokens
                if (in_main or not main_only) and (with_furniture or not in_furniture)
            )
            if text.strip():
                return text
        return ""


def _join_tokens(tokens: Iterable[tuple[int, str | int]]) -> str:
    out: list[str] = []
    pending = 0  # newlines owed before the next text
    trailing_newlines = 0
    after_space = True
    for kind, value in tokens:
        if kind == _BREAK:
            pending = max(pending, int(value))
            continue
        piece = str(value)
        if kind == _TEXT and (after_space or pending):
            piece = piece.lstrip(" ")
        if not piece:
            continue
        if out and pending > trailing_newlines:
            out.append("\n" * (pending - trailing_newlines))
        pending = 0
        out.append(piece)
        stripped = piece.rstrip("\n")
        trailing_newlines = (
            len(piece) - len(stripped) if stripped else trailing_newlines + len(piece)
        )
        after_space = piece[-1] in " \t\n"
    return "".join(out)


_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.I)


def _html_encoding(data: bytes) -> tuple[str, int]:
    """The codec to decode an HTML file with, and how many BOM bytes to skip."""
    for bom, codec in _BOMS[2:]:
        if data.startswith(bom):
            return codec, len(bom)
    match = _META_CHARSET.search(data[:8192])
    if match:
        label = match.group(1).decode("ascii").lower()
        # As browsers do (WHATWG Encoding): these labels mean windows-1252, and a UTF-16
        # label without a BOM cannot be right since the label itself was readable as ASCII.
        if label in ("iso-8859-1", "iso8859-1", "latin1", "latin-1", "us-ascii", "ascii"):
            return "cp1252", 0
        if label.startswith(("utf-16", "utf16", "utf-32", "utf32")):
            return "utf-8", 0
        return label, 0
    return "utf-8", 0


def _decode_html(data: bytes) -> str:
    codec, skip = _html_encoding(data)
    try:
        return data[skip:].decode(codec, errors="replace")
    except LookupError:  # an unknown or non-text codec name in the page
        return data[skip:].decode("utf-8", errors="replace")


def _extract_html(markup: str) -> _HtmlText:
    parser = _HtmlText()
    parser.feed(markup)
    parser.close()
    return parser


def _first_meta(meta: dict[str, str], keys: Iterable[str]) -> str | None:
    for key in keys:
        value = meta.get(key)
        # article:author and article:publisher are usually profile URLs, not names.
        if value and not _web_url(value):
            return value
    return None


def _parse_html(data: bytes, name: str) -> ParsedDocument:
    markup = _decode_html(data)
    if not _looks_like_text(markup):
        raise IngestError(
            f"{name} does not look like HTML (it contains binary data); check that it really "
            "is a web page"
        )
    page = _extract_html(markup)
    meta = page.meta
    return _document(
        page.text(),
        name,
        MIME_HTML,
        title=_clean_title(meta.get("og:title"))
        or _clean_title(page.title)
        or page.first_kept_h1
        or page.first_h1,
        author=_first_meta(meta, ("author", "article:author", "dc.creator", "byl")),
        published_at=_iso_date(
            _first_meta(
                meta,
                (
                    "article:published_time",
                    "date",
                    "dc.date",
                    "dc.date.issued",
                    "pubdate",
                    "datepublished",
                ),
            )
        ),
        source=_first_meta(
            meta, ("og:site_name", "publisher", "dc.publisher", "article:publisher")
        ),
        url=_web_url(meta.get("og:url")) or _web_url(page.canonical),
        marking=_marking(meta.get("tlp")),
        # Templates stamp lang="en" on every page whatever it holds, so it only breaks ties.
        language_hint=_language_code(page.lang)
        or _language_code(meta.get("content-language"))
        or _language_code(meta.get("dc.language"))
        or _language_code(meta.get("og:locale")),
    )


# --- PDF ---------------------------------------------------------------------------------------


def _reason(exc: Exception) -> str:
    detail = " ".join(str(exc).split())[:200]
    return f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__


def _parse_pdf(data: bytes, name: str) -> ParsedDocument:
    not_readable = f"{name} is not a readable PDF"
    if b"%PDF-" not in data[:1024]:
        raise IngestError(f"{not_readable} (no PDF header); check that it really is a PDF file")
    from pypdf import PasswordType, PdfReader

    try:
        reader = PdfReader(io.BytesIO(data))
        # pypdf has already tried the empty password; asking again just reports the outcome.
        if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            raise IngestError(
                f"{name} is encrypted (password-protected); open it in a PDF reader, "
                "save a copy without a password and import that"
            )
        pages = list(reader.pages)
    except IngestError:
        raise
    except Exception as exc:
        raise IngestError(f"{not_readable} ({_reason(exc)})") from exc
    if not pages:
        raise IngestError(f"{not_readable} (it has no pages)")

    page_texts: list[str] = []
    failures: list[Exception] = []
    for page in pages:
        try:
            page_texts.append(normalise_text(page.extract_text() or ""))
        except Exception as exc:
            # One damaged page should not cost the reader the rest of the document.
            failures.append(exc)
            page_texts.append("")
    if len(failures) == len(pages):
        raise IngestError(f"{not_readable} ({_reason(failures[0])})") from failures[0]

    text = ""
    page_starts: list[int] = []
    for page_text in page_texts:
        if page_text and text:
            text += "\n\n"
        # An empty page starts where the previous one ended, so offsets stay in order.
        page_starts.append(len(text))
        text += page_text
    if not text:
        raise IngestError(
            f"{name} has no extractable text (probably a scanned image); Assay does not do OCR: "
            "run OCR on it first and import the result"
        )

    title = author = created = None
    try:
        info = reader.metadata
        if info is not None:
            title, author = info.title, info.author
            created = info.creation_date_raw
    except Exception:
        pass  # Metadata is a nicety; the text has already been read.
    title = _clean_title(str(title)) if title else None
    if title and title.lower() in ("untitled", "untitled document", "title"):
        title = None
    return _document(
        text,
        name,
        MIME_PDF,
        title=title,
        author=_clean_title(str(author)) if author else None,
        published_at=_pdf_date(str(created)) if created else None,
        page_starts=page_starts,
    )


# --- DOCX --------------------------------------------------------------------------------------


def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MiB"


def _looks_like_xml(head: bytes) -> bool:
    return head.lstrip().startswith(b"<") or head.startswith(
        (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
    )


def _check_docx_archive(data: bytes, name: str) -> bool:
    """Refuse ZIP bombs and XML with entity declarations; True when docProps/core.xml exists."""
    import defusedxml
    import defusedxml.ElementTree as SafeElementTree

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except Exception as exc:  # BadZipFile, but also NotImplementedError, OSError, ValueError…
        raise IngestError(
            f"{name} is not a readable .docx file (it is not a ZIP archive); check that it was "
            "saved as a Word document (.docx), not .doc or another format"
        ) from exc
    with archive:
        members = archive.infolist()
        if len(members) > MAX_DOCX_MEMBERS:
            raise IngestError(
                f"{name} has {len(members)} parts, more than the {MAX_DOCX_MEMBERS} a Word "
                "document could need; refused as a possible zip bomb"
            )
        total = sum(member.file_size for member in members)
        if total > MAX_DOCX_UNCOMPRESSED_BYTES:
            raise IngestError(
                f"{name} is too large when decompressed ({_mib(total)}, limit "
                f"{_mib(MAX_DOCX_UNCOMPRESSED_BYTES)}); refused as a possible zip bomb"
            )
        for member in members:
            ratio = member.file_size / max(member.compress_size, 1)
            if member.file_size > _RATIO_CHECK_MIN_BYTES and ratio > MAX_DOCX_RATIO:
                raise IngestError(
                    f"{name} looks like a zip bomb: part {member.filename} expands {ratio:.0f} "
                    f"times, to {_mib(member.file_size)} (limit {MAX_DOCX_RATIO} times); it is "
                    "too large when decompressed"
                )
        names = {member.filename for member in members}
        if "word/document.xml" not in names:
            raise IngestError(
                f"{name} is not a Word document (it has no word/document.xml); check that it "
                "was saved as a Word document (.docx)"
            )
        for member in members:
            if member.is_dir():
                continue
            try:
                with archive.open(member) as part:
                    if not _looks_like_xml(part.read(64)):
                        continue
                content = archive.read(member)
                SafeElementTree.fromstring(content, forbid_dtd=True)
            except defusedxml.DefusedXmlException as exc:
                raise IngestError(
                    f"{name} contains XML entity declarations (refused for safety) in part "
                    f"{member.filename}; a document from Word never does — it may have been "
                    "crafted to attack the reader"
                ) from exc
            except SafeElementTree.ParseError as exc:
                if member.filename.endswith((".xml", ".rels")):
                    raise IngestError(
                        f"{name} is not a readable .docx file: part {member.filename} is "
                        f"malformed XML ({exc})"
                    ) from exc
            except Exception as exc:  # CRC errors, unsupported compression, encrypted parts
                raise IngestError(f"{name} is not a readable .docx file ({_reason(exc)})") from exc
    return "docProps/core.xml" in names


def _docx_blocks(container: BlockItemContainer) -> Iterable[str]:
    """Paragraph texts, and each table as one block of rows with tab-separated cells."""
    from docx.table import Table

    for block in container.iter_inner_content():
        if not isinstance(block, Table):
            yield block.text
            continue
        rows: list[str] = []
        for row in block.rows:
            cells: list[str] = []
            previous = None
            for cell in row.cells:
                # A horizontally merged cell is repeated once per grid column it spans.
                if cell is previous:
                    continue
                previous = cell
                # One line per row keeps the table readable; cell paragraphs become spaces.
                cells.append(" ".join(" ".join(_docx_blocks(cell)).split()))
            rows.append("\t".join(cells))
        yield "\n".join(rows)


def _parse_docx(data: bytes, name: str) -> ParsedDocument:
    has_core_properties = _check_docx_archive(data, name)
    import docx

    try:
        document = docx.Document(io.BytesIO(data))
        blocks = [block for block in _docx_blocks(document) if block.strip()]
    except Exception as exc:
        raise IngestError(f"{name} is not a readable Word document ({_reason(exc)})") from exc

    title = author = published_at = None
    # Without docProps/core.xml python-docx invents a title ("Word Document"); ignore it.
    if has_core_properties:
        try:
            properties = document.core_properties
            title, author = properties.title, properties.author
            if properties.created is not None:
                published_at = _iso_utc(properties.created)
        except Exception:
            pass  # Metadata is a nicety; the text has already been read.
    return _document(
        "\n\n".join(blocks),
        name,
        MIME_DOCX,
        title=title,
        author=_clean_title(author),
        published_at=published_at,
    )


# --- e-mail ------------------------------------------------------------------------------------


def _parse_eml(data: bytes, name: str) -> ParsedDocument:
    message = BytesParser(policy=policy.default).parsebytes(data)
    if not message.keys() or b"\x00" in data[:8192]:
        raise IngestError(
            f"{name} is not an e-mail message (no headers found); save the message from the "
            "mail program as .eml and import that"
        )

    def header(field: str):
        try:
            return message[field]
        except Exception:  # a header too broken for the parser is simply absent
            return None

    author = display_name = None
    sender = header("from")
    addresses = getattr(sender, "addresses", ()) if sender is not None else ()
    if addresses:
        display_name = addresses[0].display_name or None
        author = display_name or addresses[0].addr_spec or None
    elif sender is not None:
        author = str(sender).strip() or None
    sent = header("date")
    sent_at = getattr(sent, "datetime", None) if sent is not None else None

    body = ""
    try:
        part = message.get_body(preferencelist=("plain",))
        is_html = part is None
        if is_html:
            part = message.get_body(preferencelist=("html",))
        if part is not None:
            content = part.get_content()
            if isinstance(content, bytes):
                content = content.decode("utf-8", errors="replace")
            body = _extract_html(content).text() if is_html else content
    except Exception:
        body = ""  # a body too broken for the mail parser is reported as no body below

    subject = header("subject")
    organisation = header("organization") or header("organisation")
    if not normalise_text(body):
        raise IngestError(
            f"{name} is empty: the message has no readable text body (attachments are not imported)"
        )
    return _document(
        body,
        name,
        MIME_EML,
        title=str(subject) if subject is not None else None,
        author=_clean_title(author),
        published_at=_iso_utc(sent_at) if sent_at else None,
        source=_clean_title(str(organisation)) if organisation else _clean_title(display_name),
    )


# --- dispatch ----------------------------------------------------------------------------------


def _document(
    text: str,
    name: str,
    mime: str,
    *,
    title: str | None = None,
    language: str | None = None,
    language_hint: str | None = None,
    **metadata,
) -> ParsedDocument:
    """Normalise, refuse empty text, and fill the title and language fallbacks."""
    text = normalise_text(text)
    if not text:
        raise IngestError(f"{name} is empty: no text was found in it")
    title = (
        _clean_title(title)
        or _clean_title(_first_line(text))
        or _clean_title(PurePath(name).stem)
        or name
    )
    if not language:
        language = detect_language(text)
        if language == "und" and language_hint:
            language = language_hint
    return ParsedDocument(text=text, title=title, mime=mime, language=language, **metadata)


_PARSERS: dict[str, Callable[[bytes, str], ParsedDocument]] = {
    ".txt": _parse_txt,
    ".md": _parse_markdown,
    ".markdown": _parse_markdown,
    ".html": _parse_html,
    ".htm": _parse_html,
    ".pdf": _parse_pdf,
    ".docx": _parse_docx,
    ".eml": _parse_eml,
}


def parse_bytes(data: bytes, filename: str) -> ParsedDocument:
    """Parse the bytes of one file, choosing the parser by its extension.

    Raises IngestError, with a message a person can act on, for unsupported, oversized,
    empty, unreadable or hostile files.
    """
    name = PurePath(filename).name or filename
    extension = PurePath(name).suffix.lower()
    if not extension:
        raise IngestError(
            f"{name} has no file extension; Assay imports {_SUPPORTED_LIST} "
            "(rename a plain-text file to end in .txt)"
        )
    parser = _PARSERS.get(extension)
    if parser is None:
        raise IngestError(f"Unsupported file type '{extension}'; Assay imports {_SUPPORTED_LIST}")
    if len(data) > MAX_FILE_BYTES:
        raise IngestError(
            f"{name} is {_mib(len(data))}, larger than the {_mib(MAX_FILE_BYTES)} limit for "
            "imported files; split it or import a smaller extract"
        )
    if not data:
        raise IngestError(f"{name} is empty (0 bytes)")
    return parser(data, name)
