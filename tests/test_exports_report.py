"""The HTML claims report: self-contained, marked, summarised, each claim in full."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from desktop.core.exports import Selection, export
from desktop.core.exports.report import render_html
from desktop.core.exports.selection import gather
from desktop.core.kernel import scales

from .test_exports_common import workspace_copy


@pytest.fixture
def work(tmp_path):
    ws, ids = workspace_copy(tmp_path)
    yield ws, ids
    ws.close()


class Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.chunks, self.tags = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag in ("br", "tr", "p", "div", "h1", "h2", "td", "th"):
            self.chunks.append("\n")

    def handle_data(self, data):
        self.chunks.append(data)

    @property
    def text(self) -> str:
        return "".join(self.chunks).replace("\xa0", " ")


def parse(html: str) -> Text:
    p = Text()
    p.feed(html)
    return p


def test_report_is_self_contained_and_marked(work, tmp_path):
    ws, ids = work
    dest = tmp_path / "report.html"
    result = export(ws, "html", dest, Selection(ceiling="AMBER"), title="Exploit agents")
    assert result.highest_marking == "AMBER" and result.claims == 3
    html = dest.read_text(encoding="utf-8")
    page = parse(html)
    # nothing outside the file is loaded
    for tag, attrs in page.tags:
        assert tag not in ("script", "link", "img", "iframe", "object", "embed"), tag
        assert "src" not in attrs and "href" not in attrs
    assert "@import" not in html and "url(" not in html
    # the banner, in FIRST's colours, at the top and the bottom
    fg, bg = scales.TLP_COLOURS["AMBER"]
    banners = re.findall(
        r'<div class="banner (top|bottom)" style="color:([^;]+); '
        r'background-color:([^"]+)">TLP:AMBER</div>',
        html,
    )
    assert [b[0] for b in banners] == ["top", "bottom"]
    assert all((b[1], b[2]) == (fg, bg) for b in banners)
    text = page.text
    assert "Exploit agents" in text and "ceiling TLP:AMBER" in text
    assert "informant" not in text  # the RED document stays out
    assert "Sound sourcing." in text and "Say who the developer is." in text
    assert "Yield figures are not public." in text and "Check the preprint's appendix." in text


def test_claims_and_summary(work):
    ws, ids = work
    data = gather(ws)
    html = render_html(data, title="All")
    text = parse(html).text
    # each claim: quote in context with the quote emphasised, ratings as analysts write them
    c1 = ws.annotation(ids["c1"])
    assert f'<span class="hit">{c1.quote}</span>' in html
    assert "C2 · likely (55–80 %)" in text
    assert "source fairly reliable; information probably true." in text
    assert "Analytic confidence: moderate." in text
    assert "F6 · almost certain (95–99 %)" in text and "Analytic confidence not stated." in text
    # ICD 203: no sentence holds both the likelihood and the confidence
    for line in text.splitlines():
        for x in scales.LIKELIHOOD:
            if f"{x.label} ({x.low}–{x.high} %)" in line:  # as rendered, nbsp read as space
                assert "confidence" not in line.lower(), line
    assert "actor" in text and "capability/vuln discovery" in text
    assert "Corroborates “A comparable tool will emerge within 18 months.”" in text
    assert "Corroborated by “An AI agent exploited 11 of 20" in text
    assert "Contradicts “An AI agent exploited" in text
    assert "approved" in text and "changes requested" in text and "rejected" in text
    assert "Submitted for review: ready: c1" in text
    # notes are not claims: the note's comment is not in the report
    assert "=SUM(A1:A9)" not in text
    # summary table: likelihood rows × confidence columns
    rows = re.findall(r"<tr><td>(.*?)</td>(.*?)</tr>", html[html.index('class="grid"', 200) :])
    table = {}
    for label, cells in rows:
        label = re.sub(r"<.*?>", "", label).split(" (")[0]
        table[label] = re.findall(r'<td class="(?:n|zero)">(?:<b>)?([^<]*)', cells)
    assert table["likely"] == ["·", "1", "·", "·", "1"]
    assert table["roughly even chance"] == ["1", "·", "·", "·", "1"]
    assert table["unlikely"] == ["·", "·", "1", "·", "1"]
    assert table["almost certain"] == ["·", "·", "·", "1", "1"]


def test_empty_selection(work):
    ws, _ids = work
    html = render_html(gather(ws, Selection(tags=("policy",))))  # only a note is tagged so
    assert "No claims in this selection." in html and "TLP:CLEAR" in html
