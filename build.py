#!/usr/bin/env python3
"""`python build.py [--site DIR] COMMAND`: the same as the installed `briefing` command."""

import sys

from briefing.cli import main

if __name__ == "__main__":
    sys.exit(main())
