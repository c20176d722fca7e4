"""``python -m clue_plugins.cli``."""

import sys

from clue_plugins.cli import main

if __name__ == "__main__":
    sys.exit(main())
