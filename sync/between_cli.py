"""`visitapp-office` commands for the time between visits: the calendar (`events`,
`learning`), `actions`, `momentum` and `exemplars`. Registered onto `sync.cli.app` by
`register`. A mistake is one line on stderr and exit 1 (an OfficeError, see `sync.cli.run`),
checked before anything is written. Numbers and dates are read as text and checked here,
so a bad one is one line, not a usage screen.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

import typer

from sync.office_cli import DatabaseUrl, _engine, _now_ms

events_app = typer.Typer(help="Collaborative events (the launch and each event).",
                         no_args_is_help=True)
learning_app = typer.Typer(help="Learning sessions.", no_args_is_help=True)
actions_app = typer.Typer(help="Action plans: each synced recommendation.",
                          no_args_is_help=True)
exemplars_app = typer.Typer(help="The exemplar practice library.", no_args_is_help=True)
CLI_AUTHOR = "visitapp-office (command line)"


def register(app: typer.Typer) -> None:
    app.add_typer(events_app, name="events")
    app.add_typer(learning_app, name="learning")
    app.add_typer(actions_app, name="actions")
    app.add_typer(exemplars_app, name="exemplars")
    app.command("momentum")(momentum)


def _today() -> date:
    return datetime.fromtimestamp(_now_ms() / 1000, ZoneInfo("Europe/London")).date()


def _add(kind: str, name: str, day: str, attendees: str | None, url: str | None) -> None:
    from sync.server.office import calendar

    entry = calendar.add(_engine(url), kind=kind, name=name, day=day, attendees=attendees,
                         now_ms=_now_ms())
    typer.echo(f"{calendar.KINDS[kind]} {entry.id} {entry.name} on {entry.day} "
               f"({entry.attendees} attendees) added", err=True)
    typer.echo(entry.id)


Name = Annotated[str, typer.Option("--name", help="Its name, e.g. 'Launch event'.")]
Day = Annotated[str, typer.Option("--date", help="The day it took place, YYYY-MM-DD.")]


@events_app.command("add")
def events_add(name: Name, day: Day, attendees: Annotated[str | None, typer.Option(
        "--attendees", help="How many people came (default 0).")] = None,
        database_url: DatabaseUrl = None) -> None:
    """Add an event; the action periods run from each event to the next. Prints its id."""
    _add("event", name, day, attendees, database_url)


@learning_app.command("add")
def learning_add(name: Name, day: Day, attendees: Annotated[str, typer.Option(
        "--attendees", help="How many people came.")],
        database_url: DatabaseUrl = None) -> None:
    """Add a learning session. Prints its id."""
    _add("learning", name, day, attendees, database_url)


def _list(kind: str, as_json: bool, url: str | None) -> None:
    from sync.server.db import read
    from sync.server.office import calendar

    with read(_engine(url)) as conn:
        found = calendar.entries(conn, kind)
    if as_json:
        typer.echo(json.dumps([e.as_json() for e in found], indent=2, ensure_ascii=False))
        return
    for e in found:
        typer.echo(f"{e.id}\t{e.day}\t{e.name}\t{e.attendees}")


AsJson = Annotated[bool, typer.Option("--json", help="JSON instead of lines.")]


@events_app.command("list")
def events_list(as_json: AsJson = False, database_url: DatabaseUrl = None) -> None:
    """Every event: id, date, name, attendees."""
    _list("event", as_json, database_url)


@learning_app.command("list")
def learning_list(as_json: AsJson = False, database_url: DatabaseUrl = None) -> None:
    """Every learning session: id, date, name, attendees."""
    _list("learning", as_json, database_url)


@actions_app.command("list")
def actions_list(
    system: Annotated[str | None, typer.Option("--system", help="Only this system's.")] = None,
    as_json: AsJson = False,
    database_url: DatabaseUrl = None,
) -> None:
    """Every action: id, system, status, due date, text."""
    from sync.server.db import read
    from sync.server.office import actions

    with read(_engine(database_url)) as conn:
        found = actions.list_actions(conn, system=system)
    if as_json:
        typer.echo(json.dumps([a.as_json() for a in found], indent=2, ensure_ascii=False))
        return
    for a in found:
        typer.echo("\t".join([a.id, a.system, a.status, str(a.due or "no due date"), a.text]))


@actions_app.command("update")
def actions_update(
    action_id: Annotated[str, typer.Argument(help="The action's id from `actions list`.")],
    status: Annotated[str, typer.Option(
        "--status", help="not_started, in_progress, done or blocked.")],
    note: Annotated[str | None, typer.Option("--note", help="What happened.")] = None,
    due: Annotated[str | None, typer.Option("--due", help="A new due date, YYYY-MM-DD.")
                   ] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Record a dated update of an action (dated today, by this machine's clock)."""
    from sync.server.office import actions

    done = actions.update_action(_engine(database_url), action_id, status=status, note=note,
                                 due=due, today=_today(), by=CLI_AUTHOR, now_ms=_now_ms())
    typer.echo(f"action {done.id} is {done.status_label.lower()} "
               f"(due {done.due or 'no date'})", err=True)


def momentum(as_json: AsJson = False, database_url: DatabaseUrl = None) -> None:
    """Momentum per action period: people reached × interactions."""
    from sync.server.db import read
    from sync.server.office import momentum as mo

    with read(_engine(database_url)) as conn:
        report = mo.build(conn)
    if as_json:
        typer.echo(json.dumps(report.as_json(), indent=2))
        return
    for row in report.as_json():
        typer.echo(f"{row['start'] or '…'} to {row['end'] or '…'}\t{row['people_reached']}"
                   f" × {row['interactions']} = {row['momentum']}")
    typer.echo(report.sentence(), err=True)


@exemplars_app.command("add")
def exemplars_add(
    finding: Annotated[str, typer.Option("--finding", help="The strength's finding id.")],
    title: Annotated[str, typer.Option("--title", help="A short title for the entry.")],
    contact_role: Annotated[str | None, typer.Option(
        "--contact-role", help="Who to ask, as a role (never a name).")] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Promote a strength into the library; prints the new entry's id."""
    from sync.server.office import exemplars

    entry_id = exemplars.add_entry(_engine(database_url), finding_id=finding, title=title,
                                   contact_role=contact_role, by=CLI_AUTHOR,
                                   now_ms=_now_ms())
    typer.echo(entry_id)
