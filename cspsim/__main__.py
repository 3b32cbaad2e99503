"""``python -m cspsim`` runs the command line."""

import sys

from cspsim.cli import main

sys.exit(main())
