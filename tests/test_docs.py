"""The README tells the truth: its example form is valid and every command it lists exists."""

from __future__ import annotations

import re

from tests.conftest import REPO
from visitapp.cli.main import app
from visitapp.domain.form_loading import check_forms

README = (REPO / "README.md").read_text(encoding="utf-8")


def test_readme_example_form__passes_forms_check(tmp_path):
    example = re.search(r"```yaml\n(.*?)```", README, re.S).group(1)
    path = tmp_path / "example.yaml"
    path.write_text(example, encoding="utf-8")
    forms, problems = check_forms([path])
    assert problems == []
    assert len(forms[0].items) == 3


def test_readme_quick_start__has_exactly_two_commands():
    quick = README.split("## Quick start", 1)[1].split("##", 1)[0]
    block = re.search(r"```\n(.*?)```", quick, re.S).group(1)
    assert [line.split("#")[0].strip() for line in block.strip().splitlines()] == [
        "bash scripts/start", "bash scripts/test"]


def test_every_command_in_the_readme_table__exists():
    import typer.main

    root = typer.main.get_command(app)
    documented = re.findall(r"^\| `visitapp ([a-z]+)(?: ([a-z]+))?", README, re.M)
    assert documented
    for name, sub in documented:
        command = root.commands.get(name)  # type: ignore[attr-defined]
        assert command is not None, name
        if sub and hasattr(command, "commands"):
            assert sub in command.commands, f"{name} {sub}"
