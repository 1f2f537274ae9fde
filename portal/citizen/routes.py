"""The e-service catalogue, for everyone."""

from itertools import groupby

from flask import Blueprint, jsonify, render_template, request
from flask_babel import gettext as _
from geoalchemy2.shape import to_shape
from shapely.geometry import mapping
from wtforms import SelectChoice

from gis.districts.queries import list_districts
from portal.citizen.forms import CatalogueSearchForm
from portal.extensions import db
from portal.i18n import localized
from services.accounts import service as accounts
from services.catalog import service as catalog

bp = Blueprint("citizen", __name__)


@bp.route("/services")
def catalogue():
    form = CatalogueSearchForm(request.args)
    departments = accounts.list_departments(db.session, active_only=True)
    form.department.choices = [SelectChoice("", _("All departments"))] + [
        SelectChoice(str(d.id), localized(d)) for d in sorted(departments, key=localized)
    ]
    valid = form.validate()
    department_id = int(form.department.data) if valid and form.department.data else None
    query = (form.q.data or "") if valid else ""
    services = catalog.list_services(db.session, query=query, department_id=department_id)
    ordered = sorted(services, key=lambda s: (localized(s.department), localized(s.current)))
    groups = [(department, list(items)) for department, items in groupby(ordered, key=lambda s: s.department)]
    return render_template("citizen/catalogue.html", form=form, groups=groups, count=len(services))


@bp.route("/services/<code>")
def service_detail(code: str):
    service = catalog.get_service(db.session, code)
    return render_template("citizen/service.html", service=service, version=service.current)


@bp.route("/services/districts.geojson")
def districts_geojson():
    """The districts as GeoJSON, for the map of the filing form."""
    features = [
        {
            "type": "Feature",
            "id": district.id,
            "properties": {"name": localized(district)},
            "geometry": mapping(to_shape(district.geom)),
        }
        for district in list_districts(db.session)
    ]
    response = jsonify({"type": "FeatureCollection", "features": features})
    response.mimetype = "application/geo+json"
    return response
