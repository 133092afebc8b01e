"""How long the demo workspace takes to build with its worked analysis, against the documents alone
measured in the same run (alternating, so the machine's load falls on both alike).

    .venv/bin/python bench/bench_demo.py [--rounds 4]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=4)
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="assay-bench-demo-"))
    os.environ["ASSAY_PROFILE_DIR"] = str(scratch / "profile")  # keys stay out of the user's
    from desktop.core.demo import create_demo
    from desktop.core.kernel.profile import Profile

    me = Profile("0b0b0b0b-0000-4000-8000-00000000be0c", "Bench", configured=True)
    times: dict[bool, list[float]] = {False: [], True: []}
    try:
        create_demo(scratch / "warm", profile=me, analysis=False).close()  # imports, caches
        for n in range(args.rounds * 2):
            analysis = n % 2 == 1
            path = scratch / f"ws{n}"
            t = time.perf_counter()
            create_demo(path, profile=me, analysis=analysis).close()
            times[analysis].append(time.perf_counter() - t)
            shutil.rmtree(path)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    docs, worked = statistics.median(times[False]), statistics.median(times[True])
    print(
        f"documents only:        median {docs:.2f} s  ({', '.join(f'{x:.2f}' for x in times[False])})"
    )
    print(
        f"with worked analysis:  median {worked:.2f} s  ({', '.join(f'{x:.2f}' for x in times[True])})"
    )
    print(f"ratio: {worked / docs:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
