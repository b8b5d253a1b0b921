"""`visitapp-office` commands of the office web app: users, systems, A&E figures, the
smart list. Registered onto `sync.cli.app` by `register`; the same exit codes and
one-line errors (`sync.cli.run` turns an OfficeError into one line and exit 1).
"""

from __future__ import annotations

import getpass
import json
import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from sync.server.store import OfficeError

user_app = typer.Typer(help="People who sign in to the office pages.", no_args_is_help=True)
systems_app = typer.Typer(help="The register of local systems.", no_args_is_help=True)
performance_app = typer.Typer(help="NHS England's monthly A&E figures.",
                              no_args_is_help=True)
read_models_app = typer.Typer(help="The office's tables of synced visits.",
                              no_args_is_help=True)

DatabaseUrl = Annotated[str | None, typer.Option(
    "--database-url", help="SQLAlchemy URL (default: $VISITAPP_OFFICE_DATABASE_URL, else "
    "sqlite:///visitapp-office.db).")]


def _engine(url: str | None):  # type: ignore[no-untyped-def]
    from sync.server.db import open_database

    return open_database(url)


def _now_ms() -> int:
    from visitapp.domain.hlc import system_ms

    return system_ms()  # the CLI's announced clock: this machine's


def register(app: typer.Typer) -> None:
    app.add_typer(user_app, name="user")
    app.add_typer(systems_app, name="systems")
    app.add_typer(performance_app, name="performance")
    app.add_typer(read_models_app, name="read-models")
    app.command("smart-list")(smart_list)


@user_app.command("add")
def user_add(
    email: Annotated[str, typer.Option("--email", help="Their email address (the sign-in).")],
    name: Annotated[str, typer.Option("--name", help="Their name, as shown on the pages.")],
    role: Annotated[str, typer.Option("--role", help="admin (users, devices, settings) or "
                                      "analyst (reads everything, edits office notes).")],
    database_url: DatabaseUrl = None,
) -> None:
    """Add a person; the password is read from stdin (one line), never from arguments."""
    from sync.server.office import users

    password = (getpass.getpass("Password: ") if sys.stdin.isatty()
                else sys.stdin.readline().rstrip("\r\n"))
    user = users.add_user(_engine(database_url), email=email, name=name, role=role,
                          password=password, now_ms=_now_ms())
    typer.echo(f"user {user.email} ({user.name}, {user.role}) added", err=True)


@user_app.command("list")
def user_list(database_url: DatabaseUrl = None) -> None:
    """Every person: email, name, role, active or disabled."""
    from sync.server.office import users

    found = users.list_users(_engine(database_url))
    if not found:
        typer.echo("no users yet: `visitapp-office user add --email E --name N --role admin`",
                   err=True)
    for u in found:
        typer.echo("\t".join([u.email, u.name, u.role, "disabled" if u.disabled else "active"]))


@user_app.command("disable")
def user_disable(
    email: Annotated[str, typer.Argument(help="The email address of the account.")],
    database_url: DatabaseUrl = None,
) -> None:
    """Refuse an account from now on and end its sessions."""
    from sync.server.office import users

    users.disable_user(_engine(database_url), email, now_ms=_now_ms())
    typer.echo(f"user {email} disabled", err=True)


@systems_app.command("add")
def systems_add(
    name: Annotated[str, typer.Option("--name", help="The system's name, as visits name it.")],
    region: Annotated[str | None, typer.Option("--region", help="Its NHS region.")] = None,
    trust: Annotated[list[str] | None, typer.Option(
        "--trust", help="An ODS code of a trust in it (repeat for each).")] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Register a local system (visits already synced under its name join it)."""
    from sync.server.office import systems

    s = systems.add_system(_engine(database_url), name=name, region=region,
                           trusts=trust or [], now_ms=_now_ms())
    typer.echo(f"system {s.id} {s.name} added ({len(s.trusts)} trust(s))", err=True)


@systems_app.command("list")
def systems_list(
    as_json: Annotated[bool, typer.Option("--json", help="JSON instead of lines.")] = False,
    database_url: DatabaseUrl = None,
) -> None:
    """Every registered system: id, name, region, trusts."""
    from sync.server.office import systems

    found = systems.all_systems(_engine(database_url))
    if as_json:
        typer.echo(json.dumps([s.as_json() for s in found], indent=2, ensure_ascii=False))
        return
    if not found:
        typer.echo("no systems yet: `visitapp-office systems add --name NAME`", err=True)
    for s in found:
        typer.echo("\t".join([str(s.id), s.name, s.region or "", " ".join(s.trusts)]))


@performance_app.command("import")
def performance_import(
    file: Annotated[Path, typer.Argument(help="NHS England's monthly A&E provider CSV.")],
    database_url: DatabaseUrl = None,
) -> None:
    """Import a month (or months) of A&E figures; re-importing a month replaces it.

    Bad rows are listed by line and skipped; exit 0 when at least one row was taken.
    """
    from sync.server.office import performance

    try:
        data = file.read_bytes()
    except OSError as err:
        raise OfficeError(f"{file}: cannot read it ({err.strerror})") from None
    try:
        result = performance.import_file(_engine(database_url), data)
    except performance.UnreadableFile as err:
        raise OfficeError(f"{file}: {err}; nothing imported") from None
    for line in result.skipped:
        typer.echo(f"{file}: skipped {line}", err=True)
    for note in result.notes:
        typer.echo(f"{file}: {note}", err=True)
    typer.echo(f"{file}: {result.summary()}", err=True)
    if not result.taken:
        raise typer.Exit(1)


@read_models_app.command("rebuild")
def read_models_rebuild(database_url: DatabaseUrl = None) -> None:
    """Rebuild the office's tables of synced visits from the ops (after an upgrade)."""
    from sync.server.db import write
    from sync.server.office import read_models

    with write(_engine(database_url)) as conn:
        count = read_models.rebuild_all(conn)
    typer.echo(f"rebuilt read models of {count} entities", err=True)


def smart_list(
    as_json: Annotated[bool, typer.Option("--json", help="JSON instead of lines.")] = False,
    today: Annotated[str | None, typer.Option(
        "--today", help="The date to count 'days since' from (default: this machine's "
        "date), YYYY-MM-DD.")] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """The smart list in priority order, with each system's reasons."""
    from sync.server.db import read
    from sync.server.office import smart_list as sl

    try:
        day = date.fromisoformat(today) if today else date.today()
    except ValueError:
        raise OfficeError(f"--today {today!r} is not a date like 2026-11-27") from None
    with read(_engine(database_url)) as conn:
        rows = sl.build(conn, day)
    if as_json:
        typer.echo(sl.to_json(rows))
        return
    for r in rows:
        typer.echo(f"{r.rank}\t{r.name}\t" + "; ".join(r.reasons))
