"""Profile `Workspace.import_paths` on the synthetic corpus (cProfile), stored phase and index phase.

    .venv/bin/python bench/profile_import.py --n 2000 [--out DIR] [--top 40] [--single-writer]

Whoosh's bulk writer (procs=2) does half of the analysis in a child process that cProfile does
not see; --single-writer makes the index phase run in this process (procs=1) so its analysis
shows up in the profile (the wall time then differs from the real one).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from corpus import Corpus  # noqa: E402
from snapshot import use_snapshot  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--top", type=int, default=35)
    ap.add_argument("--single-writer", action="store_true")
    args = ap.parse_args()
    temp = args.out is None
    out = Path(tempfile.mkdtemp(prefix="assay-prof-")) if temp else args.out
    out.mkdir(parents=True, exist_ok=True)
    os.environ["ASSAY_PROFILE_DIR"] = str(out / "profile")
    print(f"code: {use_snapshot(out)}", flush=True)
    try:
        root = out / f"corpus-{args.n}"
        if not root.exists():
            Corpus(args.n).write(root)
        from db import index as ixmod
        from desktop.core.workspace import Workspace

        if args.single_writer:
            real = ixmod.SearchIndex.write

            def write(self, upserts, deletes=(), *, bulk=False, fresh=False):
                return real(self, upserts, deletes, bulk=False, fresh=fresh)

            ixmod.SearchIndex.write = write
        ws_path = out / "ws"
        shutil.rmtree(ws_path, ignore_errors=True)
        ws = Workspace.create(ws_path)
        prof = cProfile.Profile()
        t = time.perf_counter()
        prof.enable()
        report = ws.import_paths([root], index=False)
        prof.disable()
        stored = time.perf_counter() - t
        prof_index = cProfile.Profile()
        t = time.perf_counter()
        prof_index.enable()
        ws.index_pending()
        prof_index.disable()
        indexed = time.perf_counter() - t
        ws.close()
        print(
            f"{len(report.imported)} documents: stored {stored:.2f} s "
            f"({len(report.imported) / stored:.0f}/s), index {indexed:.2f} s"
        )
        for name, p in (("STORED PHASE", prof), ("INDEX PHASE", prof_index)):
            for key in ("tottime", "cumulative"):
                buf = io.StringIO()
                pstats.Stats(p, stream=buf).strip_dirs().sort_stats(key).print_stats(args.top)
                print(f"\n===== {name} by {key} =====")
                print(buf.getvalue().split("\n", 6)[-1])
            p.dump_stats(str(out / f"{name.split()[0].lower()}.prof"))
    finally:
        if temp:
            shutil.rmtree(out, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
