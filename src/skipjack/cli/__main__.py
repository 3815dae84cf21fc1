"""``python -m skipjack.cli``."""

import sys

from skipjack.cli import main

sys.exit(main())
