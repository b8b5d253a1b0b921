"""`visitapp visits available` and `visitapp visits fetch`: the team's visits this tablet
does not hold, and holding one of them (issue 15). Registered on `visits` by `register`.

Both ask the programme office, so both need the tablet enrolled and a connection; a
failure is one line on stderr and exit 1, and nothing on the tablet changes.
"""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import typer


def _fail(problem: Exception) -> None:
    typer.echo(f"visitapp: {problem}", err=True)
    sys.exit(1)


def available(ctx: typer.Context,
              json_out: Annotated[bool, typer.Option("--json")] = False) -> None:
    """The team's visits at the programme office not on this tablet (fetch one with
    `visitapp visits fetch VISIT_ID`)."""
    from sync.client import SyncError

    try:
        rows = ctx.obj.services.sync.available()
    except SyncError as problem:
        _fail(problem)
        return
    if json_out:
        typer.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if not rows:
        typer.echo("every visit of the team is on this tablet", err=True)
    for r in rows:
        typer.echo(f"{r['id']}  {r['date'] or '-':10}  {r['status'] or '-':<14} "
                   f"{r['system'] or ''}")


def fetch(ctx: typer.Context, visit_id: Annotated[str, typer.Argument(
        help="A visit id (or a unique prefix) from `visitapp visits available`.")]) -> None:
    """Hold a visit of the team on this tablet: its current state and photos now, its
    later changes with every sync. Prints its id."""
    from sync.client import SyncError

    try:
        report = ctx.obj.services.sync.fetch(visit_id)
    except SyncError as problem:
        _fail(problem)
        return
    typer.echo(fetched_line(report), err=True)
    for problem in report.blob_problems:
        typer.echo(f"problem: {problem}", err=True)
    typer.echo(report.visit_id)


def fetched_line(report: Any) -> str:
    return (f"visit {report.visit_id[:8]} is on this tablet: {report.pulled} change(s), "
            f"{report.blobs_downloaded} photo(s) received")


def follows_here(services: Any, follows: str) -> str:
    """The id of the visit a follow-up follows, fetching it first when it is not on this
    tablet and the tablet is enrolled and online; otherwise the usual refusal."""
    from sync.client import SyncError
    from visitapp.errors import NotFound

    try:
        return str(services.visits.resolve_visit_id(follows))
    except NotFound as missing:
        if not services.sync.status().enrolled:
            raise
        try:
            report = services.sync.fetch(follows)
        except SyncError as why:
            raise NotFound(f"{missing} (and it could not be fetched: {why})") from None
        typer.echo(fetched_line(report), err=True)
        return str(report.visit_id)


def register(visits_app: typer.Typer) -> None:
    visits_app.command("available")(available)
    visits_app.command("fetch")(fetch)
