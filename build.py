#!/usr/bin/env python3
"""`python build.py [--site DIR] COMMAND`: the same as the installed `briefing` command."""

from briefing.cli import run

if __name__ == "__main__":
    run()
