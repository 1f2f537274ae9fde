// The city map. Each shown layer is loaded for the area in view (with a margin) when the map stops moving;
// points are asked for as grid clusters, counted by the database, until the view is close enough to draw them
// one by one. Every word comes from the page (#city-map-config), in its language.
(function () {
  "use strict";

  var element = document.getElementById("city-map");
  var configElement = document.getElementById("city-map-config");
  if (!window.L || !element || !configElement) return;
  var config = JSON.parse(configElement.textContent);
  var t = config.strings;
  var rtl = document.documentElement.dir === "rtl";
  var numbers = new Intl.NumberFormat(config.locale);
  var percent = new Intl.NumberFormat(config.locale, { style: "percent" });
  var dates = new Intl.DateTimeFormat(config.locale, { dateStyle: "long", timeZone: "Africa/Casablanca" });
  var status = document.getElementById("city-map-status");

  var STYLES = {
    districts: { color: "#0b5d3b", weight: 2, fillColor: "#0b5d3b", fillOpacity: 0.06 },
    streets: { color: "#505a5f", weight: 2, opacity: 0.8 },
    "collection-zones": { color: "#6f3c8f", weight: 2, dashArray: "6 4", fillColor: "#6f3c8f", fillOpacity: 0.08 },
    "collection-routes": { color: "#6f3c8f", weight: 3, dashArray: "2 6" },
    "bus-routes": { color: "#1d4f91", weight: 4, opacity: 0.85 },
  };
  var PANES = { polygon: ["areas", 405], line: ["lines", 410], point: ["points", 420] };

  function format(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_match, key) {
      return key in values ? values[key] : "";
    });
  }

  function say(message) {
    status.textContent = message || "";
    status.classList.toggle("notice", Boolean(message));
    status.classList.toggle("notice--error", Boolean(message));
  }

  document.querySelectorAll("[data-map-only]").forEach(function (node) {
    node.hidden = false;
  });
  document.querySelectorAll("[data-map-fallback]").forEach(function (node) {
    node.hidden = true;
  });
  element.hidden = false;

  // No fading: popups and groups show at once, the way the page reads them.
  var map = L.map(element, {
    zoomControl: false,
    attributionControl: Boolean(config.tiles),
    fadeAnimation: false,
    maxZoom: 19,
  });
  L.control.zoom({ position: rtl ? "topright" : "topleft", zoomInTitle: t.zoom_in, zoomOutTitle: t.zoom_out })
    .addTo(map);
  if (config.tiles) {
    map.attributionControl.setPrefix(false);
    L.tileLayer(config.tiles.url, { attribution: config.tiles.attribution, maxZoom: 19 }).addTo(map);
  }
  Object.keys(PANES).forEach(function (shape) {
    map.createPane(PANES[shape][0]).style.zIndex = PANES[shape][1];
  });
  // Leaflet names the close button in English: the page's word instead.
  map.on("popupopen", function (event) {
    var close = event.popup.getElement().querySelector(".leaflet-popup-close-button");
    if (close) {
      close.setAttribute("aria-label", t.close);
      close.setAttribute("title", t.close);
    }
  });

  // --------------------------------------------------------------------------- popups

  function popup(name, title, rows, link) {
    var box = document.createElement("div");
    box.className = "map-popup map-popup--" + name;
    box.dir = rtl ? "rtl" : "ltr";
    box.lang = config.lang;
    var heading = document.createElement("p");
    heading.className = "map-popup__title";
    heading.textContent = title;
    box.appendChild(heading);
    var list = document.createElement("dl");
    rows.forEach(function (row) {
      if (row[1] === null || row[1] === undefined || row[1] === "") return;
      var dt = document.createElement("dt");
      dt.textContent = row[0];
      var dd = document.createElement("dd");
      dd.textContent = row[1];
      list.appendChild(dt);
      list.appendChild(dd);
    });
    box.appendChild(list);
    if (link) {
      var a = document.createElement("a");
      a.className = "map-popup__action";
      a.href = link[0];
      a.textContent = link[1];
      box.appendChild(a);
    }
    return box;
  }

  function localName(p) {
    return (config.lang === "ar" ? p.name_ar || p.name_fr : p.name_fr || p.name_ar) || p.code || "";
  }

  function reportLink(layer, code, text) {
    var url = config.report_urls[layer];
    return url ? [url.replace("__asset__", encodeURIComponent(code)), text] : null;
  }

  function pageLink(layer, id, text) {
    var url = config.page_urls && config.page_urls[layer];
    return url ? [url.replace("__id__", encodeURIComponent(id)), text] : null;
  }

  function day(iso) {
    return iso ? dates.format(new Date(iso)) : null;
  }

  var POPUPS = {
    districts: function (p) {
      return popup("districts", localName(p), [[t.population, numbers.format(p.population)]]);
    },
    streets: function (p) {
      return popup("streets", localName(p), []);
    },
    lights: function (p) {
      return popup(
        "lights",
        format(t.light_title, { code: p.code }),
        [
          [t.status, t.light_status[p.status] || p.status],
          [t.technology, t.technologies[p.technology] || p.technology],
          [t.power, format(t.watts, { watts: numbers.format(p.power_w) })],
        ],
        reportLink("lights", p.code, t.report_light)
      );
    },
    containers: function (p) {
      return popup(
        "containers",
        format(t.container_title, { code: p.code }),
        [
          [t.kind, t.container_kinds[p.kind] || p.kind],
          [t.capacity, format(t.litres, { litres: numbers.format(p.capacity_l) })],
          [t.fill_level, p.fill_level === null ? t.not_measured : percent.format(p.fill_level / 100)],
        ],
        reportLink("containers", p.code, t.report_container)
      );
    },
    "collection-zones": function (p) {
      var days = (p.days || []).map(function (d) {
        return t.weekdays[String(d)];
      });
      return popup("collection-zones", localName(p), [
        [t.contractor, p.contractor],
        [t.days, days.join(rtl ? "، " : ", ")],
        [t.hours, format(t.hours_range, { start: p.start, end: p.end })],
      ]);
    },
    "collection-routes": function (p) {
      return popup("collection-routes", localName(p), [[t.zone, p.zone]]);
    },
    stops: function (p) {
      var name = (config.lang === "ar" ? p.name_ar || p.name_fr : p.name_fr || p.name_ar) || p.name || p.stop_id;
      // Stop names mostly say "stop" already: the name alone heads the popup.
      return popup(
        "stops",
        name,
        [[t.stop_code, p.code]],
        pageLink("stops", p.stop_id, t.stop_page)
      );
    },
    "bus-routes": function (p) {
      var long = (config.lang === "ar" ? p.long_name_ar || p.long_name_fr : p.long_name_fr || p.long_name_ar) || p.long_name;
      var name = [p.short_name, long].filter(Boolean).join(" — ");
      return popup(
        "bus-routes",
        format(t.route_title, { name: name || p.route_id }),
        [],
        pageLink("bus-routes", p.route_id, t.route_page)
      );
    },
    reports: function (p) {
      var service = config.lang === "ar" ? p.service_name_ar : p.service_name_fr;
      return popup("reports", service, [
        [t.request_state, t.request_status[p.status] || p.status],
        [t.filed_at, day(p.filed_at)],
        [t.decided_at, day(p.decided_at)],
      ]);
    },
  };

  // --------------------------------------------------------------------------- drawing

  function pointStyle(name, p) {
    if (name === "lights") {
      var faulty = p.status !== "working";
      return { radius: 6, color: "#1b1b1b", weight: 1.5, fillColor: faulty ? "#b3261e" : "#f2b705", fillOpacity: 1 };
    }
    if (name === "stops") {
      return { radius: 6, color: "#ffffff", weight: 2, fillColor: "#0b5d3b", fillOpacity: 1 };
    }
    if (name === "containers") {
      var full = p.fill_level !== null && p.fill_level >= 80;
      return { radius: 6, color: "#ffffff", weight: 2, fillColor: full ? "#8f1d1d" : "#1d4f91", fillOpacity: 1 };
    }
    var open = !p.decided_at;
    return { radius: 7, color: "#1b1b1b", weight: 1.5, fillColor: open ? "#e07000" : "#0b5d3b", fillOpacity: 0.9 };
  }

  function drawFeatures(state, features) {
    var def = state.def;
    var pane = PANES[def.shape][0];
    return L.geoJSON(
      { type: "FeatureCollection", features: features },
      {
        pane: pane,
        style: function (feature) {
          var style = L.extend({ pane: pane, className: "map-feature map-feature--" + def.name }, STYLES[def.name]);
          // A bus route in its own colour, as on its buses and its stops' signs.
          if (def.name === "bus-routes" && /^[0-9A-Fa-f]{6}$/.test(feature.properties.color || "")) {
            style.color = "#" + feature.properties.color;
          }
          return style;
        },
        pointToLayer: function (feature, latlng) {
          var options = pointStyle(def.name, feature.properties);
          options.pane = pane;
          options.className = "map-feature map-feature--" + def.name;
          return L.circleMarker(latlng, options);
        },
        onEachFeature: function (feature, layer) {
          layer.bindPopup(function () {
            return POPUPS[def.name](feature.properties);
          });
        },
      }
    );
  }

  function drawClusters(state, collection) {
    var def = state.def;
    var group = L.layerGroup();
    collection.features.forEach(function (cell) {
      var p = cell.properties;
      var size = Math.round(28 + 8 * Math.log10(p.count));
      var at = L.latLng(cell.geometry.coordinates[1], cell.geometry.coordinates[0]);
      var marker = L.marker(at, {
        icon: L.divIcon({
          className: "map-cluster map-cluster--" + def.name,
          html: "<span>" + numbers.format(p.count) + "</span>",
          iconSize: [size, size],
        }),
        title: format(t["cluster_" + def.name], {
          count: numbers.format(p.count),
          faulty: numbers.format(p.faulty || 0),
          full: numbers.format(p.full || 0),
          open: numbers.format(p.open || 0),
        }),
        keyboard: true,
      });
      marker.on("click", function () {
        var b = cell.bbox;
        var bounds = L.latLngBounds([b[1], b[0]], [b[3], b[2]]);
        var target = Math.max(map.getZoom() + 1, Math.min(map.getBoundsZoom(bounds), def.min_feature_zoom));
        map.setView(bounds.getCenter(), target);
      });
      group.addLayer(marker);
    });
    return group;
  }

  // --------------------------------------------------------------------------- loading

  function bboxOf(bounds) {
    return [
      Math.max(-180, bounds.getWest()),
      Math.max(-90, bounds.getSouth()),
      Math.min(180, bounds.getEast()),
      Math.min(90, bounds.getNorth()),
    ]
      .map(function (v) {
        return v.toFixed(6);
      })
      .join(",");
  }

  function getJSON(url, signal) {
    return fetch(url, { credentials: "same-origin", signal: signal }).then(function (response) {
      if (!response.ok) throw new Error(response.status);
      return response.json();
    });
  }

  // Every page of the area: a view holds a few thousand features at most (points are clustered before that).
  function allFeatures(url, signal, into) {
    return getJSON(url, signal).then(function (page) {
      into.push.apply(into, page.features);
      var next = (page.links || []).filter(function (link) {
        return link.rel === "next";
      })[0];
      return next ? allFeatures(next.href, signal, into) : into;
    });
  }

  // What is still loading; the page says when something failed, and marks the map busy meanwhile.
  var busy = {};
  var failed = false;
  function working(key, on, error) {
    if (on) busy[key] = true;
    else delete busy[key];
    if (error) failed = true;
    var idle = Object.keys(busy).length === 0;
    element.setAttribute("aria-busy", idle ? "false" : "true");
    if (idle) {
      say(failed ? t.failed : "");
      failed = false;
    }
    element.dataset.ready = idle ? "yes" : "no";
  }

  // Clusters come by map tile (256 pixels, 4 x 4 cells each): fixed addresses the browser caches, a few points
  // counted per request; Leaflet asks for the tiles in view and drops the others.
  var ClusterTiles = L.GridLayer.extend({
    initialize: function (state, options) {
      L.GridLayer.prototype.initialize.call(this, options);
      this._state = state;
      this._groups = {};
      this.on("tileunload", function (event) {
        var key = this._tileCoordsToKey(event.coords);
        if (this._groups[key]) this._map.removeLayer(this._groups[key]);
        delete this._groups[key];
      });
      this.on("loading", function () {
        working(state.def.name + "-clusters", true);
      });
      this.on("load", function () {
        working(state.def.name + "-clusters", false);
      });
    },
    onRemove: function (map) {
      Object.keys(this._groups).forEach(function (key) {
        map.removeLayer(this._groups[key]);
      }, this);
      this._groups = {};
      L.GridLayer.prototype.onRemove.call(this, map);
      working(this._state.def.name + "-clusters", false);
    },
    createTile: function (coords, done) {
      var tile = document.createElement("div");
      var key = this._tileCoordsToKey(coords);
      var layer = this;
      getJSON(L.Util.template(this._state.def.cluster_tiles, coords))
        .then(function (collection) {
          if (layer._map && layer._tiles[key]) {
            layer._groups[key] = drawClusters(layer._state, collection).addTo(layer._map);
          }
          done(null, tile);
        })
        .catch(function (error) {
          failed = true;
          done(error, tile);
        });
      return tile;
    },
  });

  var states = config.layers.map(function (def) {
    var state = { def: def, box: document.getElementById("layer-" + def.name), drawn: null, loaded: null };
    if (def.cluster_tiles) state.clusters = new ClusterTiles(state, { maxZoom: def.min_feature_zoom - 1 });
    return state;
  });

  function forget(state) {
    if (state.controller) state.controller.abort();
    if (state.drawn) map.removeLayer(state.drawn);
    state.drawn = state.loaded = state.controller = null;
    working(state.def.name, false);
  }

  function refresh(state) {
    var def = state.def;
    var shown = state.box.checked;
    if (state.clusters && shown !== map.hasLayer(state.clusters)) {
      if (shown) state.clusters.addTo(map);
      else map.removeLayer(state.clusters);
    }
    if (!shown || (state.clusters && map.getZoom() < def.min_feature_zoom)) return forget(state);
    var view = map.getBounds();
    // Features stay valid while the view is inside the area loaded.
    if (state.loaded && state.loaded.contains(view)) return;
    if (state.controller) state.controller.abort();
    var controller = new AbortController();
    state.controller = controller;
    // A margin to pan into without reloading; narrower for points, which are many once drawn one by one.
    var area = view.pad(def.shape === "point" ? 0.25 : 0.5);
    working(def.name, true);
    allFeatures(def.items + "?bbox=" + bboxOf(area) + "&limit=" + def.limit, controller.signal, [])
      .then(function (features) {
        if (state.controller !== controller) return;
        if (state.drawn) map.removeLayer(state.drawn);
        state.drawn = drawFeatures(state, features).addTo(map);
        state.loaded = area;
        state.controller = null;
        working(def.name, false);
      })
      .catch(function (error) {
        if (error.name === "AbortError") return;
        state.controller = null;
        working(def.name, false, true);
      });
  }

  states.forEach(function (state) {
    state.box.addEventListener("change", function () {
      refresh(state);
    });
  });
  map.on("moveend", function () {
    states.forEach(refresh);
  });

  var b = config.bounds;
  if (config.view) map.setView([config.view.lat, config.view.lon], config.view.zoom);
  else map.fitBounds([[b[1], b[0]], [b[3], b[2]]]);
  // Leaflet fires moveend when it sets the first view, which loads the layers.
})();
