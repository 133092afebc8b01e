"""Frozen entry point of the `assay` command line."""

import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()  # Whoosh's bulk writer starts worker processes
    from desktop.cli import main

    sys.exit(main())
