"""The `visitapp` command line's entry point (`visitapp`, `python -m visitapp.cli.main`).

Exit codes: 0 success; 1 a user's mistake (one line on stderr, nothing half-written);
2 wrong usage. Data goes to stdout, messages to stderr. The commands themselves are
typer's, in visitapp/cli/commands.py.

One command starts without typer: `visitapp [--db FILE] report VISIT_ID -o FILE.pdf`
with the PIN in $VISITAPP_PIN (as a script runs it). Importing typer and building its
command tree cost that command ~0.06 s of its start (issue 11). It runs the very code
typer's `report` runs
(`context.write_report`) and ends the same way; any other shape (help, another option
spelling, a PIN to be asked for, shell completion, a --db that is a folder) goes to
typer, which gives its own messages and exit codes for it.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import Any

from visitapp.errors import FormProblems, PatientDataWarning, StoreError, UserError


def run() -> None:
    """Console-script entry point: a user's mistake becomes one line on stderr and exit 1.

    Typer (in standalone mode) already turns usage errors into exit 2 with its message.
    """
    from visitapp.clock_override import ClockOverrideError, apply_from_environment

    try:
        apply_from_environment()
    except ClockOverrideError as problem:
        _err(f"visitapp: {problem}")
        sys.exit(1)
    try:
        quick = _plain_report(sys.argv[1:])
        if quick is not None:
            _report(*quick)
        else:
            from visitapp.cli.commands import app

            app()
    except FormProblems as problems:
        for line in problems.problems:
            _err(line)
        sys.exit(1)
    except PatientDataWarning as warning:
        _err(f"visitapp: {warning} (if it is not, repeat with --not-patient-data)")
        sys.exit(1)
    except (UserError, StoreError) as problem:
        _err(f"visitapp: {problem}")
        sys.exit(1)


def _plain_report(args: list[str]) -> tuple[Path | None, str, Path] | None:
    """(db, visit id, output) when `args` is a plain `[--db FILE] report VISIT -o FILE`
    that typer would take as that and nothing else; None sends it to typer."""
    from visitapp.cli.pin_source import ENV_PIN

    if not os.environ.get(ENV_PIN) or any(
            k.startswith("_") and k.endswith("_COMPLETE") for k in os.environ):
        return None  # a PIN prompt (typer handles Ctrl-C there), or shell completion
    db: Path | None = None
    if args[:1] == ["--db"] and len(args) >= 2:
        db = Path(args[1])
        if not args[1] or args[1].startswith("-") or db.is_dir():
            return None  # typer's message for those
        args = args[2:]
    if len(args) != 4 or args[0] != "report":
        return None
    rest = args[1:]  # VISIT -o FILE, or -o FILE VISIT
    flags = [i for i, a in enumerate(rest) if a in ("-o", "--output")]
    if flags not in ([0], [1]) or any(not a or a.startswith("-") for i, a in
                                      enumerate(rest) if i != flags[0]):
        return None  # no output, two, an unknown option, `--`, `--output=FILE`, ...
    if flags == [0]:
        return db, rest[2], Path(rest[1])
    return db, rest[0], Path(rest[2])


def _report(db: Path | None, visit_id: str, output: Path) -> None:
    """typer's `report` command as typer runs it: the context closed before an error
    reaches `run`, exit 130 on Ctrl-C, exit 1 quietly on a closed pipe.

    Python's cyclic garbage collector is off for the command: the imports, the fonts and
    the report make ~60,000 objects that live until the process ends, and walking them
    again and again cost ~45 ms (a tenth of the command). Frozen at the end, they are not
    walked again while the interpreter shuts down either, which took ~0.1 s (the bare
    reportlab import's process ends in ~0.02 s). What it leaves uncollected is freed when
    the process ends: about 1.2 MB of reference cycles for the demo's 33-page report.
    """
    import gc

    from visitapp.cli.context import Context, write_report

    gc.disable()
    context = Context(db)
    try:
        try:
            _err(write_report(context, visit_id, output))
        finally:
            context.close()
            gc.freeze()
    except KeyboardInterrupt:
        sys.exit(130)
    except OSError as problem:
        import errno

        if problem.errno != errno.EPIPE:
            raise
        from typer._click.utils import PacifyFlushWrapper

        sys.stdout = PacifyFlushWrapper(sys.stdout)  # type: ignore[assignment]
        sys.stderr = PacifyFlushWrapper(sys.stderr)  # type: ignore[assignment]
        sys.exit(1)


_ANSI = re.compile(r"\033\[[;?0-9]*[a-zA-Z]")


def _err(message: str) -> None:
    """One line on stderr, as `typer.echo(message, err=True)` writes it (colour codes
    dropped when stderr is not a terminal)."""
    stream = sys.stderr
    line = message + "\n"
    if not stream.isatty():
        line = _ANSI.sub("", line)
    stream.write(line)
    stream.flush()


def __getattr__(name: str) -> Any:
    """`from visitapp.cli.main import app` (and the rest of the typer commands) still
    works: loaded on first use, so the quick start above never pays for typer."""
    from visitapp.cli import commands

    try:
        return getattr(commands, name)
    except AttributeError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None


if __name__ == "__main__":
    run()
