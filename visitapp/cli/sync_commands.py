"""`visitapp enrol` and `visitapp sync`, registered on the main app by `register(app)`.

`sync` exits 0 when everything went up and came down; 1 with a clear line when the server
is unreachable or the tablet is not enrolled (every pending change is kept), and 1 with
each refused change and its reason when the programme office refused some.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer


def _sync_service(ctx: typer.Context):  # type: ignore[no-untyped-def]
    return ctx.obj.services.sync  # visitapp.cli.main.Context: opened on first use


def enrol(
    ctx: typer.Context,
    server: Annotated[str, typer.Option("--server", help="The programme office address, "
                                        "e.g. https://office.example.nhs.uk")],
    token: Annotated[str, typer.Option("--token", help="This tablet's token from "
                                       "`visitapp-office device add`.")],
) -> None:
    """Enrol this tablet with the programme office (the token is kept, never shown again)."""
    service = _sync_service(ctx)
    service.enrol(server, token)
    typer.echo(f"enrolled with {server.rstrip('/')}; token saved in {service.token_file} "
               "(readable by you only)", err=True)


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
    typer.echo(f"sync done: {report.pushed} sent, {report.duplicates} already there, "
               f"{report.pulled} received, {report.blobs_uploaded} photo(s) sent, "
               f"{report.blobs_downloaded} received", err=True)
    if report.clock_warning:
        typer.echo(f"warning: {report.clock_warning}", err=True)
    for op_id, reason in report.rejected:
        typer.echo(f"refused: change {op_id}: {reason}", err=True)
    for problem in report.blob_problems:
        typer.echo(f"problem: {problem}", err=True)
    if not report.complete:
        sys.exit(1)


def register(app: typer.Typer) -> None:
    app.command("enrol")(enrol)
    app.command("sync")(sync)
