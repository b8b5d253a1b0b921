"""What every command shares: where the database is, opened on first use.

Plain Python (no typer), so that `visitapp report`'s quick start in visitapp/cli/main.py
runs the same code as the typer command does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


class Context:
    """The `--db` a command was given, and the services over it, opened on first use."""

    def __init__(self, db: Path | None) -> None:
        self._db_arg = db
        self._services: Any = None
        self._opening: Any = None  # a BackgroundOpen, see start_opening

    @property
    def db_path(self) -> Path:
        from visitapp.settings import resolve_db_path

        return resolve_db_path(self._db_arg)

    def start_opening(self) -> None:
        """Unlock the tablet's data on another thread while this one imports what the
        command needs. The unlock is ~0.2 s of Argon2id in C, which releases the GIL, so a
        command like `visitapp report` does not wait for it and for its imports in turn."""
        if self._services is None and self._opening is None:
            from visitapp.cli.background import BackgroundOpen
            from visitapp.cli.pin_source import pin_for

            path = self.db_path
            # The PIN is asked for here: a prompt belongs to the main thread.
            self._opening = BackgroundOpen(path, pin_for(path))

    @property
    def services(self) -> Any:
        if self._services is None:
            import time

            from visitapp.services.app import open_services, services_for

            if self._opening is not None:
                opening, self._opening = self._opening, None
                self._services = services_for(opening.database())  # its error, if any
            else:
                from visitapp.cli.pin_source import pin_for

                path = self.db_path
                self._services = open_services(path, pin=pin_for(path), now=time.time)
        return self._services

    def close(self) -> None:
        if self._opening is not None:  # started but never used: wait, then close it
            self._opening.close()
            self._opening = None
        if self._services is not None:
            self._services.close()


def write_report(context: Context, visit_id: str, output: Path) -> str:
    """`visitapp report`: write the feedback PDF; the line to tell the user.

    The tablet unlocks on a thread while this one imports the renderer and parses its
    fonts."""
    context.start_opening()
    from visitapp.services.feedback import load_renderer, write_report_pdf

    load_renderer()  # while the data unlocks
    services = context.services
    summary = write_report_pdf(services, services.visits.resolve_visit_id(visit_id), output)
    return f"wrote {output}: {summary}"
