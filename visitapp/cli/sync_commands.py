"""`visitapp enrol` and `visitapp sync`, registered on the main app by `register(app)`.

`enrol` reads the token from standard input (piped) or a hidden prompt, never from the
command line, where other users could read it in the process list or shell history.

`sync` exits 0 when it went through, even if some changes were refused or set aside one
by one (it says how many and why in one line; they are kept on the tablet); 1 with a
clear line when the server is unreachable, the tablet not enrolled or refused as a whole
(every pending change is kept). No traceback reaches the user.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer


def _sync_service(ctx: typer.Context):  # type: ignore[no-untyped-def]
    return ctx.obj.services.sync  # visitapp.cli.main.Context: opened on first use


def _read_token() -> str:
    if sys.stdin is not None and not sys.stdin.isatty():
        return sys.stdin.readline().strip()
    return str(typer.prompt("Token from the programme office", hide_input=True)).strip()


def enrol(
    ctx: typer.Context,
    server: Annotated[str, typer.Option("--server", help="The programme office address, "
                                        "e.g. https://office.example.nhs.uk")],
) -> None:
    """Enrol this tablet with the programme office. The token (from `visitapp-office
    device add`) is read from a hidden prompt or standard input, kept, never shown again."""
    service = _sync_service(ctx)
    registered = service.enrol(server, _read_token())
    typer.echo(f"enrolled with {server.rstrip('/')}; the token is kept in the encrypted "
               "database, opened by your PIN", err=True)
    typer.echo(registered, err=True)


def sync(ctx: typer.Context) -> None:
    """Send this tablet's changes to the programme office and fetch the team's."""
    from sync.client import SyncError

    service = _sync_service(ctx)
    try:
        report = service.sync_now(progress=lambda line: typer.echo(line, err=True))
    except SyncError as err:
        status = service.status()
        typer.echo(f"visitapp: sync failed: {err} ({status.pending} change(s) kept on this "
                   "tablet)", err=True)
        sys.exit(1)
    except Exception as err:  # never a traceback: the work is in the database either way
        typer.echo(f"visitapp: sync failed unexpectedly ({type(err).__name__}: "
                   f"{' '.join(str(err).split())[:200]}); every change is kept on this "
                   "tablet: please report this", err=True)
        sys.exit(1)
    typer.echo(f"sync done: {report.pushed} sent, {report.duplicates} already there, "
               f"{report.pulled} received, {report.blobs_uploaded} photo(s) sent, "
               f"{report.blobs_downloaded} received", err=True)
    if report.identity_renewed:
        typer.echo(f"note: {report.identity_renewed}", err=True)
    if report.clock_warning:
        typer.echo(f"warning: {report.clock_warning}", err=True)
    set_aside = report.set_aside_line()
    if set_aside:
        typer.echo(f"refused: {set_aside}", err=True)
    waiting = report.waiting_line()
    if waiting:
        typer.echo(f"waiting: {waiting}", err=True)
    for problem in report.blob_problems:
        typer.echo(f"problem: {problem}", err=True)
    if report.released:
        typer.echo(f"removed from this tablet: {len(report.released)} finished visit(s) "
                   f"presented more than {report.retention_days} days ago, kept at the "
                   "programme office (`visitapp visits available`)", err=True)


def register(app: typer.Typer) -> None:
    app.command("enrol")(enrol)
    app.command("sync")(sync)
