"""``python -m arrahmah.cli``."""

import sys

from arrahmah.cli import main

sys.exit(main())
