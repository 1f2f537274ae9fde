"""The open-data page and its downloads: public, no account, the same file for every visitor."""

import hashlib
import hmac

from flask import Blueprint, Response, current_app, g, render_template, request, stream_with_context
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from portal.extensions import db
from portal.i18n import FORMAT_LOCALES, KIND_LABELS, STAFF_STATUS_LABELS, request_language
from services.clock import local
from services.db import utcnow
from services.stats import open_data
from services.workflow.states import Outcome

bp = Blueprint("opendata", __name__)

LICENCE_URL = {
    "ar": "https://creativecommons.org/licenses/by/4.0/deed.ar",
    "fr": "https://creativecommons.org/licenses/by/4.0/deed.fr",
}
CACHE = "public, max-age=3600"

TYPE_LABELS = {
    "string": _l("text"),
    "integer": _l("whole number"),
    "number": _l("decimal number"),
    "boolean": _l("true or false"),
    "date": _l("date (year-month-day)"),
}

MEANINGS = {
    "id": _l(
        "An anonymous identifier of the request: the same request keeps it from one download to the next, and it "
        "leads back to nothing (it is neither the tracking number nor an internal number)."
    ),
    "service_code": _l("The service's code, stable over time (for example residence-certificate)."),
    "service_name_ar": _l("The service's name in Arabic, as the catalogue shows it today."),
    "service_name_fr": _l("The service's name in French, as the catalogue shows it today."),
    "service_kind": _l("The kind of service (values below)."),
    "department_code": _l("The code of the department that handles the request."),
    "department_name_ar": _l("The department's name in Arabic."),
    "department_name_fr": _l("The department's name in French."),
    "district_code": _l("The code of the district concerned; empty for certificates and when no place was given."),
    "district_name_ar": _l("The district's name in Arabic."),
    "district_name_fr": _l("The district's name in French."),
    "filed_date": _l("The day the request was received, in Morocco's time."),
    "status": _l("Where the request stands today (values below)."),
    "outcome": _l("How the request ended (values below); empty while it is being handled."),
    "handled_date": _l("The day of the outcome; empty while the request is being handled."),
    "days_to_handle": _l(
        "Calendar days from receipt to the outcome, to one decimal (whole hours divided by 24); empty while the "
        "request is being handled."
    ),
    "within_legal_delay": _l(
        "Whether the answer came within the legal deadline of the service (Law 55-19): true or false once "
        "answered; false for a request still open past its deadline; empty otherwise and for duplicates."
    ),
    "rating": _l("The citizen's rating of the outcome, from 1 (poor) to 5 (very good); empty if not rated."),
    "location_precision": _l(
        "How the place is generalised: grid (reports and complaints: the centre of a square of about 100 m), "
        "district (other requests: a point inside the district, the same for all), empty (certificates and "
        "requests without a place: no point at all)."
    ),
    "longitude": _l("Longitude of the generalised point, in degrees (WGS 84); in GeoJSON, the geometry."),
    "latitude": _l("Latitude of the generalised point, in degrees (WGS 84); in GeoJSON, the geometry."),
}

OUTCOME_LABELS = {
    Outcome.RESOLVED.value: _l("Resolved (or the document issued)"),
    Outcome.REJECTED.value: _l("Rejected, with the reasons given to the citizen"),
    Outcome.NO_ACTION.value: _l("Closed without action"),
    Outcome.DUPLICATE.value: _l("Joined to an earlier request for the same problem"),
}
PRECISION_LABELS = {
    open_data.GRID: _l("The centre of a square of about 100 m"),
    open_data.DISTRICT: _l("A point inside the district"),
}


def _in_both(label) -> dict[str, str]:
    """A lazy string in Arabic and in French, whatever the page's language."""
    both = {}
    for language in ("ar", "fr"):
        with force_locale(FORMAT_LOCALES[language]):
            both[language] = str(label)
    return both


@bp.route("/open-data")
def index():
    values = {
        "service_kind": {kind: _in_both(label) for kind, label in KIND_LABELS.items()},
        "status": {s: _in_both(STAFF_STATUS_LABELS[s]) for s in open_data.PUBLISHED_STATUSES},
        "outcome": {o: _in_both(label) for o, label in OUTCOME_LABELS.items()},
        "location_precision": {p: _in_both(label) for p, label in PRECISION_LABELS.items()},
    }
    fields = [
        {
            "name": f.name,
            "type": TYPE_LABELS[f.type],
            "meaning": _in_both(MEANINGS[f.name]),
            "in_geojson": f.in_geojson,
            "allowed": values.get(f.name),
        }
        for f in open_data.FIELDS
    ]
    this_year = _today().year
    return render_template(
        "opendata/index.html",
        fields=fields,
        years=range(this_year, open_data.FIRST_YEAR - 1, -1),
        licence_url=LICENCE_URL,
    )


@bp.route("/open-data/requests.csv")
def requests_csv():
    return _download(open_data.csv_chunks, "csv", "text/csv; charset=utf-8")


@bp.route("/open-data/requests.geojson")
def requests_geojson():
    return _download(open_data.geojson_chunks, "geojson", "application/geo+json")


def _download(writer, ext: str, mimetype: str) -> Response:
    # The same file for every visitor: no user loaded, no session cookie, so shared caches may keep it.
    g.stateless = True
    g.language = request_language()  # for an error page only
    year = open_data.parse_year(request.args.get("year"), _today())
    rows = open_data.records(db.session, key=_id_key(), year=year)
    name = f"berkane-requests{f'-{year}' if year else ''}.{ext}"
    return Response(
        stream_with_context(writer(rows)),
        mimetype=mimetype,
        headers=[
            ("Content-Disposition", f'attachment; filename="{name}"'),
            ("Access-Control-Allow-Origin", "*"),
            ("Cache-Control", CACHE),
        ],
    )


def _id_key() -> bytes:
    """A key of its own for the anonymous ids, derived from the portal's secret (which never leaves it)."""
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, b"berkane open data: request ids", hashlib.sha256).digest()


def _today():
    return local(utcnow()).date()
