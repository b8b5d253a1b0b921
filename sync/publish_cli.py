"""`visitapp-office` commands that publish to tablets: `forms publish` (checklist
versions for new areas) and `visits schedule` (a planned visit for one team). Registered
onto `sync.cli.app` by `register`; a mistake is one line on stderr and exit 1, a refused
form one `FILE:LINE: ...` line per problem, and nothing is published either way.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sync.office_cli import DatabaseUrl, _engine, _now_ms

forms_app = typer.Typer(help="Checklist versions tablets use for new areas.",
                        no_args_is_help=True)
visits_app = typer.Typer(help="Visits scheduled for a team's tablets.", no_args_is_help=True)
settings_app = typer.Typer(help="Settings every tablet takes at its next sync.",
                           no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(forms_app, name="forms")
    app.add_typer(visits_app, name="visits")
    app.add_typer(settings_app, name="settings")


@settings_app.command("set")
def settings_set(
    name: Annotated[str, typer.Argument(help="The setting: retention-days.")],
    value: Annotated[str, typer.Argument(help="Its value, e.g. 90.")],
    database_url: DatabaseUrl = None,
) -> None:
    """Set a programme-wide setting; it reaches every tablet at its next sync.
    retention-days: how long a tablet keeps a finished, presented, synced visit (it stays
    at the office), 1 to 3650, default 90."""
    from sync.server.office import settings
    from sync.server.store import OfficeError

    if name != "retention-days":
        raise OfficeError(f"no setting {name!r}: the one setting is retention-days")
    days = settings.set_retention_days(_engine(database_url), value, now_ms=_now_ms())
    typer.echo(f"retention-days set to {days}: tablets remove a finished, presented, "
               f"synced visit {days} days after it, at their next sync", err=True)


@settings_app.command("show")
def settings_show(database_url: DatabaseUrl = None) -> None:
    """The settings tablets take (one `name<TAB>value` line each)."""
    from sync.server.office import settings

    typer.echo(f"retention-days\t{settings.retention_days(_engine(database_url))}")


@forms_app.command("publish")
def forms_publish(
    files: Annotated[list[Path], typer.Argument(help="Checklist files (FORM.yaml ...).")],
    database_url: DatabaseUrl = None,
) -> None:
    """Check the forms as `visitapp forms check` does and publish them all (or, with any
    problem, none): tablets use them for areas added after their next sync."""
    from sync.server.office import publishing

    try:
        forms = publishing.publish_forms(_engine(database_url), files, now_ms=_now_ms())
    except publishing.FormsRefused as refused:
        for line in refused.problems:
            typer.echo(line, err=True)
        typer.echo(f"visitapp-office: nothing published ({len(refused.problems)} "
                   f"problem{'s' if len(refused.problems) != 1 else ''})", err=True)
        raise typer.Exit(1) from None
    for f in forms:
        typer.echo(f"published {f.id} v{f.version} for {f.area_kind} ({f.content_hash[:12]})")


@visits_app.command("schedule")
def visits_schedule(
    team: Annotated[str, typer.Option("--team", help="The team whose tablets get it.")],
    system: Annotated[str, typer.Option("--system", help="The system to visit.")],
    day: Annotated[str, typer.Option("--date", help="The day of the visit, YYYY-MM-DD.")],
    visit_type: Annotated[str, typer.Option(
        "--type", help="diagnostic or exemplar.")] = "diagnostic",
    areas: Annotated[list[str] | None, typer.Option(
        "--area", help="An area to walk, KIND or KIND:LABEL (repeatable).")] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Schedule a visit for a team; it reaches that team's tablets at their next sync.
    Prints only the new visit's id."""
    from sync.server.office import publishing

    plans = [publishing.parse_area(a) for a in areas or []]
    visit_id = publishing.schedule_visit(_engine(database_url), team=team, system=system,
                                         day=day, visit_type=visit_type, areas=plans,
                                         now_ms=_now_ms())
    typer.echo(visit_id)
