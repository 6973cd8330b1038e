"""``python -m gates`` runs the ``gates`` command line."""

import sys

from .cli import main

sys.exit(main())
