"""A plain `assay search` in a new process loads none of the heavy modules it does not need.

Cold start is measured by bench/bench_coldstart.py (figures in bench/RESULTS.md); what this
test keeps is the reason it is fast: no GUI toolkit, no signing library, no STIX library, no
Chinese segmenter, no language model, and neither numpy nor sqlite-utils (nor asyncio, which
a dependency of Whoosh would bring) for reading the store and the index.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from desktop.core.workspace import Workspace

from .conftest import write_texts

ROOT = Path(__file__).resolve().parent.parent

HEAVY = (
    "PySide6",
    "shiboken6",
    "stix2",
    "cryptography",
    "jieba",
    "py3langid",
    "numpy",
    "sqlite_utils",
    "asyncio",
)

# runs `assay ARGS…` as the console script does, then reports what it loaded as it exits
RUN_AND_REPORT = """
import atexit, json, runpy, sys
atexit.register(lambda: print("MODULES " + json.dumps(sorted(sys.modules)), file=sys.stderr))
sys.argv = ["assay", *sys.argv[1:]]
runpy.run_module("desktop.cli", run_name="__main__")
"""

TEXTS = {
    "controls.txt": "Export controls review\n\nThe licensing office tightened export controls "
    "on accelerator boards after shell buyers reappeared in three ports.",
    "patching.md": "---\ntitle: Patch cadence\nauthor: R. Ostrander\n---\nDefenders patch "
    "within weeks while automated tooling finds the same bugs within hours.",
}


@pytest.fixture
def workspace(tmp_path):
    path = tmp_path / "ws"
    with Workspace.create(path) as ws:
        ws.import_paths(write_texts(tmp_path / "in", TEXTS))
    return path


def _search(workspace: Path, *args: str) -> tuple[str, set[str]]:
    proc = subprocess.run(
        [sys.executable, "-c", RUN_AND_REPORT, "-w", str(workspace), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    line = next(x for x in proc.stderr.splitlines() if x.startswith("MODULES "))
    modules = json.loads(line.removeprefix("MODULES "))
    return proc.stdout, {m.split(".")[0] for m in modules}


@pytest.mark.parametrize("extra", [(), ("--read-only",), ("--json",)])
def test_plain_search_loads_no_heavy_module(workspace, extra):
    out, loaded = _search(workspace, "search", "export controls", *extra)
    assert "Export controls review" in out  # it did search, and found the document
    assert "whoosh" in loaded
    assert sorted(loaded & set(HEAVY)) == []


def test_chinese_query_loads_jieba_only_then(workspace):
    # the other side of the lazy import: a CJK query does get the segmenter
    _out, loaded = _search(workspace, "search", "芯片")
    assert "jieba" in loaded
    assert "PySide6" not in loaded


def test_modules_whoosh_defers_still_work_when_asked_for():
    # db.index imports Whoosh with stand-ins for two modules a search never calls (see
    # db.index._deferred) and functools' cached_property for the package's; afterwards each
    # module is the real one, and the functions Whoosh kept load it when called
    import importlib

    import cached_property
    import whoosh.compat
    import whoosh.query.terms

    import db.index  # noqa: F401

    assert list(whoosh.query.terms.variations("running"))  # English variations, loaded now
    assert importlib.import_module("whoosh.lang.morph_en").variations is not None
    request = importlib.import_module("urllib.request")
    assert hasattr(request, "urlopen") and hasattr(request, "Request")
    assert callable(whoosh.compat.urlretrieve)
    assert cached_property.threaded_cached_property is not None  # the package's other names


def test_store_reads_directly_and_writes_through_sqlite_utils(tmp_path):
    # db.store.Store answers SELECTs on the plain connection and loads sqlite-utils for the
    # rest; a write outside a transaction is committed as sqlite-utils commits it
    from db import store

    db = store.connect(tmp_path / "x.db")
    db.execute("CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER)")
    db["t"].insert({"k": "a", "v": 1})
    db.execute("INSERT INTO t VALUES (?, ?)", ["b", 2])
    assert not db.conn.in_transaction
    other = store.connect(tmp_path / "x.db", readonly=True)
    assert other.execute("SELECT k, v FROM t ORDER BY k").fetchall() == [("a", 1), ("b", 2)]
    assert other._db is None  # reading loaded no sqlite-utils Database
    db.close()
    other.close()
