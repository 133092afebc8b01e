"""A small team on the demo workspace for the review GUI tests: two analysts and a supervisor."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from desktop.core.kernel.profile import Profile
from desktop.core.workspace import Workspace

ADA = Profile(
    id="11111111-1111-4111-8111-111111111111", name="Ada Analyst", role="analyst", configured=True
)
BEN = Profile(
    id="55555555-5555-4555-8555-555555555555", name="Ben Analyst", role="analyst", configured=True
)
SAM = Profile(
    id="33333333-3333-4333-8333-333333333333",
    name="Sam Supervisor",
    role="supervisor",
    configured=True,
)

DOCUMENT = "Shrinking exploitation windows"
_SENTENCE = re.compile(r"(?<=[\n ])[A-Z][^.:\n]{40,240}\.")

# Ada's three claims (all submitted): (credibility, likelihood, confidence, tags)
ADA_CLAIMS = (
    (2, "likely", "moderate", ["capability/exploit", "policy"]),
    (3, "very_likely", "high", ["actor/state"]),
    (4, "roughly_even", "low", ["supply chain"]),
)
# Ben's two drafts on Ada's first two spans: the same tags and likelihood once, then not.
BEN_CLAIMS = (
    (2, "likely", "moderate", ["capability/exploit", "policy"]),
    (5, "unlikely", "low", ["policy"]),
)


def sentences(text: str, n: int) -> list[tuple[int, int]]:
    spans = [(m.start(), m.end()) for m in _SENTENCE.finditer(text)]
    assert len(spans) >= n, "the demo document has fewer sentences than the test needs"
    return spans[:n]


def build_team(path: Path) -> dict[str, list[str]]:
    """Ada submits three claims; Ben drafts two on the same spans. Returns the claim ids."""
    ws = Workspace.open(path, profile=ADA)
    try:
        doc = ws.find_document(DOCUMENT)
        spans = sentences(doc.text, 3)
        ada, ben = [], []
        with ws.deferred_indexing():
            for (start, end), (cred, lik, conf, tags) in zip(spans, ADA_CLAIMS, strict=True):
                ada.append(
                    ws.add_claim(
                        doc.id,
                        start,
                        end,
                        credibility=cred,
                        likelihood=lik,
                        confidence=conf,
                        tags=tags,
                    ).created
                )
            ws.link_claims(ada[0], ada[2], "corroborates")
            for claim in ada:
                ws.submit(claim, "ready for review")
            ws.switch_analyst(BEN)
            for (start, end), (cred, lik, conf, tags) in zip(spans, BEN_CLAIMS, strict=False):
                ben.append(
                    ws.add_claim(
                        doc.id,
                        start,
                        end,
                        credibility=cred,
                        likelihood=lik,
                        confidence=conf,
                        tags=tags,
                    ).created
                )
        return {"ada": ada, "ben": ben, "document": [doc.id]}
    finally:
        ws.close()


@pytest.fixture(scope="session")
def team_template(gui_demo_template: Path, tmp_path_factory) -> tuple[Path, dict[str, list[str]]]:
    """The demo workspace with the team's claims, built once per session."""
    path = tmp_path_factory.mktemp("team") / "ws"
    shutil.copytree(gui_demo_template, path, ignore=shutil.ignore_patterns("lock"))
    return path, build_team(path)


@pytest.fixture
def team(team_template, tmp_path: Path) -> tuple[Path, dict[str, list[str]]]:
    """A private copy of the team workspace and the ids of its claims."""
    template, ids = team_template
    path = tmp_path / "team"
    shutil.copytree(template, path, ignore=shutil.ignore_patterns("lock"))
    return path, ids


@pytest.fixture
def open_window(qtbot, settings):
    """Open a workspace as someone in a main window with the review UI; shut down afterwards."""
    from desktop.ui.main_window import MainWindow
    from desktop.ui.review_ui import install_review_ui

    windows = []

    def make(path: Path, profile: Profile):
        ws = Workspace.open(path, profile=profile)
        win = MainWindow(ws, settings=settings)
        qtbot.addWidget(win)
        install_review_ui(win)
        win.resize(1400, 900)
        win.show()
        qtbot.waitExposed(win)
        windows.append(win)
        return win

    yield make
    for win in windows:
        win.shutdown()
