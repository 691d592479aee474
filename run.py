#!/usr/bin/env python3
"""宿区政办发〔2024〕26号 policy-as-code. `python run.py --help` for the commands."""
import os
import sys

from engine.cli import main

if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # `run.py … | head`: the reader left; not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)
