"""Where a command's PIN comes from: `VISITAPP_PIN` when set (for scripts), else asked for
on the terminal (hidden). With neither, the command stops with exit 1 and says so. A
tablet's first command makes its data under the PIN it is given (asked twice when typed,
so a slip cannot lock the data under a PIN nobody knows).

Kept apart from `pin_commands` (the `visitapp pin` typer commands) so that `visitapp
report`'s quick start (visitapp/cli/main.py) can read the PIN without importing typer.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from visitapp.errors import BadPin, NoPin

ENV_PIN = "VISITAPP_PIN"
ENV_NEW_PIN = "VISITAPP_NEW_PIN"


def ask(prompt: str) -> str:
    import getpass  # only when asking (a script's PIN is in the environment)

    return getpass.getpass(prompt, stream=sys.stderr).strip()


def pin_for(db_path: Path) -> str:
    """The PIN to open `db_path` with: $VISITAPP_PIN, else asked; `NoPin` otherwise."""
    from visitapp.store.keys import key_path

    given = os.environ.get(ENV_PIN)
    if given:
        return given.strip()
    if not sys.stdin.isatty():
        raise NoPin(f"no PIN: set {ENV_PIN}, or run in a terminal to be asked for it")
    if key_path(db_path).exists():
        return ask("PIN: ")
    return new_pin("This tablet's data will be locked with a new PIN (6 or more digits): ")


def new_pin(prompt: str) -> str:
    from visitapp.domain.pin_policy import check_pin_format

    pin = check_pin_format(ask(prompt))
    if ask("The same PIN again: ") != pin:
        raise BadPin("the two PINs differ: nothing changed")
    return pin
