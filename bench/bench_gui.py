"""GUI benchmark (issue 3): launch, open a big document, scroll the library, search as you type.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_gui.py            # 20 000 docs / 50 000 annotations
    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_gui.py --quick    # 2 000 / 5 000
    ... --docs N --annotations M --repeats 5 --queries 20 --rebuild --profile --record

1. A workspace of N documents (1–10 KB, bench/corpus.py words) and M notes/claims (ratings,
   1–3 of ~40 hierarchical tags, review statuses, Zipf-skewed over documents) plus one 1 MB
   document carrying 2 000 annotations is written with bulk SQL in one transaction, then
   indexed (bench/gui_build.py). It is cached under bench/out/ keyed by the sizes.
2. Launch: a new process runs `desktop.app.main(["--workspace", WS])` with a configured
   profile (no first-run dialog); a timer polls for a visible QMainWindow, then a zero-timer
   marks "interactive". Timed from just before the process is spawned. A baseline process
   (same driver, an empty QMainWindow) runs in the same session; the ratio is reported.
   Both roles: the analyst (returned-to-me pane) and the supervisor (review queue).
3. In one fresh process, the real MainWindow (as tests/gui build it): open the 1 MB document
   the way the library does (`MainWindow.open_document`) until the reader and the annotations
   pane are filled and painted; scroll the library table to the bottom (End / scroll bar, as
   a user would, until `canFetchMore` is false) and page by page through every row; type
   20 queries into the search field and wait for the hits to be painted.
4. A table with the targets (window interactive < 2 s, document open < 300 ms, library rows
   loaded lazily), the load average, the command. --record appends it to bench/RESULTS.md.

Asserts nothing; prints figures. The machine may be shared: the load average is reported.
"""

from __future__ import annotations

import time

_T0 = time.monotonic()  # the launch child measures from here (first statement that can)

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from datetime import datetime  # noqa: E402
from pathlib import Path  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"

TARGET_LAUNCH_S = 2.0
TARGET_OPEN_MS = 300.0
LAZY_SHARE = 0.05  # "lazy": rows loaded when the window opens are at most this share of N


# --- small helpers ----------------------------------------------------------------------------


def rss_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def med(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[max(0, math.ceil(p / 100 * len(s)) - 1)]


def load_avg() -> str:
    try:
        return " / ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def _emit(payload: dict) -> None:
    print("BENCH " + json.dumps(payload), flush=True)


# --- child: launch the real app ---------------------------------------------------------------


def launch_child(ws_path: str) -> int:
    """Run desktop.app.main on the workspace; report when the main window is interactive.

    The QApplication is made here so a polling timer can exist before main() runs; main()
    reuses it (`QApplication.instance() or QApplication(...)`). Nothing of the app is patched.
    """
    marks = {"driver_start": _T0}
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMainWindow

    marks["qt_imported"] = time.monotonic()
    app = QApplication([sys.argv[0]])
    marks["qapp"] = time.monotonic()
    import desktop.app

    marks["app_imported"] = time.monotonic()
    info: dict = {}

    def interactive(window: QMainWindow) -> None:
        marks["interactive"] = time.monotonic()
        window.repaint()  # the whole first frame, synchronously
        marks["painted"] = time.monotonic()
        library = getattr(getattr(window, "library", None), "model", None)
        if library is not None:
            info.update(rows_loaded=library.rowCount(), library_total=library.total())
        info["rss_mb"] = round(rss_mb(), 1)
        _emit({"marks": marks, "info": info})
        window.close()

    def poll() -> None:
        for w in QApplication.topLevelWidgets():
            if isinstance(w, QMainWindow) and w.isVisible():
                timer.stop()
                marks["window_visible"] = time.monotonic()
                QTimer.singleShot(0, lambda w=w: interactive(w))
                return

    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(poll)
    timer.start()
    code = desktop.app.main(["--workspace", ws_path])
    del app
    return code


def baseline_child() -> int:
    """The floor: import Qt, make a QApplication, show an empty QMainWindow, one zero-timer."""
    marks = {"driver_start": _T0}
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMainWindow

    marks["qt_imported"] = time.monotonic()
    app = QApplication([sys.argv[0]])
    marks["qapp"] = marks["app_imported"] = time.monotonic()
    window = QMainWindow()
    window.resize(1280, 800)
    window.show()
    marks["window_visible"] = time.monotonic()

    def done() -> None:
        marks["interactive"] = time.monotonic()
        window.repaint()
        marks["painted"] = time.monotonic()
        _emit({"marks": marks, "info": {"rss_mb": round(rss_mb(), 1)}})
        app.quit()

    QTimer.singleShot(0, done)
    return app.exec()


def run_launch(kind: str, ws_path: Path | None, env: dict, timeout: float = 180) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve())]
    cmd += ["--_launch-child", str(ws_path)] if kind == "app" else ["--_baseline-child"]
    spawned = time.monotonic()
    try:
        proc = subprocess.run(
            cmd, env=env, capture_output=True, text=True, timeout=timeout, cwd=tempfile.gettempdir()
        )
    except subprocess.TimeoutExpired as exc:
        return {"error": f"timed out after {timeout} s", "stderr": str(exc.stderr)[-2000:]}
    ended = time.monotonic()
    line = next((x for x in proc.stdout.splitlines() if x.startswith("BENCH ")), None)
    if line is None:
        return {"error": f"no marker (exit {proc.returncode})", "stderr": proc.stderr[-3000:]}
    data = json.loads(line[6:])
    m = data["marks"]
    return {
        "total": m["interactive"] - spawned,
        "painted": m["painted"] - spawned,
        "python_start": m["driver_start"] - spawned,
        "qt_import_and_qapp": m["qapp"] - m["driver_start"],
        "import_desktop_app": m["app_imported"] - m["qapp"],
        "main_to_window_visible": m["window_visible"] - m["app_imported"],
        "visible_to_interactive": m["interactive"] - m["window_visible"],
        "process_exit_after_close": ended - m["painted"],
        "exit_code": proc.returncode,
        **data["info"],
    }


# --- child: the real window in-process --------------------------------------------------------


def gui_child(config_path: str) -> int:
    cfg = json.loads(Path(config_path).read_text())
    res: dict = {"rss_start_mb": rss_mb()}
    t = time.perf_counter()
    from PySide6.QtCore import QEventLoop, QModelIndex, QSettings, Qt, QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QAbstractSlider, QApplication

    res["import_qt_s"] = time.perf_counter() - t
    t = time.perf_counter()
    from desktop.core.workspace import Workspace
    from desktop.ui import theme
    from desktop.ui.compat import keep_singletons_alive
    from desktop.ui.main_window import MainWindow

    res["import_desktop_s"] = time.perf_counter() - t

    keep_singletons_alive()
    app = QApplication([sys.argv[0]])
    app.setFont(theme.app_font())
    theme.apply_theme(app, "light")
    res["rss_qt_mb"] = rss_mb()
    pc = time.perf_counter
    profiler = None
    prof_out: dict[str, str] = {}
    if cfg.get("profile"):
        import cProfile

        profiler = cProfile.Profile()

    def profile_text(label: str, limit: int = 28) -> None:
        import io
        import pstats

        if profiler is None:
            return
        buf = io.StringIO()
        stats = pstats.Stats(profiler, stream=buf).strip_dirs().sort_stats("cumulative")
        stats.print_stats(limit)
        prof_out[label] = buf.getvalue()
        profiler.clear()

    def spin() -> None:
        """Let the event loop run everything already posted (one zero-timer)."""
        loop = QEventLoop()
        QTimer.singleShot(0, loop.quit)
        loop.exec()

    # -- the window, as tests/gui build it --------------------------------------------------
    t = pc()
    ws = Workspace.open(Path(cfg["workspace"]))
    res["open_workspace_s"] = pc() - t
    settings = QSettings(str(Path(cfg["tmp"]) / "settings.ini"), QSettings.Format.IniFormat)
    t = pc()
    window = MainWindow(ws, settings=settings)
    res["construct_window_s"] = pc() - t
    t = pc()
    window.show()
    spin()
    res["show_to_interactive_s"] = pc() - t
    t = pc()
    window.repaint()
    res["first_paint_s"] = pc() - t
    lib = window.library.model
    table = window.library.table
    res["library_total"] = lib.total()
    res["rows_after_open"] = lib.rowCount()
    res["summaries_after_open"] = len(lib._rows)
    res["rss_window_mb"] = rss_mb()

    # -- (b) open the 1 MB document with 2 000 annotations ----------------------------------
    doc_id = cfg["long_doc_id"]
    other = next(lib.document_id(r) for r in range(lib.rowCount()) if lib.document_id(r) != doc_id)

    def open_once() -> float:
        window.open_document(other)
        app.processEvents()
        started = pc()
        window.open_document(doc_id)  # what the library's selection calls
        app.processEvents()
        window.reader.text.viewport().repaint()
        window.annotations.view.viewport().repaint()
        return pc() - started

    opens = [open_once() for _ in range(1 + cfg["repeats"])]
    res["open_first_s"], res["open_s"] = opens[0], opens[1:]
    res["open_filled"] = {
        "reader_document": window.reader.document_id == doc_id,
        "reader_chars": len(window.reader.text.toPlainText()),
        "annotation_rows": window.annotations.model.rowCount(),
        "highlighted": len(window.reader.annotations),
    }
    # where the time goes: the same steps as open_document, one by one
    parts: dict[str, list[float]] = {
        k: []
        for k in (
            "read document",
            "read annotations",
            "reader.show_document",
            "annotations.show_annotations",
            "events + paint",
        )
    }
    for _ in range(3):
        window.open_document(other)
        app.processEvents()
        t0 = pc()
        doc = ws.document(doc_id)
        t1 = pc()
        anns = ws.annotations(doc_id)
        t2 = pc()
        window.reader.show_document(doc, anns)
        t3 = pc()
        window.annotations.show_annotations(doc_id, anns)
        t4 = pc()
        app.processEvents()
        window.reader.text.viewport().repaint()
        window.annotations.view.viewport().repaint()
        t5 = pc()
        for key, v in zip(parts, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4), strict=True):
            parts[key].append(v)
    res["open_parts_s"] = {k: med(v) for k, v in parts.items()}
    if profiler:
        window.open_document(other)
        app.processEvents()
        profiler.enable()
        window.open_document(doc_id, reload=True)
        app.processEvents()
        window.reader.text.viewport().repaint()
        window.annotations.view.viewport().repaint()
        profiler.disable()
        profile_text("open the 1 MB document")
    window.open_document(other)
    app.processEvents()

    # -- (c) scroll the whole library -------------------------------------------------------
    root = QModelIndex()
    sb = table.verticalScrollBar()
    table.setFocus()

    def reset_library() -> None:
        lib.set_filters(text="\x01no such title\x01")
        lib.set_filters()  # back to the first page only, as when the window opened
        table.scrollToTop()
        app.processEvents()

    jumps = []
    for _n in range(cfg["scroll_repeats"]):
        reset_library()
        rss_before = rss_mb()
        rows_before = lib.rowCount()
        steps = stalls = 0
        worst = 0.0
        started = pc()
        while lib.canFetchMore(root) and steps < 100_000 and stalls < 50:
            before = lib.rowCount()
            ts = pc()
            table.scrollToBottom()  # what End / dragging the scroll bar down does
            app.processEvents()
            table.viewport().repaint()
            worst = max(worst, pc() - ts)
            steps += 1
            stalls = stalls + 1 if lib.rowCount() == before else 0
        jumps.append(
            {
                "seconds": pc() - started,
                "steps": steps,
                "stalled": stalls >= 50,
                "rows_before": rows_before,
                "rows_after": lib.rowCount(),
                "worst_step_s": worst,
                "rss_before_mb": rss_before,
                "rss_after_mb": rss_mb(),
            }
        )
    res["scroll_jump"] = jumps

    pages = []
    for _n in range(cfg["page_repeats"]):
        reset_library()
        rss_before = rss_mb()
        rows_before = lib.rowCount()
        step_times = []
        started = pc()
        limit = 10 * lib.total() + 100
        while len(step_times) < limit:
            ts = pc()
            sb.triggerAction(QAbstractSlider.SliderAction.SliderPageStepAdd)  # PageDown
            app.processEvents()
            table.viewport().repaint()
            step_times.append(pc() - ts)
            if sb.value() >= sb.maximum() and not lib.canFetchMore(root):
                break
        pages.append(
            {
                "seconds": pc() - started,
                "steps": len(step_times),
                "rows_before": rows_before,
                "rows_after": lib.rowCount(),
                "step_median_s": med(step_times),
                "step_p95_s": pct(step_times, 95),
                "worst_step_s": max(step_times),
                "rss_before_mb": rss_before,
                "rss_after_mb": rss_mb(),
                "visible_rows": table.viewport().height()
                // max(1, table.verticalHeader().defaultSectionSize()),
            }
        )
    res["scroll_pages"] = pages
    res["rss_after_scroll_mb"] = rss_mb()

    # -- (d) search as you type ---------------------------------------------------------------
    field = window.search_field

    def await_hits(query: str, act) -> tuple[float, int, str]:
        """Run act() (typing); seconds from its end until the hits for query are painted."""
        loop = QEventLoop()
        state: dict = {}

        def ready(q: str, hits: list) -> None:
            if q == query and "t" not in state:
                window.results.view.viewport().repaint()
                state.update(t=pc(), n=len(hits))
                loop.quit()

        def failed(q: str, message: str) -> None:
            if q == query and "t" not in state:
                state.update(t=pc(), n=0, error=message)
                loop.quit()

        window.search.results_ready.connect(ready)
        window.search.query_failed.connect(failed)
        try:
            started = act()
            if "t" not in state:
                QTimer.singleShot(60_000, loop.quit)
                loop.exec()
        finally:
            window.search.results_ready.disconnect(ready)
            window.search.query_failed.disconnect(failed)
        if "t" not in state:
            return float("nan"), 0, "timed out"
        return state["t"] - started, state["n"], state.get("error", "")

    def typed(query: str, enter: bool):
        def act() -> float:
            field.clear()
            QTest.keyClicks(field, query)
            if enter:
                started = pc()
                QTest.keyClick(field, Qt.Key.Key_Return)
                return started
            return pc()  # the last keystroke: the debounce starts here

        return act

    window.focus_search()
    searches = []
    for q in cfg["queries"]:
        s_typed, n_hits, err = await_hits(q, typed(q, enter=False))
        searches.append({"query": q, "typed_s": s_typed, "hits": n_hits, "error": err})
    for row in searches:
        row["enter_s"] = await_hits(row["query"], typed(row["query"], enter=True))[0]
    for row in searches:
        t = pc()
        ws.search(row["query"], limit=50, highlight="html")
        row["core_s"] = pc() - t
    res["search"] = searches
    res["profiles"] = prof_out
    res["rss_end_mb"] = rss_mb()
    window.shutdown()
    Path(cfg["out"]).write_text(json.dumps(res, indent=1))
    return 0


# --- orchestration ----------------------------------------------------------------------------


def profile_launch(ws_path: Path, env: dict, scratch: Path, limit: int = 40) -> str:
    """One launch under cProfile (main thread): imports, window construction, first events."""
    import io
    import pstats

    out = scratch / "launch.prof"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "cProfile",
            "-o",
            str(out),
            str(Path(__file__).resolve()),
            "--_launch-child",
            str(ws_path),
        ],
        env=env,
        capture_output=True,
        timeout=300,
        cwd=scratch,
    )  # not the repository: -m puts the cwd first on sys.path
    if not out.exists():
        return ""
    buf = io.StringIO()
    pstats.Stats(str(out), stream=buf).sort_stats("cumulative").print_stats(limit)
    return buf.getvalue()


def snapshot_code(folder: Path) -> Path:
    """Copy db/ and desktop/ (with ui/) so one run measures one version of a changing tree."""
    code = folder / "code"
    if code.exists():
        shutil.rmtree(code)
    for pkg in ("db", "desktop"):
        shutil.copytree(ROOT / pkg, code / pkg, ignore=shutil.ignore_patterns("__pycache__"))
    # an installed app has its bytecode; without it (PYTHONDONTWRITEBYTECODE is common in dev
    # shells) every launch would compile ~100 modules again (~0.3 s)
    import compileall

    compileall.compile_dir(str(code), quiet=1, workers=1)
    return code


def pick_queries(n_docs: int, count: int) -> list[str]:
    """Words and phrases from the corpus (bench/corpus.py) plus annotation field queries."""
    from corpus import Corpus

    annotation_queries = [
        "tag:capability/*",
        "tag:policy/export-controls likelihood:likely",
        "type:claim confidence:high",
        "status:submitted tag:actor/*",
        "statement:vulnerability",
        "exploit* tag:capability/exploitation",
    ]
    n_ann = min(len(annotation_queries), count // 3)
    text_queries = [
        q.text
        for q in Corpus(n_docs).queries(200)
        if q.kind in ("common", "rare", "two", "phrase", "prefix", "author")
    ]
    n_text = count - n_ann
    step = max(1, len(text_queries) // max(n_text, 1))
    out = text_queries[::step][:n_text]
    for i, q in enumerate(annotation_queries[:n_ann]):  # spread among the text queries
        out.insert(min(len(out), 2 + i * 3), q)
    return out


def child_env(extra: dict) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "ASSAY_WORKSPACE"}
    env.update(QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"), **extra)
    return env


def fmt_s(x: float) -> str:
    return "n/a" if x != x else f"{x:.2f} s"


def fmt_ms(x: float) -> str:
    return "n/a" if x != x else f"{x * 1000:.0f} ms"


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def summarise(args, meta: dict, launches: dict, gui: dict) -> tuple[list[tuple], dict]:
    rows: list[tuple] = []
    facts: dict = {}
    base = [r["total"] for r in launches["baseline"] if "total" in r]
    base_med = med(base)
    for role in ("analyst", "supervisor"):
        runs = [r for r in launches.get(role, []) if "total" in r]
        if not runs:
            continue
        measured = runs[1:] if len(runs) > 1 else runs
        tot = med([r["total"] for r in measured])
        facts[f"launch_{role}"] = tot
        rows.append(
            (
                f"launch → interactive window, {role} (median of {len(measured)})",
                f"{fmt_s(tot)} (min {min(r['total'] for r in measured):.2f}, max "
                f"{max(r['total'] for r in measured):.2f}); {tot / base_med:.1f}× baseline",
                f"< {TARGET_LAUNCH_S:.0f} s",
                verdict(tot < TARGET_LAUNCH_S),
            )
        )
        parts = {
            k: med([r[k] for r in measured])
            for k in (
                "python_start",
                "qt_import_and_qapp",
                "import_desktop_app",
                "main_to_window_visible",
                "visible_to_interactive",
            )
        }
        rows.append(
            (
                f"  of which ({role})",
                f"python {fmt_s(parts['python_start'])}, Qt+QApplication "
                f"{fmt_s(parts['qt_import_and_qapp'])}, import desktop.app "
                f"{fmt_s(parts['import_desktop_app'])}, main() → window shown "
                f"{fmt_s(parts['main_to_window_visible'])}, shown → interactive "
                f"{fmt_s(parts['visible_to_interactive'])}; first frame "
                f"{fmt_ms(med([r['painted'] - r['total'] for r in measured]))}",
                "",
                "",
            )
        )
        rows.append(
            (f"  first launch, {role} (no saved window state)", fmt_s(runs[0]["total"]), "", "")
        )
    rows.append(
        (f"baseline: empty QMainWindow process (median of {len(base)})", fmt_s(base_med), "", "")
    )
    open_med = med(gui["open_s"])
    facts["open"] = open_med
    filled = gui["open_filled"]
    rows.append(
        (
            f"open 1 MB document with {meta['long_doc_annotations']} annotations "
            f"(median of {len(gui['open_s'])})",
            f"{fmt_ms(open_med)} (min {fmt_ms(min(gui['open_s']))}, max "
            f"{fmt_ms(max(gui['open_s']))}); first {fmt_ms(gui['open_first_s'])}; "
            f"{filled['annotation_rows']} rows listed, {filled['highlighted']} highlighted",
            f"< {TARGET_OPEN_MS:.0f} ms",
            verdict(open_med < TARGET_OPEN_MS / 1000),
        )
    )
    rows.append(
        (
            "  of which",
            ", ".join(f"{k} {fmt_ms(v)}" for k, v in gui["open_parts_s"].items()),
            "",
            "",
        )
    )
    total = gui["library_total"]
    lazy = gui["rows_after_open"] <= max(400, LAZY_SHARE * total)
    facts["lazy"] = lazy
    rows.append(
        (
            "library rows loaded when the window opens",
            f"{gui['rows_after_open']} of {total} ({gui['summaries_after_open']} summaries)",
            "≪ N (lazy)",
            verdict(lazy),
        )
    )
    jumps = gui["scroll_jump"]
    j = jumps[0]
    rows.append(
        (
            f"scroll to the bottom (End / scroll bar, until canFetchMore is false; "
            f"median of {len(jumps)})",
            f"{fmt_s(med([x['seconds'] for x in jumps]))}, {j['steps']} steps, rows "
            f"{j['rows_before']} → {j['rows_after']} of {total}; worst step "
            f"{fmt_ms(max(x['worst_step_s'] for x in jumps))}; RSS {j['rss_before_mb']:.0f}"
            f" → {j['rss_after_mb']:.0f} MB",
            "no rows up front",
            verdict(lazy),
        )
    )
    pages = gui["scroll_pages"]
    p = pages[0]
    rows.append(
        (
            f"page down through every row (median of {len(pages)})",
            f"{fmt_s(med([x['seconds'] for x in pages]))}, {p['steps']} pages of "
            f"~{p['visible_rows']} rows; per page median "
            f"{fmt_ms(med([x['step_median_s'] for x in pages]))}, p95 "
            f"{fmt_ms(med([x['step_p95_s'] for x in pages]))}, worst "
            f"{fmt_ms(max(x['worst_step_s'] for x in pages))}; RSS "
            f"{p['rss_before_mb']:.0f} → {p['rss_after_mb']:.0f} MB",
            "",
            "",
        )
    )
    s = gui["search"]
    errors = [x for x in s if x["error"]]
    rows.append(
        (
            f"search: type → hits painted, incl. {debounce_ms()} ms debounce (median of {len(s)})",
            f"{fmt_ms(med([x['typed_s'] for x in s]))} (p95 "
            f"{fmt_ms(pct([x['typed_s'] for x in s], 95))}, max "
            f"{fmt_ms(max(x['typed_s'] for x in s))})",
            "",
            "",
        )
    )
    rows.append(
        (
            "search: Enter → hits painted",
            f"{fmt_ms(med([x['enter_s'] for x in s]))} (p95 "
            f"{fmt_ms(pct([x['enter_s'] for x in s], 95))}); core ws.search alone "
            f"{fmt_ms(med([x['core_s'] for x in s]))}; median hits "
            f"{med([x['hits'] for x in s]):.0f}"
            + (f"; {len(errors)} query errors" if errors else ""),
            "",
            "",
        )
    )
    rows.append(
        (
            "in-process: import Qt / import desktop (workspace, main_window) / open "
            "workspace / build MainWindow / show → interactive / paint",
            f"{fmt_ms(gui['import_qt_s'])} / {fmt_ms(gui['import_desktop_s'])} / "
            f"{fmt_ms(gui['open_workspace_s'])} / {fmt_ms(gui['construct_window_s'])} / "
            f"{fmt_ms(gui['show_to_interactive_s'])} / {fmt_ms(gui['first_paint_s'])}",
            "",
            "",
        )
    )
    rows.append(
        (
            "RSS: Qt only → window open → after scrolls → end",
            f"{gui['rss_qt_mb']:.0f} → {gui['rss_window_mb']:.0f} → "
            f"{gui['rss_after_scroll_mb']:.0f} → {gui['rss_end_mb']:.0f} MB",
            "",
            "",
        )
    )
    rows.append(
        (
            "workspace build (cached)" if meta.get("cached") else "workspace build",
            f"rows+blobs {meta['rows_seconds']:.0f} s, index {meta['index_seconds']:.0f} s "
            f"({meta['indexed_entries']} entries), check {meta['check_seconds']:.0f} s; "
            f"db {meta['db_bytes'] / 2**20:.0f} MB",
            "",
            "",
        )
    )
    return rows, facts


def debounce_ms() -> int:
    try:
        from desktop.ui.search import DEBOUNCE_MS

        return DEBOUNCE_MS
    except Exception:
        return 250


def console_table(rows: list[tuple]) -> str:
    w0 = max(len(r[0]) for r in rows)
    out = []
    for r in rows:
        line = f"{r[0]:<{w0}}  {r[1]}"
        if r[2]:
            line += f"   [target {r[2]}: {r[3]}]"
        out.append(line)
    return "\n".join(out)


def markdown(rows: list[tuple], header: str) -> str:
    lines = [header, "", "| measure | result | target | met |", "|---|---|---|---|"]
    for r in rows:
        lines.append("| " + " | ".join(x.replace("|", "\\|") for x in r) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=20_000)
    parser.add_argument("--annotations", type=int, default=50_000)
    parser.add_argument("--quick", action="store_true", help="2 000 documents, 5 000 annotations")
    parser.add_argument("--repeats", type=int, default=5, help="launches and document opens")
    parser.add_argument("--scroll-repeats", type=int, default=3)
    parser.add_argument("--queries", type=int, default=20)
    parser.add_argument("--roles", default="analyst,supervisor")
    parser.add_argument("--rebuild", action="store_true", help="ignore the cached workspace")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="cProfile one launch (main thread) and one document open",
    )
    parser.add_argument("--record", action="store_true", help="append to bench/RESULTS.md")
    parser.add_argument(
        "--no-snapshot",
        action="store_true",
        help="run the tree as it is instead of a frozen copy of db/ and desktop/",
    )
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--_launch-child", dest="launch_child", help=argparse.SUPPRESS)
    parser.add_argument(
        "--_baseline-child", dest="baseline_child", action="store_true", help=argparse.SUPPRESS
    )
    parser.add_argument("--_gui-child", dest="gui_child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.launch_child:
        return launch_child(args.launch_child)
    if args.baseline_child:
        return baseline_child()
    if args.gui_child:
        return gui_child(args.gui_child)

    if args.quick:
        args.docs, args.annotations = 2_000, 5_000
    command = "QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_gui.py " + " ".join(
        sys.argv[1:] if argv is None else argv
    )
    started_at = datetime.now()
    load_start = load_avg()
    args.out.mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(HERE))
    from snapshot import describe

    code_state = describe()
    pythonpath = [str(ROOT)]
    if not args.no_snapshot:
        code = snapshot_code(args.out / f"gui-run-{args.docs}d")
        pythonpath.insert(0, str(code))
    sys.path[:0] = pythonpath
    os.environ["PYTHONPATH"] = os.pathsep.join(pythonpath + [os.environ.get("PYTHONPATH", "")])
    print(
        f"GUI bench: {args.docs} documents, {args.annotations} annotations; code {code_state}; "
        f"load average {load_start}",
        flush=True,
    )

    import gui_build

    t = time.perf_counter()
    cache, meta = gui_build.ensure_workspace(
        args.out,
        args.docs,
        args.annotations,
        rebuild=args.rebuild,
        log=lambda m: print(m, flush=True),
    )
    print(
        f"workspace {'reused from cache' if meta['cached'] else 'built'} in "
        f"{time.perf_counter() - t:.1f} s: {cache}",
        flush=True,
    )
    ws_path = Path(meta["workspace"])
    scratch = Path(tempfile.mkdtemp(prefix="assay-bench-gui-"))
    try:
        # (a) launches
        launches: dict[str, list[dict]] = {"baseline": []}
        roles = [r for r in args.roles.split(",") if r]
        for role in roles:
            launches[role] = []
        common = {"ASSAY_LOG_DIR": str(scratch / "logs")}
        envs = {
            role: child_env(
                {
                    **common,
                    "ASSAY_PROFILE_DIR": meta["profiles"][role],
                    "XDG_CONFIG_HOME": str(scratch / f"config-{role}"),
                }
            )
            for role in roles
        }
        envs["baseline"] = child_env({**common, "XDG_CONFIG_HOME": str(scratch / "config-base")})
        # one unmeasured baseline warms the Qt libraries in the page cache
        run_launch("baseline", None, envs["baseline"])
        for n in range(args.repeats + 1):  # launch 0 of each role: no saved window state yet
            for role in roles:
                r = run_launch("app", ws_path, envs[role])
                launches[role].append(r)
                print(
                    f"  launch {role} #{n}: "
                    + (f"{r['total']:.2f} s" if "total" in r else f"FAILED {r}"),
                    flush=True,
                )
            if n:
                r = run_launch("baseline", None, envs["baseline"])
                launches["baseline"].append(r)
                print(f"  baseline #{n}: {r.get('total', float('nan')):.2f} s", flush=True)

        launch_profile = ""
        if args.profile and roles:
            launch_profile = profile_launch(ws_path, envs[roles[0]], scratch)

        # (b)–(d) one process with the real window
        queries = pick_queries(args.docs, args.queries)
        cfg = {
            "workspace": str(ws_path),
            "long_doc_id": meta["long_doc_id"],
            "repeats": args.repeats,
            "scroll_repeats": args.scroll_repeats,
            "page_repeats": max(1, min(args.scroll_repeats, 3)),
            "queries": queries,
            "profile": args.profile,
            "tmp": str(scratch),
            "out": str(scratch / "gui.json"),
        }
        (scratch / "gui-config.json").write_text(json.dumps(cfg))
        env = child_env(
            {
                **common,
                "ASSAY_PROFILE_DIR": meta["profiles"]["analyst"],
                "XDG_CONFIG_HOME": str(scratch / "config-gui"),
            }
        )
        print("in-process window: open document, scroll, search…", flush=True)
        proc = subprocess.run(
            [
                sys.executable,
                str(Path(__file__).resolve()),
                "--_gui-child",
                str(scratch / "gui-config.json"),
            ],
            env=env,
            text=True,
            capture_output=True,
            timeout=3600,
        )
        if proc.returncode != 0 or not (scratch / "gui.json").exists():
            print(proc.stdout[-3000:], proc.stderr[-6000:], sep="\n")
            return 1
        gui = json.loads((scratch / "gui.json").read_text())
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    load_end = load_avg()
    rows, facts = summarise(args, meta, launches, gui)
    stamp = started_at.strftime("%Y%m%d-%H%M%S")
    raw = {
        "command": command,
        "started": started_at.isoformat(timespec="seconds"),
        "code": code_state,
        "load_start": load_start,
        "load_end": load_end,
        "meta": meta,
        "launches": launches,
        "gui": gui,
        "facts": facts,
    }
    raw_path = args.out / f"gui-results-{args.docs}d-{stamp}.json"
    raw_path.write_text(json.dumps(raw, indent=1, default=str))
    import PySide6

    env_line = (
        f"{started_at:%Y-%m-%d %H:%M}; Python {platform.python_version()}, PySide6 "
        f"{PySide6.__version__}, {os.cpu_count()} CPUs, offscreen Qt; load average "
        f"(1/5/15 min) {load_start} at start, {load_end} at end (shared machine: "
        f"figures are noisy); code {code_state}"
    )
    print()
    print(console_table(rows))
    print()
    if launch_profile:
        print(
            "--- cProfile: one launch, main thread (cumulative; the workspace opens in the"
            " writer thread, not shown) ---"
        )
        print(launch_profile)
    for label, text in gui.get("profiles", {}).items():
        print(f"--- cProfile: {label} (cumulative) ---")
        print(text)
    print(env_line)
    print(f"command: {command}")
    print(f"raw figures: {raw_path}")
    if args.record:
        header = (
            f"### Run of {started_at:%Y-%m-%d %H:%M} — {args.docs} documents, "
            f"{args.annotations} annotations (+ one 1 MB document with "
            f"{meta['long_doc_annotations']})\n\n`{command}`\n\n{env_line}."
        )
        results = HERE / "RESULTS.md"
        existing = results.read_text() if results.exists() else ""
        # a new "## GUI (issue 3)" unless the file's last section is already ours
        sections = [x for x in existing.splitlines() if x.startswith("## ")]
        section = (
            ""
            if sections and sections[-1].strip() == "## GUI (issue 3)"
            else ("\n## GUI (issue 3)\n")
        )
        with results.open("a", encoding="utf-8") as fh:
            if existing and not existing.endswith("\n"):
                fh.write("\n")
            fh.write(section + "\n" + markdown(rows, header) + "\n")
        print(f"appended to {results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
