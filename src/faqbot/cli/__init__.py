"""The `faqbot` command: build and check the site, ask a question, serve the site and API, measure.

A thin layer: it reads settings, calls the library, and turns faqbot's errors into one line on
stderr and a non-zero exit code. One module per group of commands, all on the one `app` of
faqbot.cli.base: site.py (build, check, import), answers.py (ask, serve), quality.py (eval, report).
"""

from __future__ import annotations

import signal
import sys

from faqbot.cli.base import app

# isort: split
# Registered in this order, which is the order of `faqbot --help`: the site owner's commands first.
from faqbot.cli import site  # build, check, import

# isort: split
from faqbot.cli import answers, quality  # ask, serve; eval, report

__all__ = ["app", "main"]
_COMMANDS = (site, answers, quality)  # imported for their commands, registered on `app`


def main() -> None:
    signal.signal(signal.SIGTERM, lambda n, _: sys.exit(128 + n))  # stopped, a command ends as on Ctrl-C
    app()
