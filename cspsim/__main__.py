"""``python -m cspsim`` runs the command line."""

import sys

from cspsim.cli.main import main

sys.exit(main())
