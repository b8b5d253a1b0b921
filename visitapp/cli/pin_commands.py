"""The PIN on the command line: where it comes from, and `visitapp pin change`.

A command that opens the tablet's data needs its PIN: from `VISITAPP_PIN` when set (for
scripts), else asked for on the terminal (hidden). With neither, the command stops with
exit 1 and says so. A tablet's first command makes its data under the PIN it is given
(asked twice when typed, so a slip cannot lock the data under a PIN nobody knows).
"""

from __future__ import annotations

import getpass
import os
import sys
import time
from pathlib import Path

import typer

from visitapp.errors import BadPin, NoPin

ENV_PIN = "VISITAPP_PIN"
ENV_NEW_PIN = "VISITAPP_NEW_PIN"

pin_app = typer.Typer(help="The PIN that unlocks this tablet's data.", no_args_is_help=True)


def _ask(prompt: str) -> str:
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
        return _ask("PIN: ")
    return _new_pin("This tablet's data will be locked with a new PIN (6 or more digits): ")


def _new_pin(prompt: str) -> str:
    from visitapp.domain.pin_policy import check_pin_format

    pin = check_pin_format(_ask(prompt))
    if _ask("The same PIN again: ") != pin:
        raise BadPin("the two PINs differ: nothing changed")
    return pin


@pin_app.command("change")
def change(ctx: typer.Context) -> None:
    """Change the PIN (the data is not re-encrypted: its key is wrapped again)."""
    from visitapp.store.keys import change_pin, key_path

    db_path: Path = ctx.obj.db_path
    key_file = key_path(db_path)
    if not key_file.exists():
        raise NoPin(f"no data locked by a PIN at {db_path} yet: nothing to change")
    old = os.environ.get(ENV_PIN) or (_ask("Current PIN: ") if sys.stdin.isatty() else None)
    new = os.environ.get(ENV_NEW_PIN) or (_new_pin("New PIN (6 or more digits): ")
                                          if sys.stdin.isatty() else None)
    if not old or not new:
        raise NoPin(f"no PIN: set {ENV_PIN} and {ENV_NEW_PIN}, or run in a terminal to be "
                    "asked for them")
    change_pin(key_file, old.strip(), new.strip(), now=time.time())
    typer.echo("PIN changed", err=True)


def register(app: typer.Typer) -> None:
    app.add_typer(pin_app, name="pin")
