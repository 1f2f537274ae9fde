"""The API's OpenAPI 3.0 definition, written for the request's language and address."""

from flask_babel import gettext as _

from gis import features
from portal.ogcapi.catalogue import COLLECTIONS

OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
GEOJSON = "application/geo+json"
JSON = "application/json"
HTML = "text/html"


def _parameter(name: str, schema: dict, description: str, *, where: str = "query", required: bool = False) -> dict:
    parameter = {"name": name, "in": where, "required": required, "description": description, "schema": schema}
    if where == "query":
        parameter |= {"style": "form", "explode": False}
    return parameter


def _parameters() -> dict:
    crs_uris = list(features.CRSES)
    return {
        "f": _parameter(
            "f", {"type": "string", "enum": ["json", "html"]}, _("The format of the answer: json or html.")
        ),
        "bbox": _parameter(
            "bbox",
            {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}},
            _(
                "Only features that meet this box: west,south,east,north in the CRS of bbox-crs (longitude and "
                "latitude by default)."
            ),
        ),
        "bbox-crs": _parameter(
            "bbox-crs",
            {"type": "string", "format": "uri", "enum": crs_uris, "default": features.CRS84.uri},
            _("The coordinate reference system of bbox."),
        ),
        "crs": _parameter(
            "crs",
            {"type": "string", "format": "uri", "enum": crs_uris, "default": features.CRS84.uri},
            _("The coordinate reference system of the geometries in the answer."),
        ),
        "datetime": _parameter(
            "datetime",
            {"type": "string"},
            _(
                "Only features whose time falls in this instant or interval: a date, a date and time, or two of "
                "them separated by a slash, either end open (..)."
            ),
        ),
        "limit": _parameter(
            "limit",
            {"type": "integer", "minimum": 1, "maximum": features.MAX_LIMIT, "default": features.DEFAULT_LIMIT},
            _("How many features a page holds at most."),
        ),
        "offset": _parameter(
            "offset",
            {"type": "integer", "minimum": 0, "default": 0},
            _("How many matching features to skip: the next link of a page gives it."),
        ),
        "featureId": _parameter(
            "featureId", {"type": "string"}, _("The identifier of a feature."), where="path", required=True
        ),
    }


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/parameters/{name}"}


def _answer(description: str, *types: str) -> dict:
    return {"description": description, "content": {kind: {"schema": {"type": "object"}} for kind in types}}


def _responses(description: str, *types: str) -> dict:
    return {
        "200": _answer(description, *types),
        "400": _answer(_("A parameter is unknown or its value is not valid."), JSON),
        "404": _answer(_("No such collection or feature."), JSON),
    }


def _get(operation_id: str, summary: str, parameters: list, responses: dict, tag: str) -> dict:
    return {
        "get": {
            "operationId": operation_id,
            "summary": summary,
            "tags": [tag],
            "parameters": parameters,
            "responses": responses,
        }
    }


def document(root: str) -> dict:
    """The definition of the API served at `root` (its absolute address, without a final slash)."""
    f = _ref("f")
    general = _("General")
    paths = {
        "/": _get(
            "getLandingPage", _("The landing page"), [f], _responses(_("Links to the API."), JSON, HTML), general
        ),
        "/conformance": _get(
            "getConformance",
            _("The conformance classes the API implements"),
            [f],
            _responses(_("The conformance classes."), JSON, HTML),
            general,
        ),
        "/api": _get("getApi", _("This API definition"), [], {"200": _answer(_("This document."), OPENAPI)}, general),
        "/collections": _get(
            "getCollections",
            _("The collections"),
            [f],
            _responses(_("Every collection, with its extent and links."), JSON, HTML),
            general,
        ),
    }
    for cid, collection in COLLECTIONS.items():
        layer = collection.layer
        tag = str(collection.title)
        queryables = [
            _parameter(
                name,
                {"type": "integer" if layer.properties[name].type.python_type is int else "string"},
                _("Only features whose %(name)s is this value.", name=name),
            )
            for name in layer.queryables
        ]
        paths[f"/collections/{cid}"] = _get(
            f"describe-{cid}", str(collection.title), [f], _responses(str(collection.description), JSON, HTML), tag
        )
        item_parameters = [_ref(name) for name in ("bbox", "bbox-crs", "crs", "datetime", "limit", "offset", "f")]
        paths[f"/collections/{cid}/items"] = _get(
            f"getFeatures-{cid}",
            _("The features of this collection, one page at a time"),
            item_parameters + queryables,
            _responses(_("A page of features (GeoJSON FeatureCollection)."), GEOJSON, HTML),
            tag,
        )
        paths[f"/collections/{cid}/items/{{featureId}}"] = _get(
            f"getFeature-{cid}",
            _("One feature of this collection"),
            [_ref("featureId"), _ref("crs"), f],
            _responses(_("The feature (GeoJSON Feature)."), GEOJSON, HTML),
            tag,
        )
        paths[f"/collections/{cid}/queryables"] = _get(
            f"getQueryables-{cid}",
            _("The properties this collection can be filtered on"),
            [f],
            _responses(_("A JSON Schema of the properties."), "application/schema+json", HTML),
            tag,
        )
    return {
        "openapi": "3.0.3",
        "info": {
            "title": _("Commune of Berkane — open geographic data"),
            "description": api_description(),
            "version": "1.0.0",
        },
        "servers": [{"url": root}],
        "tags": [{"name": general}, *({"name": str(c.title)} for c in COLLECTIONS.values())],
        "paths": paths,
        "components": {"parameters": _parameters()},
    }


def api_description() -> str:
    return _(
        "The commune's map layers as OGC API – Features (Part 1 Core and Part 2 Coordinate Reference Systems by "
        "Reference), in GeoJSON or HTML. Pages hold 10 features unless limit says otherwise (at most %(max)s) and "
        "link to the next one. numberMatched is given only on the last page, where it is known without counting "
        "every matching feature; follow the next links to the end to read them all.",
        max=features.MAX_LIMIT,
    )
