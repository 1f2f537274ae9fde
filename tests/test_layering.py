"""portal -> services -> gis: nothing imports portal, only portal imports Flask."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WEB_PACKAGES = (
    "flask",
    "flask_login",
    "flask_babel",
    "flask_wtf",
    "flask_sqlalchemy",
    "flask_migrate",
    "flask_limiter",
    "wtforms",
    "werkzeug",
)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def _modules(package: str):
    return sorted((ROOT / package).rglob("*.py"))


def test_services_and_gis_never_import_flask_or_portal():
    offenders = []
    for package in ("services", "gis"):
        for path in _modules(package):
            bad = _imports(path) & {*WEB_PACKAGES, "portal"}
            if bad:
                offenders.append(f"{path.relative_to(ROOT)}: {sorted(bad)}")
    assert offenders == []


def test_gis_uses_only_the_base_errors_and_clock_of_services():
    offenders = []
    for path in _modules("gis"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.ImportFrom)
                and (node.module or "").startswith("services")
                and node.module not in ("services.db", "services.errors", "services.clock")
            ):
                offenders.append(f"{path.relative_to(ROOT)}: {node.module}")
    assert offenders == []


def test_only_gis_spatial_knows_the_database_dialects():
    offenders = []
    for package in ("portal", "services", "gis"):
        for path in _modules(package):
            if path == ROOT / "gis" / "spatial.py":
                continue
            text = path.read_text()
            for marker in ("dialect.name", "postgresql", "sqlite", "spatialite"):
                if marker in text.lower():
                    offenders.append(f"{path.relative_to(ROOT)}: {marker}")
    assert offenders == []
