"""Dependencies point down: only visitapp/ui imports flet, only the report imports
reportlab, the office service imports neither, and domain/store never import services."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def python_files(*parts: str) -> list[Path]:
    return sorted((REPO.joinpath(*parts)).rglob("*.py"))


def uses(path: Path, package: str) -> bool:
    return any(n == package or n.startswith(package + ".") for n in imports_of(path))


def _tablet_store_or_office(p: Path) -> bool:
    parts = p.relative_to(REPO).parts
    return parts[0] != "visitapp" or parts[:2] == ("visitapp", "store")


RULES = [
    # (where the package may be imported, package, why)
    (lambda p: "ui" in p.relative_to(REPO).parts, "flet", "only visitapp/ui imports flet"),
    (lambda p: "report" in p.relative_to(REPO).parts, "reportlab",
     "only visitapp/report imports reportlab"),
    # The tablet's encryption at rest lives in its store: one place builds the connection
    # and seals files (the office service hashes its passwords on its own side).
    (_tablet_store_or_office, "sqlcipher3", "only visitapp/store opens SQLCipher"),
    # Signing ops (Ed25519) is the domain's, shared by tablet and office: that one module.
    (lambda p: _tablet_store_or_office(p) or p.relative_to(REPO).parts == (
        "visitapp", "domain", "signing.py"), "cryptography",
     "only visitapp/store encrypts (and visitapp/domain/signing.py signs)"),
    (_tablet_store_or_office, "argon2", "only visitapp/store derives keys from the PIN"),
    # pydantic checks forms that come from outside; the app's own form is plain dataclasses
    # (domain/forms.py), so reading forms (`visitapp report`, the app's start) never loads it.
    (lambda p: p.relative_to(REPO).parts[0] != "visitapp" or p.relative_to(REPO).parts in {
        ("visitapp", "domain", "form_schema.py"), ("visitapp", "domain", "form_loading.py")},
     "pydantic", "in visitapp only domain/form_schema.py and form_loading.py use pydantic"),
]


@pytest.mark.parametrize("rule", range(len(RULES)))
def test_framework_imports__stay_in_their_layer(rule):
    allowed, package, why = RULES[rule]
    offenders = [str(p.relative_to(REPO)) for p in python_files("visitapp") + python_files("sync")
                 if not allowed(p) and uses(p, package)]
    assert offenders == [], why


@pytest.mark.parametrize("layer", ["domain", "store"])
def test_lower_layers__never_import_upper_ones(layer):
    offenders = [
        str(p.relative_to(REPO)) for p in python_files("visitapp", layer)
        if any(uses(p, up) for up in ("visitapp.services", "visitapp.ui", "visitapp.cli",
                                      "visitapp.report", "flet", "reportlab"))
    ]
    assert offenders == []


def test_domain__is_plain_python_with_no_database():
    offenders = [str(p.relative_to(REPO)) for p in python_files("visitapp", "domain")
                 if any(uses(p, pkg) for pkg in ("sqlite3", "sqlalchemy", "sqlmodel", "httpx",
                                                  "visitapp.store"))]
    assert offenders == []


def test_services__never_import_the_ui():
    offenders = [str(p.relative_to(REPO)) for p in python_files("visitapp", "services")
                 if uses(p, "visitapp.ui") or uses(p, "flet")]
    assert offenders == []


def test_office_service__imports_neither_flet_nor_reportlab_nor_the_app_ui():
    offenders = [str(p.relative_to(REPO)) for p in python_files("sync")
                 if any(uses(p, pkg) for pkg in ("flet", "reportlab", "visitapp.ui",
                                                  "visitapp.report"))]
    assert offenders == []


def test_report__draws_the_domain_model_and_never_imports_services():
    """The renderer depends on `visitapp.domain.report` alone; `python -m visitapp.report`
    (the README-picture script, an entry point like the CLI) is the one exception."""
    offenders = [str(p.relative_to(REPO)) for p in python_files("visitapp", "report")
                 if p.name != "__main__.py"
                 and any(uses(p, pkg) for pkg in ("visitapp.services", "visitapp.store",
                                                  "visitapp.ui", "visitapp.cli"))]
    assert offenders == []


def test_ui_view_models__import_no_flet():
    """One view model per screen, plain Python: testable without a client."""
    offenders = [str(p.relative_to(REPO)) for p in python_files("visitapp", "ui", "viewmodels")
                 if uses(p, "flet")]
    assert offenders == []


def test_ui_screens__never_import_each_other_nor_the_app_shell():
    """Shared widgets and dialogs live outside screens/; the route table is its own module,
    so there is no circle between the app shell (ui.main) and the screens."""
    screens = [p for p in python_files("visitapp", "ui", "screens") if p.name != "__init__.py"]
    assert screens
    offenders = [str(p.relative_to(REPO)) for p in screens
                 if uses(p, "visitapp.ui.screens") or uses(p, "visitapp.ui.main")
                 or uses(p, "visitapp.ui.routes")]
    lazy = [str(p.relative_to(REPO)) for p in screens
            if "from visitapp.ui.screens" in p.read_text(encoding="utf-8")]
    assert offenders == [] and lazy == []
    assert not uses(REPO / "visitapp" / "ui" / "routes.py", "visitapp.ui.main")


@pytest.mark.parametrize("part", [("sync", "server", "web"), ("sync", "server", "office")])
def test_office_web_app__reads_domain_and_store_only_never_the_tablet_app(part):
    """The office's pages and queries reuse the tablets' domain code, never their app
    layers (services, UI, report) or the frameworks those use."""
    files = python_files(*part)
    assert files, part
    offenders = [str(p.relative_to(REPO)) for p in files
                 if any(uses(p, pkg) for pkg in ("flet", "reportlab", "visitapp.ui",
                                                  "visitapp.report", "visitapp.services",
                                                  "visitapp.store", "visitapp.cli"))]
    assert offenders == []


def test_office_queries__never_import_the_web_framework():
    offenders = [str(p.relative_to(REPO)) for p in python_files("sync", "server", "office")
                 if any(uses(p, pkg) for pkg in ("fastapi", "starlette", "jinja2"))]
    assert offenders == []


def test_sync__never_imports_the_tablet_store():
    """The sync engine drives the tablet database through its Outbox protocol (the SQL is
    in visitapp/store/outbox.py), and the office service has its own store."""
    offenders = [str(p.relative_to(REPO)) for p in python_files("sync")
                 if uses(p, "visitapp.store") or uses(p, "sqlite3")]
    assert offenders == []


def test_one_op_schema__both_ends_import_it():
    schema = "visitapp.domain.op_schema"
    users = {str(p.relative_to(REPO)) for p in python_files("sync") + python_files("visitapp")
             if uses(p, schema)}
    assert {"sync/client.py", "sync/server/intake.py",
            "visitapp/services/bundles.py"} <= users
