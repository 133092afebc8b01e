"""`assay judgement …` drives the same Workspace actions: add, list, show, edit, history,
review, delete, with clear errors and exit codes."""

from __future__ import annotations

import json

from desktop.cli import main
from desktop.core.workspace import Workspace

from .conftest import cli_workspace

TEXTS = {
    "brief.txt": "Ministry brief\n\nDomestic accelerators will meet demand by 2028. "
    "Orders were diverted through third countries.",
}


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def claims(wsdir) -> list[str]:
    with Workspace.open(wsdir) as ws:
        doc = ws.find_document("Ministry brief")
        out = []
        for phrase, cred in (("Domestic accelerators", 3), ("Orders were diverted", 2)):
            s = doc.text.index(phrase)
            out.append(ws.add_claim(doc.id, s, s + len(phrase), phrase, credibility=cred).created)
        return out


def test_judgement_commands(capsys, tmp_path):
    wsdir = cli_workspace(tmp_path, TEXTS)
    c1, c2 = claims(wsdir)
    code, out, err = run(
        capsys, "judgement", "add", "-w", wsdir, "Demand will be met at home.",
        "-l", "unlikely", "-c", "moderate", "-s", c1[:8], "-x", c2, "-m", "one brief",
    )  # fmt: skip
    assert code == 0, err
    assert "Likelihood: unlikely (20–45 %)." in out and "Confidence: moderate confidence." in out
    assert "rests on 2 claims from 1 source; weakest F3" in out
    code, out, _ = run(capsys, "judgement", "list", "-w", wsdir, "--json")
    (j,) = json.loads(out)
    assert [e["id"] for e in j["supporting"]] == [c1] and j["status"] == "draft"
    jid = j["id"]
    code, out, err = run(
        capsys, "judgement", "edit", "-w", wsdir, jid[:8], "-l", "likely", "-m", "new report"
    )
    assert code == 0, err
    code, out, _ = run(capsys, "judgement", "history", "-w", wsdir, jid, "--json")
    history = json.loads(out)
    assert history["changes"][-1]["change"]["reason"] == (
        "judgement raised from unlikely to likely — new report"
    )
    code, out, _ = run(capsys, "judgement", "show", "-w", wsdir, jid)
    assert "Likelihood: likely (55–80 %)." in out
    assert run(capsys, "judgement", "submit", "-w", wsdir, jid)[0] == 0
    code, out, err = run(capsys, "judgement", "approve", "-w", wsdir, jid)
    assert code == 1 and "Only a supervisor" in err
    code, _, _ = run(capsys, "undo", "-w", wsdir)
    assert code == 0
    code, out, _ = run(capsys, "judgement", "list", "-w", wsdir, "--status", "draft", "--json")
    assert [x["id"] for x in json.loads(out)] == [jid]
    assert run(capsys, "judgement", "delete", "-w", wsdir, jid)[0] == 0
    code, out, _ = run(capsys, "judgement", "list", "-w", wsdir, "--json")
    assert json.loads(out) == []


def test_bad_input_gets_a_clear_error_and_changes_nothing(capsys, tmp_path):
    wsdir = cli_workspace(tmp_path, TEXTS)
    code, _, err = run(capsys, "judgement", "add", "-w", wsdir, "x", "-l", "probably", "-c", "low")
    assert code == 1 and "Unknown likelihood 'probably'" in err
    code, _, err = run(
        capsys, "judgement", "add", "-w", wsdir, "x", "-l", "likely", "-c", "low", "-s", "beef0000"
    )
    assert code == 1 and "No claim with id beef0000" in err
    code, _, err = run(capsys, "judgement", "show", "-w", wsdir, "nope")
    assert code == 1 and "No judgement with id nope" in err
    code, out, _ = run(capsys, "judgement", "list", "-w", wsdir, "--json")
    assert json.loads(out) == []
