"""`python -m desktop.cli …`, the same as `assay …`."""

import sys

from desktop.cli import main

sys.exit(main())
