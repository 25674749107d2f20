"""``python -m bench`` (what ``make bench`` runs); see bench/__init__.py and --help."""

import sys

from bench.harness import main

sys.exit(main())
