"""The key judgements view: list, detail with evidence and reasons, the form, the review."""

from __future__ import annotations

from pathlib import Path

from desktop.core.workspace import Workspace
from desktop.ui.judgements import JudgementForm, judgement_html

from .review_support import ADA, SAM, open_window, team, team_template  # noqa: F401

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def judged(path, ids) -> str:
    """Ada's judgement on her three claims, submitted; one of its claims removed since."""
    ws = Workspace.open(path, profile=ADA)
    try:
        a = ids["ada"]
        jid = ws.add_judgement(
            "Attackers now weaponise new vulnerabilities before most defenders patch.",
            likelihood="likely",
            confidence="moderate",
            marking="AMBER",
            supporting=[a[0], a[1]],
            weakening=[a[2]],
            reason="two reports agree; the vendor claim cuts the other way",
        ).created
        ws.edit_judgement(jid, reason="second analyst's reading", likelihood="very_likely")
        ws.submit_judgement(jid, "ready")
        extra = ws.add_judgement(
            "Patch cycles will not shrink below a week this year.",
            likelihood="unlikely",
            confidence="low",
            supporting=[a[2]],
        ).created
        return jid, extra
    finally:
        ws.close()


def test_the_view_lists_and_details_judgements(qtbot, team, open_window):  # noqa: F811
    path, ids = team
    jid, _extra = judged(path, ids)
    win = open_window(path, ADA)
    dialog = win.judgements_ui.show()
    view = dialog.view
    qtbot.waitUntil(
        lambda: view.model.rowCount() == 2 and view.current() is not None, timeout=10000
    )
    view.table.selectRow(view.model.row_of(jid))
    qtbot.waitUntil(lambda: "Changes, with reasons" in view.detail.toHtml(), timeout=10000)
    text = view.detail.toPlainText()
    assert "Likelihood: very likely (80–95 %)." in text
    assert "Confidence: moderate confidence." in text
    assert "judgement raised from likely to very_likely" in text
    assert "TLP:AMBER" in text and "Weakening" in text
    assert not view.buttons["edit"].isEnabled() or view.current().created_by == ADA.id
    assert not view.buttons["submit"].isEnabled()  # already submitted
    assert not view.buttons["approve"].isVisible()  # Ada is no supervisor
    dialog.resize(1180, 640)
    dialog.grab().save(str(SHOTS / "judgements.png"))


def test_a_new_judgement_through_the_form(qtbot, team, open_window):  # noqa: F811
    path, ids = team
    win = open_window(path, ADA)
    view = win.judgements_ui.show().view
    qtbot.waitUntil(lambda: "No key judgements" in view.status.text(), timeout=10000)
    with qtbot.waitSignal(view.form_opened, timeout=10000) as opened:
        view.new()
    form: JudgementForm = opened.args[0]
    form.statement.setPlainText("State actors buy exploit tooling abroad.")
    form.likelihood.setCurrentIndex(form.likelihood.findData("likely"))
    rows = {
        form.claims.row_at(form.claims.index(r, 0)).id: r for r in range(form.claims.rowCount())
    }
    form.claims.set_role(rows[ids["ada"][0]])  # supporting
    form.claims.set_role(rows[ids["ada"][1]])
    form.claims.set_role(rows[ids["ada"][1]])  # a second click: weakening
    form.resize(860, 560)
    form.grab().save(str(SHOTS / "judgement-form.png"))
    form.accept()
    qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=10000)
    j = view.model.judgement(0)
    assert [a.id for a in j.supporting] == [ids["ada"][0]]
    assert [a.id for a in j.weakening] == [ids["ada"][1]]
    assert (j.likelihood, j.confidence) == ("likely", "moderate")
    assert win.ws.undo_label() == "Add judgement"


def test_a_supervisor_approves(qtbot, team, open_window):  # noqa: F811
    path, ids = team
    jid, _extra = judged(path, ids)
    win = open_window(path, SAM)
    view = win.judgements_ui.show().view
    qtbot.waitUntil(lambda: view.model.rowCount() == 2, timeout=10000)
    view.table.selectRow(view.model.row_of(jid))
    qtbot.waitUntil(lambda: view.buttons["approve"].isEnabled(), timeout=10000)
    view.decide("approve")
    qtbot.waitUntil(
        lambda: (
            view.model.row_of(jid) >= 0
            and view.model.judgement(view.model.row_of(jid)).status == "approved"
        ),
        timeout=10000,
    )
    assert [r.decision for r in win.ws.judgement_reviews(jid)] == ["submit", "approve"]


def test_missing_evidence_is_shown_in_the_detail():
    from desktop.core.kernel.records import Judgement

    j = Judgement(
        "j1", "S.", "likely", "low", "CLEAR", "draft", "a", "Ada", "t", "t",
        missing=["deadbeef-0000"], summary="rests on no claims; 1 missing evidence",
    )  # fmt: skip
    html = judgement_html(j, [], [])
    assert "Missing evidence" in html and "deadbeef" in html
    assert "Likelihood: <b>likely</b>" in html and "<br>Confidence: <b>low confidence</b>" in html
