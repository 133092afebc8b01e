"""SIGKILL an importing process at random points: the store is exactly as before or as after."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from db import store
from desktop.core.exchange import state_digest
from desktop.core.workspace import Workspace

from .conftest import write_texts
from .test_bundles_helpers import ADA, BEN, trust

ROOT = Path(__file__).resolve().parents[1]
WORDS = (
    "export controls accelerator supply chain exploit vulnerability patch ministry "
    "domestic alternative vendor claim defender attacker model chip"
).split()


@pytest.fixture(scope="module")
def crash_setup(tmp_path_factory):
    """A bundle of 100 documents and 300 claims; B before it, and B's digest after it."""
    root = tmp_path_factory.mktemp("crash")
    prev = os.environ.get("ASSAY_PROFILE_DIR")
    os.environ["ASSAY_PROFILE_DIR"] = str(root / "profile")
    try:
        texts = {}
        for i in range(100):
            body = " ".join(WORDS[(i * 7 + k) % len(WORDS)] for k in range(400))
            texts[f"d{i:04}.txt"] = f"Report {i}\n\n{body} unique{i}"
        write_texts(root / "in", texts)
        a = Workspace.create(root / "a", profile=ADA)
        a.import_paths([root / "in"])
        with a.deferred_indexing():
            for n, d in enumerate(a.list_documents()):
                for k in range(3):
                    a.add_claim(
                        d["id"],
                        10 + 40 * k,
                        30 + 40 * k,
                        f"claim {n}.{k}",
                        credibility=1 + k,
                        tags=[f"t{k}", "bulk"],
                    )
        a.export_bundle(root / "a.assay")
        b = Workspace.create(root / "b", profile=BEN)
        trust(b, a, root)
        b.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        before = state_digest(b)
        b.close()
        a.close()
        shutil.copytree(root / "b", root / "b-after", ignore=shutil.ignore_patterns("lock"))
        with Workspace.open(root / "b-after", profile=BEN) as after_ws:
            after_ws.import_bundle(root / "a.assay")
            after = state_digest(after_ws)
        assert before != after
        yield {"root": root, "before": before, "after": after, "bundle": root / "a.assay"}
    finally:
        if prev is None:
            os.environ.pop("ASSAY_PROFILE_DIR", None)
        else:
            os.environ["ASSAY_PROFILE_DIR"] = prev


CHILD = textwrap.dedent("""
    import sys
    from desktop.core.kernel.profile import Profile
    from desktop.core.workspace import Workspace
    ws = Workspace.open(sys.argv[1], profile=Profile(id=sys.argv[3], name=sys.argv[4],
                                                     configured=True))
    def progress(done, total, message):
        print(message, done, flush=True)
    ws.import_bundle(sys.argv[2], progress=progress)
    print("finished", flush=True)
""")


@pytest.mark.parametrize(
    "when",
    [
        ("checking", 1),
        ("merging", 1),
        ("merging", 3),
        ("indexing", 1),
        ("timer", 1.0),
        ("timer", 1.6),
    ],
)
def test_sigkill_while_importing_leaves_before_or_after(crash_setup, tmp_path, when):
    root = crash_setup["root"]
    target = tmp_path / "b"
    shutil.copytree(root / "b", target, ignore=shutil.ignore_patterns("lock"))
    env = dict(os.environ, ASSAY_PROFILE_DIR=str(root / "profile"))
    env.pop("QT_QPA_PLATFORM", None)
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(target), str(crash_setup["bundle"]), BEN.id, BEN.name],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=env,
    )
    kind, at = when
    if kind == "timer":
        timer = threading.Timer(at * random.uniform(0.8, 1.2), proc.send_signal, [signal.SIGKILL])
        timer.start()
    seen = 0
    for line in proc.stdout:
        if line.startswith("finished"):
            break
        if kind != "timer" and line.startswith(kind):
            seen += 1
            if seen >= at:
                break
    if kind == "timer":
        proc.wait(timeout=60)
        timer.cancel()
    else:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
    proc.stdout.close()
    with Workspace.open(target, profile=BEN) as ws:  # reopening sweeps orphans, replays the queue
        digest = state_digest(ws)
        assert digest in (crash_setup["before"], crash_setup["after"])
        assert store.integrity_problems(ws.db) == []
        assert not list(target.glob("blobs/sha256/*/*.tmp"))
        assert not (target / "import.journal").exists()
        report = ws.check()
        assert report.ok, report.problems
        applied = digest == crash_setup["after"]
        seen_rows = ws.db.execute("SELECT count(*) FROM bundles_seen").fetchone()[0]
        assert seen_rows == (1 if applied else 0)
        # whatever happened, importing (again) completes the job
        ws.session.defer_index = True
        ws.import_bundle(crash_setup["bundle"])
        assert state_digest(ws) == crash_setup["after"]
