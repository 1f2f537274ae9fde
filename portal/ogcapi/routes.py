"""OGC API – Features at /ogcapi: landing page, conformance, collections, features, in JSON or HTML.

JSON answers load no user and pick their language from the request alone (cookie, Accept-Language); the items
path adds only an envelope around the features the database wrote. HTML pages are ordinary portal pages.
"""

import json
import math
from datetime import UTC, datetime, timedelta
from urllib.parse import unquote_plus

from flask import Blueprint, current_app, g, render_template, request, url_for
from flask_babel import gettext as _

from gis import features
from portal.errors import render_error, status_for
from portal.extensions import db, limiter
from portal.i18n import error_message, request_language
from portal.ogcapi import openapi
from portal.ogcapi.catalogue import COLLECTIONS, Collection
from services.errors import Invalid, NotFound, ServiceError

bp = Blueprint("ogcapi", __name__, url_prefix="/ogcapi")

GEOJSON = "application/geo+json"
JSON = "application/json"
HTML = "text/html"
SCHEMA = "application/schema+json"
CONFORMANCE = (
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
)
GREGORIAN = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"
QUERYABLES_REL = "http://www.opengis.net/def/rel/ogc/1.0/queryables"
# Public data that changes slowly: browsers and proxies may keep it a minute.
CACHE = "public, max-age=60"
FORMAT = frozenset({"f"})


# --------------------------------------------------------------------------- negotiation and answers


def _wants_html() -> bool:
    """`f=html|json` first, then the Accept header; JSON unless HTML is preferred (browsers prefer it)."""
    chosen = request.args.get("f")
    if chosen is not None:
        if chosen not in ("json", "html"):
            raise Invalid("format_unsupported", field="f")
        return chosen == "html"
    accept = request.headers.get("Accept", "")
    if "html" not in accept:
        return False
    return request.accept_mimetypes.best_match((JSON, HTML)) == HTML


@limiter.request_filter
def _not_rate_limited() -> bool:
    """The API sets no rate limit of its own (a reverse proxy may): the limiter skips its requests rather than
    finding on each one that no limit applies."""
    return request.blueprint == bp.name


@bp.before_request
def _negotiate():
    g.ogc_html = False
    g.ogc_html = _wants_html()
    # A JSON answer is the same for every visitor: it loads no user and takes no part in the session (see
    # portal/sessions.py). Pages are ordinary portal pages: their menu and language switch need both.
    g.stateless = not g.ogc_html


def _speak_as_asked() -> None:
    """JSON answers speak the request's language (cookie, Accept-Language), never a signed-in user's."""
    if not g.ogc_html:
        g.language = request_language()


@bp.errorhandler(ServiceError)
def _error(exc: ServiceError):
    """OGC API exceptions: {code, description} in JSON, the portal's error page in HTML."""
    _speak_as_asked()
    description = " ".join(error_message(e.code, **e.params) for e in (getattr(exc, "errors", None) or [exc]))
    if g.get("ogc_html"):
        return render_error(status_for(exc), description)
    body = json.dumps({"code": exc.code, "description": description}, ensure_ascii=False)
    return _answer(body, JSON, status=status_for(exc), cache="no-store")


def _answer(body: str, mimetype: str, *, status: int = 200, crs: features.Crs | None = None, cache: str = CACHE):
    headers = [
        ("Access-Control-Allow-Origin", "*"),
        ("Cache-Control", cache),
        ("Vary", "Accept, Accept-Language"),
    ]
    if crs is not None:
        headers.append(("Content-Crs", crs.header))
    # Given whole to the response: setting them one by one scans the header list each time.
    return current_app.response_class(body, status=status, mimetype=mimetype, headers=headers)


def _json(document: dict, mimetype: str = JSON):
    return _answer(json.dumps(document, ensure_ascii=False, separators=(",", ":")), mimetype)


def _page(template: str, **context):
    return render_template(f"ogcapi/{template}", **context)


def _check(allowed: frozenset[str] = FORMAT) -> None:
    features.check_parameters(request.args, allowed)


def _collection(cid: str) -> Collection:
    collection = COLLECTIONS.get(cid)
    if collection is None:
        raise NotFound("collection_unknown")
    return collection


def _url(endpoint: str, f: str | None = None, **values) -> str:
    return url_for(endpoint, _external=True, **values, **({"f": f} if f else {}))


def _link(href: str, rel: str, kind: str, title: str | None = None) -> dict:
    link = {"href": href, "rel": rel, "type": kind}
    if title:
        link["title"] = title
    return link


def _self_links(endpoint: str, kind: str = JSON, **values) -> list[dict]:
    """This document in the format asked for, and in the other one."""
    if g.ogc_html:
        return [
            _link(_url(endpoint, "html", **values), "self", HTML),
            _link(_url(endpoint, "json", **values), "alternate", kind),
        ]
    return [_link(_url(endpoint, **values), "self", kind), _link(_url(endpoint, "html", **values), "alternate", HTML)]


# --------------------------------------------------------------------------- landing page, conformance, API


def _title() -> str:
    return _("Commune of Berkane — open geographic data")


@bp.route("", strict_slashes=False)
def landing():
    """Where the API starts: links to its definition, conformance classes and collections."""
    _check()
    _speak_as_asked()
    links = [
        *_self_links("ogcapi.landing"),
        _link(_url("ogcapi.api"), "service-desc", openapi.OPENAPI, _("The API definition (OpenAPI 3.0)")),
        _link(_url("ogcapi.conformance"), "conformance", JSON, _("Conformance classes")),
        _link(_url("ogcapi.collections"), "data", JSON, _("Collections")),
    ]
    document = {"title": _title(), "description": openapi.api_description(), "links": links}
    if g.ogc_html:
        return _page("landing.html", document=document, collections=COLLECTIONS.values())
    return _json(document)


@bp.route("/conformance")
def conformance():
    _check()
    document = {"links": _self_links("ogcapi.conformance"), "conformsTo": list(CONFORMANCE)}
    if g.ogc_html:
        return _page("conformance.html", document=document)
    return _json(document)


@bp.route("/api")
def api():
    """The OpenAPI 3.0 definition, in JSON."""
    _check(frozenset())
    _speak_as_asked()
    root = url_for("ogcapi.landing", _external=True).rstrip("/")
    return _json(openapi.document(root), openapi.OPENAPI)


# --------------------------------------------------------------------------- collections


# Extents to the micro-degree, widened outwards; rounded first so that -2.33 does not become -2.330001.
def _floor(value: float) -> float:
    return math.floor(round(value * 1e6, 3)) / 1e6


def _ceil(value: float) -> float:
    return math.ceil(round(value * 1e6, 3)) / 1e6


def _instant(moment: datetime, *, up: bool = False) -> str:
    if up and moment.microsecond:
        moment = moment.replace(microsecond=0) + timedelta(seconds=1)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _describe(collection: Collection) -> dict:
    layer = collection.layer
    cid = collection.id
    document = {
        "id": cid,
        "title": str(collection.title),
        "description": str(collection.description),
        "itemType": "feature",
        "crs": list(features.CRSES),
        "storageCrs": features.STORAGE_CRS.uri,
    }
    extent = {}
    box = features.spatial_extent(db.session, layer)
    if box:
        edges = [_floor(box.minx), _floor(box.miny), _ceil(box.maxx), _ceil(box.maxy)]
        extent["spatial"] = {"bbox": [edges], "crs": features.CRS84.uri}
    times = features.temporal_extent(db.session, layer)
    if times:
        extent["temporal"] = {"interval": [[_instant(times[0]), _instant(times[1], up=True)]], "trs": GREGORIAN}
    if extent:
        document["extent"] = extent
    document["links"] = [
        *_self_links("ogcapi.collection", cid=cid),
        _link(_url("ogcapi.items", cid=cid), "items", GEOJSON, _("Features (GeoJSON)")),
        _link(_url("ogcapi.items", "html", cid=cid), "items", HTML, _("Features (web page)")),
        _link(_url("ogcapi.queryables", cid=cid), QUERYABLES_REL, SCHEMA, _("Queryable properties")),
    ]
    return document


@bp.route("/collections")
def collections():
    _check()
    _speak_as_asked()
    document = {
        "links": _self_links("ogcapi.collections"),
        "collections": [_describe(c) for c in COLLECTIONS.values()],
    }
    if g.ogc_html:
        return _page("collections.html", document=document)
    return _json(document)


@bp.route("/collections/<cid>")
def collection(cid: str):
    found = _collection(cid)
    _check()
    _speak_as_asked()
    document = _describe(found)
    if g.ogc_html:
        return _page("collection.html", document=document, collection=found, time=found.layer.temporal)
    return _json(document)


@bp.route("/collections/<cid>/queryables")
def queryables(cid: str):
    """The properties features can be selected by (name=value), as a JSON Schema."""
    found = _collection(cid)
    _check()
    _speak_as_asked()
    layer = found.layer
    properties = {
        name: {
            "title": name,
            "type": "integer" if layer.properties[name].type.python_type is int else "string",
        }
        for name in layer.queryables
    }
    document = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": _url("ogcapi.queryables", cid=cid),
        "type": "object",
        "title": str(found.title),
        "properties": properties,
        "additionalProperties": False,
    }
    if g.ogc_html:
        return _page("queryables.html", collection=found, properties=properties)
    return _json(document, SCHEMA)


# --------------------------------------------------------------------------- features


def _without(query: str, *names: str) -> str:
    """The query string less the parameters `names`, as it came (nothing decoded and encoded again)."""
    return "&".join(part for part in query.split("&") if part and unquote_plus(part.split("=", 1)[0]) not in names)


def _page_links(query: features.ItemsQuery, page: features.ItemsPage, html: bool) -> list[dict]:
    """self and alternate, then next and prev: the same query with another offset."""
    base = request.base_url
    asked = request.query_string.decode("ascii", "replace")

    def href(rest: str, extra: str) -> str:
        joined = f"{rest}&{extra}" if rest and extra else rest or extra
        return f"{base}?{joined}" if joined else base

    kind, other = (HTML, GEOJSON) if html else (GEOJSON, HTML)
    links = [
        _link(href(asked, ""), "self", kind),
        _link(href(_without(asked, "f"), "f=json" if html else "f=html"), "alternate", other),
    ]
    if page.has_next or query.offset > 0:
        rest = _without(asked, "offset", "limit")
        if page.has_next:
            links.append(_link(href(rest, f"offset={query.offset + query.limit}&limit={query.limit}"), "next", kind))
        if query.offset > 0:
            back = max(0, query.offset - query.limit)
            links.append(_link(href(rest, f"offset={back}&limit={query.limit}"), "prev", kind))
    return links


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@bp.route("/collections/<cid>/items")
def items(cid: str):
    """One page of features: bbox (bbox-crs), datetime, property=value, limit and offset; crs for the output."""
    found = _collection(cid)
    query = features.parse_items_query(found.layer, request.args, allowed=FORMAT)
    page = features.items(db.session, found.layer, query)
    links = _page_links(query, page, g.ogc_html)
    if g.ogc_html:
        return _page(
            "items.html",
            collection=found,
            features=json.loads(page.features),
            page=page,
            query=query,
            links={link["rel"]: link["href"] for link in links},
        )
    head = {"type": "FeatureCollection", "numberReturned": page.returned}
    if page.matched is not None:
        head["numberMatched"] = page.matched
    head["timeStamp"] = _now()
    head["links"] = links
    # The features come as JSON text from the database: only the envelope is written here.
    body = json.dumps(head, separators=(",", ":"))[:-1] + ',"features":' + page.features + "}"
    return _answer(body, GEOJSON, crs=query.crs)


@bp.route("/collections/<cid>/items/<fid>")
def item(cid: str, fid: str):
    found = _collection(cid)
    _check(frozenset({"f", "crs"}))
    _speak_as_asked()
    crs = features.parse_crs(request.args.get("crs"))
    feature = features.item(db.session, found.layer, fid, crs)
    extra = {"crs": request.args["crs"]} if "crs" in request.args else {}
    links = [
        *_self_links("ogcapi.item", GEOJSON, cid=cid, fid=fid, **extra),
        _link(_url("ogcapi.collection", cid=cid), "collection", JSON, str(found.title)),
    ]
    if g.ogc_html:
        return _page("item.html", collection=found, feature=json.loads(feature), crs=crs, links=links)
    body = feature[:-1] + ',"links":' + json.dumps(links, ensure_ascii=False, separators=(",", ":")) + "}"
    return _answer(body, GEOJSON, crs=crs)
