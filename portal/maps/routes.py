"""The city map page, and the public layers as GeoJSON by bounding box and page, or as grid clusters."""

import json
import math
from urllib.parse import urlsplit

from flask import Blueprint, current_app, jsonify, make_response, render_template, request, url_for
from flask_babel import get_locale

from gis import layers
from portal.errors import status_for
from portal.extensions import db
from portal.i18n import current_language, error_message
from portal.maps.catalogue import EXTRA_LAYERS, MAP_LAYERS, REPORT_SERVICES, THEMES, popup_strings
from portal.security import CONTENT_SECURITY_POLICY
from services.errors import ServiceError, collect

bp = Blueprint("maps", __name__)
api = Blueprint("maps_api", __name__)

# Where the map opens when no district is loaded yet: the commune of Berkane.
BERKANE_BOUNDS = layers.BBox(-2.36, 34.90, -2.28, 34.95)
GEOJSON = "application/geo+json"
# Public data that changes slowly: browsers and proxies may keep it a minute.
LAYER_CACHE = "public, max-age=60"


def _layer(name: str) -> layers.Layer:
    return layers.get_layer(name, EXTRA_LAYERS)


def _layer_links(name: str) -> dict:
    layer = _layer(name)
    links = {"items": url_for("maps_api.layer_features", layer=name)}
    if layer.clusterable:
        links["clusters"] = url_for("maps_api.layer_clusters", layer=name)
        tile = url_for("maps_api.layer_cluster_tile", layer=name, z=0, x=0, y=0)
        links["cluster_tiles"] = tile.removesuffix("/0/0/0.geojson") + "/{z}/{x}/{y}.geojson"
    return links


# --------------------------------------------------------------------------- the page


def _requested_view() -> dict | None:
    """?lat=&lon=&zoom= opens the map on a place (a link from elsewhere); anything unreadable is ignored."""
    try:
        lat, lon = float(request.args["lat"]), float(request.args["lon"])
        zoom = int(request.args.get("zoom", "17"))
    except (KeyError, ValueError):
        return None
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return {"lat": lat, "lon": lon, "zoom": max(0, min(zoom, 19))}


def _tile_source(url: str) -> str:
    """The origin the base-map tiles come from, for the page's Content-Security-Policy ({s} is any subdomain)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.replace('{s}', '*')}"


@bp.route("/map")
def city_map():
    tiles_url = current_app.config.get("MAP_TILE_URL")
    bounds = layers.extent(db.session, layers.DISTRICTS) or BERKANE_BOUNDS
    config = {
        "lang": current_language(),
        "locale": str(get_locale()).replace("_", "-"),
        "bounds": list(bounds),
        "view": _requested_view(),
        "tiles": {"url": tiles_url, "attribution": current_app.config.get("MAP_TILE_ATTRIBUTION", "")}
        if tiles_url
        else None,
        "layers": [
            {
                "name": m.name,
                "shape": m.layer.shape,
                "visible": m.visible,
                "min_feature_zoom": m.layer.min_feature_zoom,
                "limit": layers.MAX_LIMIT,
                **_layer_links(m.name),
            }
            for m in MAP_LAYERS.values()
        ],
        "report_urls": {
            layer: url_for("citizen.file_request", code=code, asset="__asset__")
            for layer, code in REPORT_SERVICES.items()
        },
        # The pages a popup opens on a stop or a line.
        "page_urls": {
            "stops": url_for("transport.stop", stop_id="__id__"),
            "bus-routes": url_for("transport.route", route_id="__id__"),
        },
        "strings": popup_strings(),
    }
    response = make_response(
        render_template(
            "maps/map.html",
            themes=THEMES,
            config=config,
            links={name: _layer_links(name) for name in MAP_LAYERS},
        )
    )
    if tiles_url:
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY.replace(
            "img-src 'self' data:", f"img-src 'self' data: {_tile_source(tiles_url)}"
        )
    return response


# --------------------------------------------------------------------------- the API


@api.errorhandler(ServiceError)
def _api_error(exc: ServiceError):
    """Errors as JSON, in the language of the request, never cached."""
    errors = getattr(exc, "errors", None) or [exc]
    body = {
        "code": exc.code,
        "message": error_message(exc.code, **exc.params),
        "errors": [
            {"code": e.code, "field": e.field, "message": error_message(e.code, **e.params)} for e in errors if e.field
        ],
    }
    response = jsonify(body)
    response.status_code = status_for(exc)
    response.headers["Cache-Control"] = "no-store"
    return response


@api.route("/api/layers")
def layer_list():
    """The layers on offer, with their titles in the request's language and links to their data."""
    body = {
        "layers": [
            {
                "id": name,
                "title": str(m.title),
                "geometry": m.layer.shape,
                "links": [
                    {"rel": rel, "href": request.host_url.rstrip("/") + href, "type": GEOJSON}
                    for rel, href in _layer_links(name).items()
                ],
            }
            for name, m in MAP_LAYERS.items()
        ]
    }
    response = jsonify(body)
    response.headers["Cache-Control"] = "public, max-age=300"
    response.vary.update(("Accept-Language", "Cookie"))
    return response


def _geojson(body: str):
    response = current_app.response_class(body, mimetype=GEOJSON)
    response.headers["Cache-Control"] = LAYER_CACHE
    return response


@api.route("/api/layers/<layer>.geojson")
def layer_features(layer: str):
    """One page of a layer's features meeting `bbox`, with OGC API - Features counts and next/prev links."""
    definition = _layer(layer)
    args = request.args
    found = collect(
        bbox=lambda: layers.parse_bbox(args.get("bbox")),
        limit=lambda: layers.parse_limit(args.get("limit")),
        offset=lambda: layers.parse_offset(args.get("offset")),
    )
    bbox, limit, offset = found["bbox"], found["limit"], found["offset"]
    page = layers.feature_page(db.session, definition, bbox, limit=limit, offset=offset)

    def link(rel: str, at: int) -> dict:
        params = {"bbox": args["bbox"]} if bbox else {}
        href = url_for("maps_api.layer_features", layer=layer, limit=limit, offset=at, **params)
        return {"rel": rel, "href": href, "type": GEOJSON}

    links = [link("self", offset)]
    if page.has_next:
        links.append(link("next", offset + limit))
    if page.has_prev:
        links.append(link("prev", max(0, offset - limit)))
    head = {"type": "FeatureCollection", "numberMatched": page.matched, "numberReturned": page.returned}
    head["links"] = links
    # The features arrive as JSON text from the database; only the envelope is written here.
    return _geojson(json.dumps(head, separators=(",", ":"))[:-1] + ',"features":' + page.features + "}")


def _clusters_response(cells: list[layers.Cluster]):
    body = {
        "type": "FeatureCollection",
        "numberMatched": sum(c.count for c in cells),
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [round(c.lon, 6), round(c.lat, 6)]},
                "bbox": [round(v, 6) for v in c.bounds],
                "properties": {"count": c.count, **c.counts},
            }
            for c in cells
        ],
    }
    return _geojson(json.dumps(body, separators=(",", ":")))


@api.route("/api/layers/<layer>/clusters")
def layer_clusters(layer: str):
    """The layer's points in `bbox` counted per grid cell sized for `zoom`, as GeoJSON points with a `count`."""
    definition = _layer(layer)
    found = collect(
        bbox=lambda: layers.parse_bbox(request.args.get("bbox")),
        zoom=lambda: layers.parse_zoom(request.args.get("zoom")),
    )
    return _clusters_response(layers.clusters(db.session, definition, found["bbox"], found["zoom"]))


@api.route("/api/layers/<layer>/clusters/<int:z>/<int:x>/<int:y>.geojson")
def layer_cluster_tile(layer: str, z: int, x: int, y: int):
    """The clusters of one map tile (z/x/y as in every slippy map): a fixed address that caches well."""
    return _clusters_response(layers.tile_clusters(db.session, _layer(layer), z, x, y))
