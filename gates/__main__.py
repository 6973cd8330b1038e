"""``python -m gates`` runs the ``gates`` command line."""

import sys

from gates.cli import main

sys.exit(main())
