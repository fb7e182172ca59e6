"""The shape every app shares (docs/architecture.md), checked on the source so that a change which
breaks it fails here rather than in review: the same folders in every app, views that neither write
nor query a model (they read through selectors and fetch through access functions), services called
only from the request and command edges, and dependencies that run one way (indicators ← orgs ←
assessments ← reports; common imports no app).

The checks read the code with `ast`, so an import inside a function counts as much as one at the
top; the self-tests at the bottom show each check flags what it should and nothing else.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# In dependency order: an app may import only itself and the apps before it.
APPS = ("indicators", "orgs", "assessments", "reports")
PACKAGES = ("selectors", "services", "forms", "views", "formats")
MODULES = ("access.py", "urls.py")
# templates/registration is Django's auth convention: the stock LoginView (config/urls.py) renders
# registration/login.html by default, beside it the login lock-out page of common.login_throttle.
# templates/jobs is the job engine's (common.jobs, app label "jobs"): the progress page every job shares.
TEMPLATE_FOLDERS = {*APPS, "common", "jobs", "registration"}

# Who may import a services module (besides other services): the edges where a request or a
# command comes in, and an app's `ready`, which registers the job handlers its services hold.
# Views are imported only by the route tables (and by views of their own app).
SERVICE_CALLERS = {"views", "services", "admin", "management", "apps"}
VIEW_IMPORTERS = {"urls"}
# Calls that write a model whatever they are called on, and `update`, which writes only on a
# queryset (`X.objects…update(…)`, `….filter(…).update(…)`): on a plain name it is a dict's.
WRITES_ON_ANYTHING = {"save", "delete", "create", "bulk_create", "bulk_update", "get_or_create", "update_or_create"}
WRITES_ON_QUERYSETS = {"update"}
MANAGERS = {"objects", "_default_manager", "_base_manager"}


def app_modules(*tops: str) -> list[Path]:
    return sorted(
        path for top in tops for path in (ROOT / top).rglob("*.py") if "migrations" not in path.parts
    )


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_module(name: str) -> bool:
    path = ROOT / Path(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def imports_of(path: Path) -> set[str]:
    """Every module the file imports, relative imports resolved."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            source = ".".join([*base, node.module] if node.module else base)
            found.add(source)
            # `from assessments import services` imports a module by its name.
            found.update(f"{source}.{alias.name}" for alias in node.names if _is_module(f"{source}.{alias.name}"))
    return found


def import_refusal(importer: str, imported: str) -> str | None:
    """Why `importer` may not import `imported`, or None when it may."""
    source, target = importer.split("."), imported.split(".")
    if source[0] == "common" and target[0] in APPS:
        return "common imports no app"
    if source[0] not in APPS or target[0] not in APPS:
        return None
    if APPS.index(target[0]) > APPS.index(source[0]):
        return f"{source[0]} may not import the later app {target[0]}"
    layer = source[1] if len(source) > 1 else ""
    target_layer = target[1] if len(target) > 1 else ""
    own_views = layer == "views" and source[0] == target[0]
    if target_layer == "views" and layer not in VIEW_IMPORTERS and not own_views:
        return "views are imported only by urls.py"
    if target_layer == "services" and layer not in SERVICE_CALLERS:
        return "services are called by views, admin, management commands and other services"
    return None


def _on_queryset(node: ast.expr) -> bool:
    while True:
        if isinstance(node, ast.Call):
            return True
        if not isinstance(node, ast.Attribute):
            return False
        if node.attr in MANAGERS:
            return True
        node = node.value


def model_writes(source: str) -> list[str]:
    """The calls in `source` that write a model, as "line: call"."""
    writes = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        method, receiver = node.func.attr, node.func.value
        if method in WRITES_ON_ANYTHING or (method in WRITES_ON_QUERYSETS and _on_queryset(receiver)):
            writes.append(f"{node.lineno}: {ast.unparse(node.func)}(…)")
    return writes


def manager_reads(source: str) -> list[str]:
    """Where `source` reaches a model's manager (`X.objects`, `X._default_manager`), as "line: name":
    views read through selectors and fetch by id through access functions."""
    return [
        f"{node.lineno}: {ast.unparse(node)}"
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Attribute) and node.attr in MANAGERS
    ]


@pytest.mark.parametrize("app", APPS)
def test_every_app_has_the_same_folders(app):
    folder = ROOT / app
    assert (folder / "models.py").is_file() or (folder / "models" / "__init__.py").is_file()
    for module in MODULES:
        assert (folder / module).is_file(), f"{app}/{module}"
    for package in PACKAGES:
        assert (folder / package / "__init__.py").is_file(), f"{app}/{package}/"
    assert (ROOT / "templates" / app).is_dir(), f"templates/{app}/"


def test_templates_are_kept_by_app():
    folders = {path.name for path in (ROOT / "templates").iterdir() if path.is_dir()}
    assert folders == TEMPLATE_FOLDERS


@pytest.mark.parametrize("app", APPS)
def test_an_app_renders_only_its_own_templates(app):
    foreign = []
    for path in app_modules(app):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            name = node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else ""
            if name.endswith(".html") and not name.startswith(f"{app}/"):
                foreign.append(f"{path.relative_to(ROOT)}:{node.lineno}: {name}")
    assert foreign == []


@pytest.mark.parametrize("app", APPS)
def test_urls_py_is_the_only_route_table(app):
    elsewhere = [
        str(path.relative_to(ROOT)) for path in app_modules(app)
        if path.name != "urls.py" and "urlpatterns" in path.read_text(encoding="utf-8")
    ]
    assert elsewhere == []


@pytest.mark.parametrize("app", APPS)
def test_no_view_writes_a_model(app):
    writes = [
        f"{path.relative_to(ROOT)}:{write}"
        for path in app_modules(f"{app}/views") for write in model_writes(path.read_text(encoding="utf-8"))
    ]
    assert writes == []


@pytest.mark.parametrize("app", APPS)
def test_no_view_queries_a_model(app):
    reads = [
        f"{path.relative_to(ROOT)}:{read}"
        for path in app_modules(f"{app}/views") for read in manager_reads(path.read_text(encoding="utf-8"))
    ]
    assert reads == []


def test_the_home_page_queries_no_model_either():
    assert manager_reads((ROOT / "config" / "views.py").read_text(encoding="utf-8")) == []


def test_imports_run_one_way_and_through_the_layers():
    refused = []
    for path in app_modules(*APPS, "common"):
        importer = module_name(path)
        for imported in sorted(imports_of(path)):
            reason = import_refusal(importer, imported)
            if reason:
                refused.append(f"{importer} → {imported}: {reason}")
    assert refused == []


# The checks themselves: each flags a violation and passes what is not one.


@pytest.mark.parametrize("source", [
    "Score.objects.create(sheet=sheet)",
    "Score.objects.filter(pk=1).update(score=2)",
    "Score.objects.update(score=2)",
    "Score._default_manager.all().delete()",
    "sheet.save(update_fields=['total'])",
    "form.save()",
    "evidence.delete()",
    "Item.objects.bulk_create(rows)",
    "Score.objects.bulk_update(rows, ['score'])",
    "assessment.sheets.create(kind='self')",
    "Round.objects.get_or_create(pk=1)",
    "Round.objects.update_or_create(pk=1)",
    "def view(request):\n    if True:\n        Item(name='x').save()",
])
def test_the_write_check_flags_a_model_write(source):
    assert model_writes(source)


@pytest.mark.parametrize("source", [
    "context.update({'a': 1})",
    "initial.update(initial_from_previous(previous))",
    "request.session['seen'] = True",
    "Score.objects.filter(pk=1).first()",
    "sheet_save(sheet=sheet, user=user, edits=edits)",
])
def test_the_write_check_passes_what_writes_no_model(source):
    assert model_writes(source) == []


@pytest.mark.parametrize("source", [
    "Score.objects.filter(sheet=sheet)",
    "rows = list(Item.objects.all())",
    "Round._default_manager.get(pk=1)",
    "def view(request):\n    return render(request, 't', {'n': Sheet.objects.count()})",
])
def test_the_read_check_flags_a_manager_in_a_view(source):
    assert manager_reads(source)


@pytest.mark.parametrize("source", [
    "rows = participant_rows(request.user, round)",
    "state = AssessmentState.APPROVED",
    "assessment = get_assessment_for_user(request.user, pk)",
])
def test_the_read_check_passes_selector_and_access_calls(source):
    assert manager_reads(source) == []


@pytest.mark.parametrize(("importer", "imported"), [
    ("assessments.formats.bulk_upload", "assessments.services.scoring"),
    ("reports.selectors.ranking", "assessments.services"),
    ("orgs.forms.people", "orgs.services.people"),
    ("assessments.access", "assessments.services.workflow"),
    ("assessments.services.scoring", "assessments.views.sheets"),
    ("reports.views.pdf", "assessments.views.evidence"),
    ("orgs.scope", "assessments.models"),
    ("indicators.models", "orgs.models"),
    ("common.people", "orgs.models"),
])
def test_the_import_check_refuses_a_wrong_direction(importer, imported):
    assert import_refusal(importer, imported)


@pytest.mark.parametrize(("importer", "imported"), [
    ("reports.selectors.ranking", "assessments.selectors.outline"),
    ("assessments.views.sheets", "assessments.services.scoring"),
    ("assessments.views.sheets", "assessments.views.evidence"),
    ("assessments.urls", "assessments.views"),
    ("indicators.admin", "indicators.services.versions"),
    ("reports.management.commands.run_print_jobs", "reports.services.print_jobs"),
    ("assessments.services.bulk", "assessments.services.scoring"),
    ("assessments.formats.bulk_upload", "common.upload_checks"),
    ("orgs.scope", "django.db.models"),
])
def test_the_import_check_passes_the_allowed_directions(importer, imported):
    assert import_refusal(importer, imported) is None
