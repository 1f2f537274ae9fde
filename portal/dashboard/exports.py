"""Downloads of dashboard tables, with the filters of the page they come from."""

import json

from flask import Response

from services.stats.scope import Scope

from .tables import DataTable, cell_text

FORMATS = ("json",)
FORMAT_LABELS = {"json": "JSON"}


def _filename(slug: str, table: DataTable, scope: Scope, ext: str) -> str:
    return f"berkane-{slug}-{table.name}-{scope.period.start.isoformat()}-{scope.period.end.isoformat()}.{ext}"


def respond(table: DataTable, fmt: str, scope: Scope, slug: str) -> Response:
    body = {
        "caption": table.caption,
        "period": {"start": scope.period.start.isoformat(), "end": scope.period.end.isoformat()},
        "district_id": scope.district_id,
        "department_id": scope.department_id,
        "columns": [{"key": c.key, "label": c.label, "kind": c.kind} for c in table.columns],
        "rows": [{k: cell_text(v) for k, v in row.items()} for row in table.rows],
        "footer": {k: cell_text(v) for k, v in table.footer.items()} if table.footer else None,
    }
    response = Response(json.dumps(body, ensure_ascii=False), mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="{_filename(slug, table, scope, "json")}"'
    return response
