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


def register(app: typer.Typer) -> None:
    app.add_typer(forms_app, name="forms")
    app.add_typer(visits_app, name="visits")


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
