// Progressive enhancement of the sanitation pages: maps, and a print button. Every page works without this file.
(function () {
  "use strict";

  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });

  if (!window.L) return;

  var GREEN = "#0b5d3b";
  var GREY = "#505a5f";
  var RED = "#b3261e";

  function json(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (response) { return response.json(); });
  }

  function data(id) {
    var element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
  }

  function newMap(element) {
    element.hidden = false;
    return L.map(element, { attributionControl: false, zoomSnap: 0.25 });
  }

  // The collection page: the zones over the districts; a click anywhere asks for that place's collection days.
  document.querySelectorAll("[data-collection-map]").forEach(function (box) {
    var form = document.getElementById("collection-form");
    var canvas = box.querySelector(".collection-map__canvas");
    if (!form || !canvas) return;
    var lon = form.querySelector("input[name=lon]");
    var lat = form.querySelector("input[name=lat]");
    var select = form.querySelector("select[name=district]");
    var zoneId = box.dataset.zoneId || "";
    var point = box.dataset.lat ? L.latLng(parseFloat(box.dataset.lat), parseFloat(box.dataset.lon)) : null;
    box.hidden = false;
    var map = newMap(canvas);

    // Choosing a district asks for the district, not for a point clicked before.
    if (select) select.addEventListener("change", function () { lon.value = ""; lat.value = ""; });

    Promise.all([json(box.dataset.districtsUrl), json(box.dataset.zonesUrl)]).then(function (layers) {
      var districts = L.geoJSON(layers[0], {
        style: { color: GREY, weight: 1, fill: false, dashArray: "4 4" },
        interactive: false,
      }).addTo(map);
      var own = null;
      var zones = L.geoJSON(layers[1], {
        style: function (feature) {
          return String(feature.id) === zoneId
            ? { color: GREEN, weight: 3, fillOpacity: 0.25 }
            : { color: GREEN, weight: 1.5, fillOpacity: 0.08 };
        },
        onEachFeature: function (feature, layer) {
          layer.bindTooltip(feature.properties.name, { sticky: true });
          if (String(feature.id) === zoneId) own = layer;
        },
      }).addTo(map);
      var bounds = zones.getBounds().isValid() ? zones.getBounds() : districts.getBounds();
      if (own && point) map.fitBounds(own.getBounds().extend(point), { padding: [16, 16] });
      else if (bounds.isValid()) map.fitBounds(bounds);
      if (point) L.circleMarker(point, { radius: 8, color: RED, weight: 3, fillOpacity: 0.6 }).addTo(map);

      map.on("click", function (event) {
        lon.value = event.latlng.lng.toFixed(6);
        lat.value = event.latlng.lat.toFixed(6);
        L.circleMarker(event.latlng, { radius: 8, color: RED, weight: 3, fillOpacity: 0.6 }).addTo(map);
        form.submit();
      });
    });
  });

  // A planned round: the depot, the containers numbered in order, and the path between them.
  document.querySelectorAll("[data-round-map]").forEach(function (element) {
    var round = data("round-data");
    if (!round) return;
    var map = newMap(element);
    var path = [round.depot.at].concat(round.stops.map(function (stop) { return stop.at; }), [round.depot.at]);
    var line = L.polyline(path, { color: GREEN, weight: 3 }).addTo(map);
    L.circleMarker(round.depot.at, { radius: 10, color: "#1b1b1b", weight: 3, fillColor: "#fff", fillOpacity: 1 })
      .bindTooltip(round.depot.label, { permanent: true, direction: "top" })
      .addTo(map);
    round.stops.forEach(function (stop, index) {
      L.circleMarker(stop.at, { radius: 7, color: RED, weight: 2, fillOpacity: 0.8 })
        .bindTooltip(String(index + 1), { permanent: true, direction: "center", className: "round-number" })
        .bindPopup(stop.label)
        .addTo(map);
    });
    map.fitBounds(line.getBounds(), { padding: [24, 24] });
    json(element.dataset.districtsUrl).then(function (collection) {
      L.geoJSON(collection, { style: { color: GREY, weight: 1, fillOpacity: 0.03 }, interactive: false })
        .addTo(map)
        .bringToBack();
    });
  });

  // Dumping hotspots: a circle per hotspot, its area growing with the number of reports.
  document.querySelectorAll("[data-hotspots-map]").forEach(function (element) {
    var spots = data("hotspots-data");
    if (!spots || !spots.length) return;
    var map = newMap(element);
    var circles = L.featureGroup(spots.map(function (spot) {
      return L.circleMarker(spot.at, { radius: 6 + 3 * Math.sqrt(spot.count), color: RED, weight: 2, fillOpacity: 0.4 })
        .bindTooltip(spot.label);
    })).addTo(map);
    json(element.dataset.districtsUrl).then(function (collection) {
      L.geoJSON(collection, { style: { color: GREY, weight: 1, fillOpacity: 0.03 }, interactive: false })
        .addTo(map)
        .bringToBack();
    });
    map.fitBounds(circles.getBounds(), { padding: [32, 32], maxZoom: 16 });
  });
})();
