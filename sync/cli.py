"""`visitapp-office`: run the programme office service and manage its tokens.

Exit codes as for `visitapp`: 0 success, 1 a mistake (one line on stderr), 2 wrong usage.
Every command takes `--database-url` (else $VISITAPP_OFFICE_DATABASE_URL, else a SQLite
file `visitapp-office.db` in the current folder).
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from sync.between_cli import register as register_between_commands
from sync.office_cli import register as register_office_commands
from sync.publish_cli import register as register_publish_commands

app = typer.Typer(
    name="visitapp-office",
    help="The programme office sync service for peer visit tablets.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
device_app = typer.Typer(help="Enrol, list and revoke tablets.", no_args_is_help=True)
office_token_app = typer.Typer(help="Read-only programme office tokens.", no_args_is_help=True)
app.add_typer(device_app, name="device")
app.add_typer(office_token_app, name="office-token")
register_office_commands(app)  # users, systems, A&E figures, smart list
register_between_commands(app)  # calendar, actions, momentum, exemplars
register_publish_commands(app)  # forms publish, visits schedule

DatabaseUrl = Annotated[str | None, typer.Option(
    "--database-url", help="SQLAlchemy URL: sqlite:///office.db or "
    "postgresql+psycopg://user@host/db (default: $VISITAPP_OFFICE_DATABASE_URL, "
    "else sqlite:///visitapp-office.db).")]


def _engine(url: str | None):  # type: ignore[no-untyped-def]
    from sync.server.db import open_database

    return open_database(url)


@app.command()
def serve(
    database_url: DatabaseUrl = None,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8800,
    workers: Annotated[int, typer.Option(
        "--workers", min=1, max=64,
        help="Worker processes (PostgreSQL: pushes of different teams run side by side; "
             "SQLite: writes queue on its one write lock).")] = 1,
) -> None:
    """Run the service (migrations are applied first). Access logs go to stderr, one JSON
    object a line, without tokens, query strings or bodies."""
    import os

    import uvicorn

    from sync.server.app import create_app
    from sync.server.db import resolve_url
    from sync.server.operations import configure_access_log

    engine = _engine(database_url)  # migrates once, before any worker starts
    typer.echo(f"visitapp-office: serving on http://{host}:{port} with {workers} worker(s) "
               f"({engine.url.render_as_string(hide_password=True)})", err=True)
    if workers == 1:
        configure_access_log()
        uvicorn.run(create_app(engine), host=host, port=port, log_level="warning",
                    access_log=False)
        return
    engine.dispose()
    os.environ["VISITAPP_OFFICE_DATABASE_URL"] = resolve_url(database_url)
    uvicorn.run("sync.server.operations:app_from_environment", factory=True, host=host,
                port=port, workers=workers, log_level="warning", access_log=False)


@device_app.command("add")
def device_add(
    team: Annotated[str, typer.Option("--team", help="The visit team the tablet belongs to.")],
    name: Annotated[str, typer.Option("--name", help="A name for the tablet.")],
    database_url: DatabaseUrl = None,
) -> None:
    """Enrol a tablet; its token is printed once, alone on the last line."""
    from sync.server import store

    device_id, token = store.add_device(_engine(database_url), team=team, name=name)
    typer.echo(f"device {device_id} ({name}, team {team}) enrolled; its token, shown "
               "only now:", err=True)
    typer.echo(token)


@device_app.command("add-many")
def device_add_many(
    team: Annotated[str, typer.Option("--team", help="The visit team the tablets belong to.")],
    names: Annotated[typer.FileText, typer.Option(
        "--names", help="A file with one tablet name a line ('-' for stdin).")],
    database_url: DatabaseUrl = None,
) -> None:
    """Enrol many tablets at once: prints NAME<TAB>TOKEN a line on stdout, nothing else."""
    from sync.server import store

    wanted = [" ".join(line.split()) for line in names]
    wanted = [n for n in wanted if n]
    if not wanted:
        raise store.OfficeError(f"{names.name}: no tablet names in it (one name a line)")
    seen: set[str] = set()
    for number, name in enumerate(wanted, 1):
        if name in seen:
            raise store.OfficeError(f"{names.name}: name {number} ({name!r}) appears twice")
        seen.add(name)
    enrolled = store.add_devices(_engine(database_url), team=team, names=wanted)
    for name, (_device_id, token) in zip(wanted, enrolled, strict=True):
        typer.echo(f"{name}\t{token}")
    typer.echo(f"{len(enrolled)} tablets enrolled for team {team.strip()}; their tokens are "
               "shown only now", err=True)


@device_app.command("list")
def device_list(database_url: DatabaseUrl = None) -> None:
    """Every tablet: id, team, name, last seen, revoked."""
    from sync.server import store

    rows = store.list_devices(_engine(database_url))
    if not rows:
        typer.echo("no devices yet: `visitapp-office device add --team T --name N`", err=True)
    for r in rows:
        typer.echo("\t".join([r["id"], r["team"], r["name"], r["last_seen"] or "never",
                              f"revoked {r['revoked_at']}" if r["revoked_at"] else "active"]))


@device_app.command("revoke")
def device_revoke(
    device_id: Annotated[str, typer.Argument(help="The device id from `device list`.")],
    database_url: DatabaseUrl = None,
) -> None:
    """Refuse a tablet's token from now on (its unsent work stays on the tablet)."""
    from sync.server import store

    store.revoke_device(_engine(database_url), device_id)
    typer.echo(f"device {device_id} revoked", err=True)


@office_token_app.command("add")
def office_token_add(
    name: Annotated[str, typer.Option("--name", help="Who the token is for.")],
    database_url: DatabaseUrl = None,
) -> None:
    """Issue a read-only token that sees every team; printed once, on the last line."""
    from sync.server import store

    token_id, token = store.add_office_token(_engine(database_url), name=name)
    typer.echo(f"office token {token_id} ({name}) issued; shown only now:", err=True)
    typer.echo(token)


def run() -> None:
    """Console-script entry point: an expected error is one line on stderr and exit 1."""
    from sqlalchemy.exc import SQLAlchemyError

    from sync.server.store import OfficeError
    from visitapp.clock_override import ClockOverrideError, apply_from_environment

    try:
        apply_from_environment()
    except ClockOverrideError as problem:
        typer.echo(f"visitapp-office: {problem}", err=True)
        sys.exit(1)
    try:
        app()
    except OfficeError as problem:
        typer.echo(f"visitapp-office: {problem}", err=True)
        sys.exit(1)
    except SQLAlchemyError as problem:
        typer.echo(f"visitapp-office: database problem: {problem.__class__.__name__}: "
                   f"{str(problem).splitlines()[0]}", err=True)
        sys.exit(1)


if __name__ == "__main__":
    run()
