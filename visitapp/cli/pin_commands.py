"""`visitapp pin change`; where a command's PIN comes from is `visitapp.cli.pin_source`."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import typer

from visitapp.cli.pin_source import ENV_NEW_PIN, ENV_PIN, pin_for
from visitapp.cli.pin_source import ask as _ask
from visitapp.cli.pin_source import new_pin as _new_pin
from visitapp.errors import NoPin

__all__ = ["ENV_NEW_PIN", "ENV_PIN", "pin_for", "register"]

pin_app = typer.Typer(help="The PIN that unlocks this tablet's data.", no_args_is_help=True)


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
