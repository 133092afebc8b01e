"""Bundles carry ACH matrices: two workstations that swap bundles end with the same matrix, a
concurrent edit of one cell keeps the losing rating as a conflict, and a matrix whose claims the
receiver never had arrives with those rows as missing evidence."""

from __future__ import annotations

from desktop.core.exchange import state_digest

from .test_bundles_helpers import ADA, BEN, span, trust, workstation


def _pair(tmp_path):
    a = workstation(tmp_path, "a", ADA)
    b = workstation(tmp_path, "b", BEN)
    trust(a, b, tmp_path)
    trust(b, a, tmp_path)
    return a, b


def _swap(a, b, tmp_path, n):
    a.export_bundle(tmp_path / f"a{n}.assay")
    b.export_bundle(tmp_path / f"b{n}.assay")
    b.import_bundle(tmp_path / f"a{n}.assay")
    a.import_bundle(tmp_path / f"b{n}.assay")


def _view(ws, mid):
    m = ws.matrix(mid)
    return (
        m.question,
        [h.text for h in m.hypotheses],
        [(r.annotation_id, r.missing, sorted(r.cells.items())) for r in m.rows],
        m.ranking,
    )


def test_two_workstations_converge_on_the_same_matrix(tmp_path):
    a, b = _pair(tmp_path)
    try:
        c1 = a.add_claim(*span(a, "Alpha", "A comparable tool will definitely emerge"), "x").created
        c2 = a.add_claim(*span(a, "Beta", "domestic accelerators"), "y", credibility=2).created
        mid = a.create_matrix("Will a tool emerge?").created
        h1 = a.add_hypothesis(mid, "Yes, soon").created
        a.add_matrix_evidence(mid, [c1, c2])
        a.rate_cell(mid, h1, c1, "C")
        _swap(a, b, tmp_path, 1)
        assert _view(b, mid) == _view(a, mid)
        # both work on it at once: B adds a hypothesis and rates, A re-rates the same cell
        h2 = b.add_hypothesis(mid, "No, hype").created
        b.rate_cell(mid, h2, c2, "II")
        b.rate_cell(mid, h1, c1, "I")
        a.rate_cell(mid, h1, c1, "CC")
        a.remove_matrix_evidence(mid, c2)
        _swap(a, b, tmp_path, 2)
        assert _view(a, mid) == _view(b, mid)
        assert state_digest(a.session) == state_digest(b.session)
        view = _view(a, mid)
        assert view[1] == ["Yes, soon", "No, hype"]
        assert [r[0] for r in view[2]] == [c1]  # A's removal travelled
        kept = [c for c in a.conflicts() if c.entity == "ach_cells"]
        assert len(kept) == 1  # the losing rating of the one cell both rated is kept
        assert kept[0].label == "rating of “Yes, soon”"
        assert {kept[0].local_value, kept[0].remote_value} == {"I", "CC"}
    finally:
        a.close()
        b.close()


def test_a_matrix_whose_claims_never_came_shows_them_as_missing_evidence(tmp_path):
    a, b = _pair(tmp_path)
    try:
        c1 = a.add_claim(*span(a, "Alpha", "A comparable tool will definitely emerge"), "x").created
        mid = a.create_matrix("Will a tool emerge?").created
        h1 = a.add_hypothesis(mid, "Yes").created
        a.add_matrix_evidence(mid, [c1])
        a.rate_cell(mid, h1, c1, "I")
        # only the matrix travels: a selection by a tag no claim has leaves the claim behind
        a.export_bundle(tmp_path / "m.assay", tags=["nothing-has-this"])
        b.import_bundle(tmp_path / "m.assay")
        m = b.matrix(mid)
        assert m.missing == [c1]
        assert m.rows[0].cells == {h1: "I"}
        assert b.matrices()[0]["missing"] == 1
    finally:
        a.close()
        b.close()
