"""`python -m briefing`, the same as the `briefing` command."""

import sys

from .cli import main

sys.exit(main())
