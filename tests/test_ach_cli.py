"""`assay ach …` end to end over a real workspace: a matrix made, filled by tag, document,
search and id, rated, shown, its sensitivity listed; bad input exits 1 and changes nothing."""

from __future__ import annotations

import json

from desktop.cli import main

from .test_exports_common import workspace_copy


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_matrix_from_the_command_line(tmp_path, capsys):
    ws, ids = workspace_copy(tmp_path)
    ws.close()
    w = ("-w", tmp_path / "ws")
    code, out, _ = run(capsys, "ach", "new", "Who wrote the exploits?", *w)
    assert code == 0
    mid = out.strip()
    code, out, _ = run(capsys, "ach", "hypothesis", "add", mid[:8], "A lab's agent", *w)
    h1 = out.strip()
    code, out, _ = run(capsys, "ach", "hypothesis", "add", mid, "A state team", *w)
    h2 = out.strip()
    code, out, _ = run(capsys, "ach", "evidence", "add", mid, "--tag", "capability", *w)
    assert code == 0 and "2 claim(s) added" in out  # c1 (capability/…) and c2
    code, out, _ = run(capsys, "ach", "evidence", "add", mid, "--document", "Export controls", *w)
    assert "1 claim(s) added" in out  # c3
    code, out, _ = run(capsys, "ach", "evidence", "add", mid, "--search", "accelerators", *w)
    assert "0 claim(s) added, 1 already there" in out
    code, out, _ = run(capsys, "ach", "evidence", "add", mid, ids["c4"][:8], *w)
    assert "1 claim(s) added" in out
    assert run(capsys, "ach", "rate", mid, h1, ids["c1"], "4", *w)[0] == 0  # 4 = I
    assert run(capsys, "ach", "rate", mid, h2, ids["c1"], "C", *w)[0] == 0
    code, out, _ = run(capsys, "ach", "show", mid, "--json", *w)
    data = json.loads(out)
    assert data["ranking"] == [h2, h1]
    claims = [r["claim"] for r in data["rows"]]
    assert set(claims[:2]) == {ids["c1"], ids["c2"]} and claims[2:] == [ids["c3"], ids["c4"]]
    assert data["rows"][claims.index(ids["c1"])]["cells"] == {h1: "I", h2: "C"}
    code, out, _ = run(capsys, "ach", "show", mid, *w)
    assert "Who wrote the exploits?" in out and "ranking (least inconsistent first): H2, H1" in out
    code, out, _ = run(capsys, "ach", "sensitivity", mid, "--json", *w)
    assert [s["annotation_id"] for s in json.loads(out)] == [ids["c1"]]
    code, out, _ = run(capsys, "ach", "list", "--json", *w)
    assert json.loads(out)[0]["evidence"] == 4
    # bad input: one line on stderr, exit 1, nothing changed
    for argv, message in (
        (("rate", mid, h1, ids["c1"], "maybe"), "Unknown rating"),
        (("rate", mid, h1, ids["n1"], "C"), "not evidence"),
        (("evidence", "add", mid, "--tag", "no-such-tag"), "No claims found"),
        (("hypothesis", "add", mid), "needs the hypothesis TEXT"),
    ):
        code, out, err = run(capsys, "ach", *argv, *w)
        assert code == 1 and message in err and err.count("\n") == 1, (argv, err)
    code, out, _ = run(capsys, "ach", "show", mid, "--json", *w)
    assert json.loads(out) == data
    assert run(capsys, "ach", "hypothesis", "remove", h1, *w)[0] == 0
    assert run(capsys, "undo", *w)[0] == 0
    code, out, _ = run(capsys, "ach", "show", mid, "--json", *w)
    assert json.loads(out) == data
