"""Crash safety, no network, and a core that runs without Qt."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from desktop.core.workspace import Workspace

from .conftest import write_texts

ROOT = Path(__file__).resolve().parents[1]


def _corpus(folder: Path, n: int) -> None:
    words = (
        "export controls accelerator supply chain exploit vulnerability patch ministry "
        "domestic alternative vendor claim defender attacker model chip"
    ).split()
    texts = {}
    for i in range(n):
        body = " ".join(words[(i * 7 + k) % len(words)] for k in range(300))
        texts[f"d{i:05}.txt"] = f"Report {i}\n\n{body} unique{i}"
    write_texts(folder, texts)


def _env(profile: Path) -> dict:
    env = dict(os.environ)
    env["ASSAY_PROFILE_DIR"] = str(profile)
    env.pop("QT_QPA_PLATFORM", None)
    return env


@pytest.mark.parametrize("kill_after", [30, 300, "indexing"])
def test_sigkill_during_import_leaves_a_consistent_store(tmp_path, analyst, kill_after):
    """Kill the importer at several points; reopening replays the queue and check passes."""
    _corpus(tmp_path / "in", 800)
    ws_path = tmp_path / "ws"
    Workspace.create(ws_path, profile=analyst).close()
    code = textwrap.dedent(f"""
        import sys
        from desktop.core.workspace import Workspace
        ws = Workspace.open({str(ws_path)!r})
        def progress(done, total, message):
            print(message, done, flush=True)
        ws.import_paths([{str(tmp_path / "in")!r}], progress=progress)
        print("finished", flush=True)
    """)
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        stdout=subprocess.PIPE,
        text=True,
        env=_env(tmp_path / "profile"),
        cwd=ROOT,
    )
    seen = 0
    for line in proc.stdout:
        seen += 1
        if line.startswith("finished"):
            break
        if line.startswith("indexing") if kill_after == "indexing" else seen >= kill_after:
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    proc.stdout.close()
    ws = Workspace.open(ws_path, profile=analyst)
    try:
        report = ws.check()
        assert report.ok, report.problems
        n = ws.count_documents()
        # every stored document is whole: text, blob and index entry
        for d in ws.list_documents():
            assert d["title"].startswith("Report ")
            assert ws.blob_path(d["sha256"]).exists()
        assert len(ws.search("unique0", highlight=None)) == (1 if n else 0) or n < 1
        # importing again completes the job without duplicates
        again = ws.import_paths([tmp_path / "in"])
        assert len(again.imported) == 800 - n
        assert ws.count_documents() == 800 and ws.check().ok
    finally:
        ws.close()


def test_workflow_runs_with_sockets_disabled(tmp_path, analyst, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("Assay tried to open a network socket")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    from desktop.core.demo import create_demo

    ws = create_demo(tmp_path / "demo", profile=analyst)
    try:
        write_texts(tmp_path / "in", {"x.txt": "Offline note\n\nair gap 芯片 export"})
        assert len(ws.import_paths([tmp_path / "in"]).imported) == 1
        doc = ws.find_document("Offline note")
        claim = ws.add_claim(doc.id, 0, 12, "offline", likelihood="likely").created
        assert ws.search("芯片")
        assert [h.id for h in ws.search("statement:offline")] == [claim]
        ws.backup(tmp_path / "bk")
        assert ws.check().ok
    finally:
        ws.close()


def test_core_and_cli_import_without_pyside6(tmp_path):
    code = textwrap.dedent("""
        import importlib, pkgutil, sys
        class NoQt:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in ("PySide6", "shiboken6", "PyQt5", "PyQt6"):
                    raise ImportError("Qt is not allowed below desktop.ui")
        sys.meta_path.insert(0, NoQt())
        import db, desktop.core, desktop.cli
        for pkg in (db, desktop.core):
            for info in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + "."):
                importlib.import_module(info.name)
        from desktop.core.workspace import Workspace
        ws = Workspace.create(sys.argv[1])
        ws.close()
        assert not [m for m in sys.modules if m.startswith(("PySide6", "shiboken6"))]
        print("ok")
    """)
    proc = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "w")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=_env(tmp_path / "p"),
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok"


def test_a_crash_inside_a_transaction_leaves_no_trace(ws, tmp_path):
    write_texts(tmp_path / "in", {"a.txt": "Alpha\n\nsome text"})
    ws.import_paths([tmp_path / "in"])
    doc = ws.find_document("Alpha")
    before = ws.db.execute("SELECT count(*) FROM audit").fetchone()[0]
    label = ws.undo_label()

    class Boom(Exception):
        pass

    with pytest.raises(Boom):
        with ws.session.action("Add note") as tx:
            tx.insert(
                "annotations",
                {
                    "id": "x",
                    "document_id": doc.id,
                    "start": 0,
                    "end": 3,
                    "quote": "Alp",
                    "prefix": "",
                    "suffix": "",
                    "kind": "note",
                    "comment": "",
                    "status": "draft",
                },
            )
            tx.audit("add note", "annotation", "x", {})
            raise Boom()
    assert ws.annotations(doc.id) == []
    assert ws.db.execute("SELECT count(*) FROM audit").fetchone()[0] == before
    assert ws.undo_label() == label
    # the cached audit head was rolled back too: the next entry chains correctly
    ws.add_note(doc.id, 0, 3)
    assert ws.verify_audit().ok


def test_hybrid_clock_is_monotone_and_survives_restart(tmp_path, analyst):
    from desktop.core.kernel.hlc import HybridClock, wall_ms

    frozen = HybridClock(now_ms=lambda: 1000)
    a, b = frozen.now(), frozen.now()
    assert b == a + 1 and wall_ms(b) == 1000
    frozen.observe(a + 50)
    assert frozen.now() == a + 51
    ws = Workspace.create(tmp_path / "w", profile=analyst)
    ws.set_source("Anyone", reliability="C")
    last = ws.clock.last
    ws.close()
    ws = Workspace.open(tmp_path / "w", profile=analyst)
    try:
        assert ws.clock.now() > last
    finally:
        ws.close()
