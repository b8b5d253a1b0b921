"""The `visitapp` commands (typer). The entry point is visitapp/cli/main.py, which runs a
plain `visitapp report` without loading this module.

Exit codes: 0 success; 1 a user's mistake (one line on stderr, nothing half-written);
2 wrong usage. Data goes to stdout, messages to stderr.
"""

from __future__ import annotations

import json
from datetime import date as date_cls
from pathlib import Path
from typing import Annotated

import typer

from visitapp.cli.context import Context, write_report
from visitapp.errors import BadValue, FormProblems

app = typer.Typer(
    name="visitapp",
    help="Offline field app for urgent and emergency care peer visits.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
forms_app = typer.Typer(help="Check and list checklist definitions.", no_args_is_help=True)
visits_app = typer.Typer(help="List and show visits on this tablet.", no_args_is_help=True)
data_app = typer.Typer(help="The data deep dive: import a daily extract, show indicators.",
                       no_args_is_help=True)
app.add_typer(forms_app, name="forms")
exemplars_app = typer.Typer(help="The exemplar practice library (read-only).",
                            no_args_is_help=True)
app.add_typer(exemplars_app, name="exemplars")
app.add_typer(visits_app, name="visits")
area_app = typer.Typer(help="Areas of a visit: mark one as walked and done, or rate it.",
                       no_args_is_help=True)
app.add_typer(data_app, name="data")
app.add_typer(area_app, name="area")


def _ctx(ctx: typer.Context) -> Context:
    return ctx.ensure_object(Context) if ctx.obj is None else ctx.obj


def err(message: str) -> None:
    typer.echo(message, err=True)


def out(text: str) -> None:
    typer.echo(text)


@app.callback()
def main(
    ctx: typer.Context,
    db: Annotated[Path | None, typer.Option(
        "--db", help="Visit database file (default: $VISITAPP_DB, else the user data folder).",
        dir_okay=False)] = None,
) -> None:
    ctx.obj = Context(db)
    ctx.call_on_close(ctx.obj.close)


# --- forms ---------------------------------------------------------------------------

@forms_app.command("check")
def forms_check(
    paths: Annotated[list[Path] | None, typer.Argument(
        help="Form files or folders (default: the shipped forms/).")] = None,
) -> None:
    """Validate checklist definitions; one line per problem."""
    from visitapp.domain.form_loading import check_forms

    forms, problems = check_forms(paths or None)
    if problems:
        raise FormProblems([str(p) for p in problems])
    items = sum(len(f.items) for f in forms)
    err(f"{len(forms)} forms, {items} items: all valid")


@forms_app.command("list")
def forms_list(ctx: typer.Context,
               json_out: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List the checklists new areas will use (published by the programme office, else
    shipped): id, version, area kind, items."""
    from visitapp.domain.form_loading import load_forms

    context = _ctx(ctx)
    if context.db_path.exists():  # this tablet's data: what the office published counts
        forms = sorted(context.services.catalogue.for_new_areas().values(), key=lambda f: f.id)
    else:
        forms = sorted(load_forms(), key=lambda f: f.id)
    if json_out:
        out(json.dumps([{"id": f.id, "version": f.version, "area_kind": f.area_kind,
                         "title": f.title, "items": len(f.items), "hash": f.content_hash}
                        for f in forms], indent=2))
        return
    for f in forms:
        out(f"{f.id:28} v{f.version:<3} {f.area_kind:26} {len(f.items):3} items  {f.title}")


@exemplars_app.command("list")
def exemplars_list(
    ctx: typer.Context,
    area_kind: Annotated[str | None, typer.Option(
        "--area-kind", help="Only the entries for this area kind (as in `forms list`).")] = None,
    json_out: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """The programme's exemplar practice library, as the programme office sent it."""
    entries = _ctx(ctx).services.visits.exemplars(area_kind)
    if json_out:
        out(json.dumps([{k: e[k] for k in ("id", "title", "area_kind", "pathway", "tags",
                                           "system")} for e in entries], indent=2,
                       ensure_ascii=False))
        return
    if not entries:
        err("no exemplar practice on this tablet yet: the programme office's library "
            "arrives with `visitapp sync`")
    for e in entries:
        tags = f"  [{', '.join(e['tags'])}]" if e["tags"] else ""
        out(f"{e['title']} — {e['system'] or 'system not named'}, "
            f"{e['area_kind'] or 'any area'}{tags}")


# --- visits --------------------------------------------------------------------------

def _iso_date(text: str | None, what: str) -> date_cls:
    """A YYYY-MM-DD option as a date; None means today in London."""
    from visitapp.domain.timefmt import london_today

    if text is None:
        return london_today()
    try:
        return date_cls.fromisoformat(text)
    except ValueError:
        raise BadValue(f"{what} {text!r} is not a date like 2026-12-01") from None


@app.command()
def demo(
    ctx: typer.Context,
    on: Annotated[str | None, typer.Option(
        "--date", metavar="YYYY-MM-DD",
        help="The visit's date (default: today in London); its figures end the day before.",
    )] = None,
) -> None:
    """Create a realistic demo visit (no patient data); prints its id."""
    from visitapp.services.demo import create_demo_visit

    day = _iso_date(on, "--date")
    services = _ctx(ctx).services
    out(create_demo_visit(services, day))


@visits_app.command("new")
def visits_new(
    ctx: typer.Context,
    system: Annotated[str, typer.Option("--system", help="The local health and care system.")],
    on: Annotated[str, typer.Option("--date", metavar="YYYY-MM-DD", help="The visit's date.")],
    visit_type: Annotated[str | None, typer.Option(
        "--type", metavar="diagnostic|exemplar|follow_up",
        help="Kind of visit (default diagnostic; follow_up with --follows).")] = None,
    follows: Annotated[str | None, typer.Option(
        "--follows", metavar="VISIT_ID", help="The earlier visit this one follows up.")] = None,
    trust: Annotated[str | None, typer.Option("--trust")] = None,
    site: Annotated[str | None, typer.Option("--site")] = None,
    area: Annotated[list[str] | None, typer.Option(
        "--area", metavar="KIND[:LABEL]",
        help="An area to walk (repeatable); kinds as in `forms list`.")] = None,
    author: Annotated[str | None, typer.Option("--as", envvar="VISITAPP_AUTHOR")] = None,
) -> None:
    """Start a visit with its areas; prints only its id."""
    from visitapp.domain.forms import AREA_KINDS
    from visitapp.domain.visit import VisitType

    # Every check that needs no database comes first, so a mistake writes nothing.
    day = _iso_date(on, "--date")
    if visit_type is not None and visit_type not in {t.value for t in VisitType}:
        raise BadValue(f"--type {visit_type!r} is not one of: "
                       f"{', '.join(t.value for t in VisitType)}")
    if not system.strip():
        raise BadValue("--system is empty: name the local health and care system")
    areas: list[tuple[str, str]] = []
    for spec in area or ():
        kind, _, label = spec.partition(":")
        kind = kind.strip()
        if kind not in AREA_KINDS:
            raise BadValue(f"--area {spec!r}: unknown area kind {kind!r}; "
                           f"known: {', '.join(AREA_KINDS)}")
        areas.append((kind, label.strip() or AREA_KINDS[kind]))
    if follows is not None:
        if visit_type not in (None, "follow_up"):
            raise BadValue(f"--follows makes a follow-up visit, not --type {visit_type}")
        visit_type = "follow_up"
    context = _ctx(ctx)
    if follows is not None and not context.db_path.exists():
        raise BadValue(f"--follows: no visit {follows!r} on this tablet")
    from visitapp.cli.holds_commands import follows_here

    visits = context.services.visits
    follows_id = follows_here(context.services, follows) if follows is not None else None
    out(visits.create_visit(system=system, date=day.isoformat(),
                            visit_type=visit_type or "diagnostic", trust=trust, site=site,
                            follows_visit_id=follows_id, areas=areas, author=author))


@visits_app.command("list")
def visits_list(ctx: typer.Context, json_out: Annotated[bool, typer.Option("--json")] = False) -> None:
    """The visits on this tablet."""
    services = _ctx(ctx).services
    rows = services.visits.list_visits()
    if json_out:
        out(json.dumps(rows, indent=2))
        return
    if not rows:
        err("no visits on this tablet yet: `visitapp demo` creates one")
    for r in rows:
        out(f"{r['id']}  {r['date']}  {r['visit_type']:<11} {r['system']}")


@visits_app.command("show")
def visits_show(
    ctx: typer.Context,
    visit_id: Annotated[str, typer.Argument(help="Visit id (or a unique prefix).")],
    json_out: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """One visit: areas with progress and RAG, answers and findings."""
    from visitapp.services.visit_json import visit_to_json

    services = _ctx(ctx).services
    state = services.visits.load(services.visits.resolve_visit_id(visit_id))
    data = visit_to_json(state, services.sync.conflicts(state.id))
    if json_out:
        out(json.dumps(data, indent=2, ensure_ascii=False))
        return
    out(f"{state.title} — {state.date} — {state.visit_type}")
    if state.team:
        out("Team: " + "; ".join(f"{m.name} ({m.role})" for m in state.team))
    for area in data["areas"]:
        p = area["progress"]
        r = area["rag"]
        c = r["counts"]
        rag = (f"{r['overall'] or '-'}{' (team)' if r['set_by_team'] else ''}"
               f" ({c['green']} green, {c['amber']} amber, {c['red']} red)")
        missing = f", {p['required_missing']} required missing" if p["required_missing"] else ""
        done = "  done" if area["done"] else ""
        out(f"  {area['key']:<24} {area['label']:<32} {p['answered']}/{p['visible']}{missing}"
            f"  RAG {rag}{done}")
    out(f"Findings: {len(data['findings'])}   Photos: {len(data['attachments'])}")
    if state.previous_actions:
        from visitapp.domain.visit import actions_summary

        out(f"{actions_summary(state.previous_actions)}:")
        for a in state.previous_actions:
            owner = f" ({a.owner})" if a.owner else ""
            out(f"  {a.status_label:<12} {a.text}{owner}")
    stamps = [a.answered_at for area in state.areas for a in area.answers.values() if a.answered_at]
    if stamps:
        from visitapp.domain.timefmt import london

        out(f"Last answer: {london(max(stamps))} (London time)")


@visits_app.command("release")
def visits_release(
    ctx: typer.Context,
    visit_id: Annotated[str, typer.Argument(help="Visit id (or a unique prefix).")],
) -> None:
    """Remove a visit from this tablet (it stays at the programme office); refused while
    any of its changes or files has not been sent."""
    from visitapp.services.retention import release_visit

    services = _ctx(ctx).services
    err(release_visit(services, services.visits.resolve_visit_id(visit_id)))


@visits_app.command("finish")
def visits_finish(
    ctx: typer.Context,
    visit_id: Annotated[str, typer.Argument(help="Visit id (or a unique prefix).")],
    author: Annotated[str | None, typer.Option(
        "--as", envvar="VISITAPP_AUTHOR", help="Who finishes it.")] = None,
) -> None:
    """Mark a visit finished (an op: it syncs). It can still be corrected afterwards."""
    visits = _ctx(ctx).services.visits
    vid = visits.resolve_visit_id(visit_id)
    done = visits.finish(vid, author=author)
    err(f"visit {vid[:8]} {'finished' if done else 'was finished already'}")


@area_app.command("done")
def area_done(
    ctx: typer.Context,
    visit_id: Annotated[str, typer.Argument(help="Visit id (or a unique prefix).")],
    area_key: Annotated[str, typer.Argument(help="The area's key (see `visits show`).")],
    undo: Annotated[bool, typer.Option("--undo", help="Mark it as not done again.")] = False,
    author: Annotated[str | None, typer.Option(
        "--as", envvar="VISITAPP_AUTHOR", help="Who marks it.")] = None,
) -> None:
    """Mark an area as walked and done (an op: it syncs like any change)."""
    visits = _ctx(ctx).services.visits
    vid = visits.resolve_visit_id(visit_id)
    visits.set_area_done(vid, area_key, done=not undo, author=author)
    err(f"{area_key}: {'not done' if undo else 'done'}")


@app.command()
def answer(
    ctx: typer.Context,
    visit_id: Annotated[str, typer.Argument()],
    area_key: Annotated[str, typer.Argument()],
    item_id: Annotated[str, typer.Argument()],
    value: Annotated[str | None, typer.Argument(
        help="The answer (omit with --clear, or to give only --rag).")] = None,
    note: Annotated[str | None, typer.Option("--note", help="A note on the item.")] = None,
    rag: Annotated[str | None, typer.Option(
        "--rag", help="The team's rating of the item, overriding the suggested one: green, "
                      "amber or red; 'suggested' goes back to the suggestion.")] = None,
    clear: Annotated[bool, typer.Option("--clear", help="Clear the answer.")] = False,
    not_patient_data: Annotated[bool, typer.Option(
        "--not-patient-data", help="Confirm the note or text answer is not patient data.")] = False,
    author: Annotated[str | None, typer.Option(
        "--as", envvar="VISITAPP_AUTHOR", help="Who is answering.")] = None,
) -> None:
    """Answer an item (or clear it with --clear); --rag sets the team's rating."""
    if clear and value is not None:
        raise typer.BadParameter("give a VALUE, or --clear without one")
    if not clear and value is None and rag is None:
        raise typer.BadParameter("give a VALUE, --rag, or --clear")
    visits = _ctx(ctx).services.visits
    vid = visits.resolve_visit_id(visit_id)
    chosen: str | None = None
    if rag is not None:
        from visitapp.services.visits import rag_choice

        chosen = None if rag.strip().lower() == "suggested" else rag_choice(rag)
        visits.item_of(vid, area_key, item_id)  # refuse an unknown item before writing
    if value is None and not clear:
        visits.rate_item(vid, area_key, item_id, chosen, author=author)
        err(f"{area_key} {item_id}: rating {chosen or 'as suggested'}")
        return
    if clear:
        visits.clear_answer(vid, area_key, item_id, author=author)
        err(f"cleared {area_key} {item_id}")
        return
    if note is not None:
        # Check the note before storing anything, so a refused note leaves no answer behind.
        from visitapp.services.visits import guard_text

        guard_text(f"the note on item {item_id}", note, not_patient_data)
    stored = visits.answer(vid, area_key, item_id, value, author=author,
                           confirmed=not_patient_data)
    if note is not None:
        visits.set_note(vid, area_key, item_id, note, author=author, confirmed=not_patient_data)
    if rag is not None:
        visits.rate_item(vid, area_key, item_id, chosen, author=author)
    out(json.dumps(stored, ensure_ascii=False))


@area_app.command("rate")
def area_rate(
    ctx: typer.Context,
    visit_id: Annotated[str, typer.Argument()],
    area_key: Annotated[str, typer.Argument()],
    rag: Annotated[str | None, typer.Argument(help="green, amber or red.")] = None,
    clear: Annotated[bool, typer.Option(
        "--clear", help="Go back to the rating computed from the items.")] = False,
    author: Annotated[str | None, typer.Option("--as", envvar="VISITAPP_AUTHOR")] = None,
) -> None:
    """Set the team's rating of an area (it wins over the computed one)."""
    if clear == (rag is not None):
        raise typer.BadParameter("give a rating (green, amber or red), or --clear")
    visits = _ctx(ctx).services.visits
    vid = visits.resolve_visit_id(visit_id)
    chosen = visits.rate_area(vid, area_key, None if clear else rag, author=author)
    overall = visits.load(vid).area(area_key).rag()  # type: ignore[union-attr]
    err(f"{area_key}: {overall.overall or 'not rated'}"
        f"{' (set by the team)' if chosen else ' (computed from its items)'}")


# --- bundles -------------------------------------------------------------------------

@app.command("export")
def export_bundle(
    ctx: typer.Context,
    visit_id: Annotated[str, typer.Argument()],
    output: Annotated[Path, typer.Option("-o", "--output", help="Bundle file to write.")],
) -> None:
    """Write a visit bundle (ops, forms, photos) for hand-over by file."""
    from visitapp.services.bundles import export_visit

    services = _ctx(ctx).services
    summary = export_visit(services, services.visits.resolve_visit_id(visit_id), output)
    err(f"wrote {output}: {summary}")


@app.command("import")
def import_bundle(
    ctx: typer.Context,
    bundle: Annotated[Path, typer.Argument(help="A bundle written by `visitapp export`.")],
) -> None:
    """Merge a visit bundle from another tablet (idempotent)."""
    from visitapp.services.bundles import import_visit

    summary = import_visit(_ctx(ctx).services, bundle)
    err(f"imported {bundle}: {summary}")


# --- data deep dive ------------------------------------------------------------------

@data_app.command("import")
def data_import(
    ctx: typer.Context,
    visit_id: Annotated[str, typer.Argument()],
    csv_file: Annotated[Path, typer.Argument(help="Daily extract, one row a day (see README).")],
    author: Annotated[str | None, typer.Option("--as", envvar="VISITAPP_AUTHOR")] = None,
) -> None:
    """Import a daily extract; bad rows are listed by line and skipped."""
    services = _ctx(ctx).services
    vid = services.visits.resolve_visit_id(visit_id)
    result = services.metrics.import_extract(vid, csv_file, author=author)
    for note in result.notes:
        err(f"{csv_file}: note: {note}")
    for line in result.skipped:
        err(f"{csv_file}: skipped {line}")
    err(f"{csv_file}: {result.summary()}")
    if result.taken + result.unchanged == 0:
        raise typer.Exit(1)


@data_app.command("show")
def data_show(
    ctx: typer.Context,
    visit_id: Annotated[str, typer.Argument()],
    json_out: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """The visit's indicators, and the changes since the visit it follows up."""
    from dataclasses import asdict

    from visitapp.errors import NotFound

    services = _ctx(ctx).services
    vid = services.visits.resolve_visit_id(visit_id)
    indicators = services.metrics.indicators(vid)
    comparison, why_not = None, None
    if services.visits.load(vid).follows_visit_id:
        try:
            comparison = services.metrics.compare_with_earlier(vid)
        except NotFound as problem:
            why_not = str(problem)
    if json_out:
        period = services.metrics.period(vid)
        data = {"period": None if period is None else {"start": period[0].isoformat(),
                                                       "end": period[1].isoformat()},
                "indicators": [asdict(i) for i in indicators],
                "charts": services.metrics.charts(vid),
                "follow_up": None if comparison is None else {
                    "earlier_visit_id": comparison.earlier_visit_id,
                    "earlier_date": comparison.earlier_date,
                    "indicators": [{**asdict(c), "delta": c.delta} for c in comparison.indicators],
                    "areas": [asdict(c) for c in comparison.areas]},
                "follow_up_unavailable": why_not}
        out(json.dumps(data, indent=2, ensure_ascii=False))
        return
    for i in indicators:
        rag = f"  {i.rag.upper()}" if i.rag else ""
        out(f"{i.label:<40} {i.formatted():>16}{rag}")
    if indicators:
        out(f"Period: {indicators[0].period}")
    if comparison is not None:
        out(f"Since the visit of {comparison.earlier_date}:")
        for c in comparison.indicators:
            delta = "" if c.delta is None else f" ({c.delta:+g})"
            out(f"  {c.label:<38} {c.before} -> {c.after}{delta}")
        for c in comparison.areas:
            out(f"  {c.label:<38} RAG {c.before or '-'} -> {c.after or '-'}")
    elif why_not:
        err(f"visitapp: no comparison: {why_not}")


# --- the app and the report ----------------------------------------------------------

@app.command("run")
def run_app(
    ctx: typer.Context,
    web: Annotated[bool, typer.Option("--web", help="Serve the app to a browser.")] = False,
    port: Annotated[int, typer.Option("--port", help="Port for web mode.")] = 8550,
    demo_date: Annotated[str | None, typer.Option(
        "--demo-date", metavar="YYYY-MM-DD",
        help="Date of the demo visit a first run creates (default: today in London).")] = None,
) -> None:
    """Start the walk-through app (web mode on 127.0.0.1 when there is no display)."""
    day = _iso_date(demo_date, "--demo-date")
    import os

    from visitapp.cli.pin_source import ENV_PIN
    from visitapp.ui.main import launch

    # Without VISITAPP_PIN the app asks for the PIN on its own screen.
    launch(db_path=_ctx(ctx).db_path, web=web, port=port, demo_date=day,
           pin=os.environ.get(ENV_PIN) or None)


@app.command("report")
def report(
    ctx: typer.Context,
    visit_id: Annotated[str, typer.Argument()],
    output: Annotated[Path, typer.Option("-o", "--output", help="PDF file to write.")],
) -> None:
    """Write the same-day feedback PDF for a visit."""
    # (visitapp/cli/main.py runs the same `write_report` without typer when it can.)
    err(write_report(_ctx(ctx), visit_id, output))


from visitapp.cli.holds_commands import register as register_holds_commands  # noqa: E402
from visitapp.cli.pin_commands import register as register_pin_commands  # noqa: E402
from visitapp.cli.sync_commands import register as register_sync_commands  # noqa: E402

register_sync_commands(app)
register_pin_commands(app)
register_holds_commands(visits_app)
