"""The services section: requests received and handled, delays, satisfaction and backlog, by service and district."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from gis.districts.queries import district_summaries
from portal.extensions import db
from portal.i18n import localized
from services.stats.scope import Scope

from ..tables import Chart, Column, DataTable, register


def districts(scope: Scope) -> DataTable:
    summaries = district_summaries(db.session)
    rows = [
        {
            "district": localized(s.district),
            "population": s.district.population,
            "area_km2": s.area_km2,
            "density": s.density_per_km2,
            "district_id": s.district.id,
        }
        for s in summaries
        if scope.district_id in (None, s.district.id)
    ]
    rows.sort(key=lambda r: r["district"])
    population = sum(r["population"] for r in rows)
    area = sum(r["area_km2"] for r in rows)
    return DataTable(
        name="districts",
        caption=_("Population and area of each district"),
        columns=[
            Column("district", _("District")),
            Column("population", _("Population"), "count"),
            Column("area_km2", _("Area (km²)"), "decimal", 2),
            Column("density", _("Inhabitants per km²"), "decimal", 0),
        ],
        rows=rows,
        footer={
            "district": _("Whole commune") if scope.district_id is None else _("Total"),
            "population": population,
            "area_km2": area,
            "density": population / area if area else None,
        },
        chart=Chart("choropleth", "district", ("density",)),
    )


register("services", lambda: _l("Services"), {"districts": districts})
