// Progressive enhancement of the transport pages: maps of a stop, a line or the stops near a place; a click on the
// map or the browser's position fills the "near" form's latitude and longitude. Every page works without it.
(function () {
  "use strict";

  var GREEN = "#0b5d3b";
  var GREY = "#505a5f";
  var RED = "#b3261e";
  var stringsElement = document.getElementById("transport-strings");
  var t = stringsElement ? JSON.parse(stringsElement.textContent) : {};

  function data(id) {
    var element = id && document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
  }

  function json(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) throw new Error(response.status);
      return response.json();
    });
  }

  function fill(form, lat, lon) {
    form.querySelector("input[name=lat]").value = lat.toFixed(6);
    form.querySelector("input[name=lon]").value = lon.toFixed(6);
    var district = form.querySelector("select[name=district]");
    if (district) district.value = "";
  }

  // "Use my position": the browser asks the person first; nothing leaves the page until the form is sent.
  document.querySelectorAll("[data-locate]").forEach(function (button) {
    if (!navigator.geolocation) return;
    var form = button.closest("form");
    var status = form.querySelector("[data-locate-status]");
    button.hidden = false;
    button.addEventListener("click", function () {
      status.textContent = t.locating || "";
      navigator.geolocation.getCurrentPosition(
        function (position) {
          status.textContent = t.located || "";
          fill(form, position.coords.latitude, position.coords.longitude);
          form.submit();
        },
        function () {
          status.textContent = t.locate_failed || "";
        },
        { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
      );
    });
  });

  function stopMarker(stop) {
    var link = document.createElement("a");
    link.href = stop.url;
    link.textContent = stop.name;
    return L.circleMarker([stop.lat, stop.lon], {
      radius: 7,
      color: "#ffffff",
      weight: 2,
      fillColor: GREEN,
      fillOpacity: 1,
      bubblingMouseEvents: false, // a click on a stop opens it, and does not look for stops near it
    }).bindPopup(link);
  }

  if (!window.L) return;

  document.querySelectorAll("[data-transport-map]").forEach(function (element) {
    var shown = data(element.dataset.data) || { point: null, stops: [] };
    var form = element.dataset.pick ? document.getElementById(element.dataset.pick) : null;
    element.hidden = false;
    var map = L.map(element, { attributionControl: false, zoomSnap: 0.25, fadeAnimation: false });
    var group = L.featureGroup().addTo(map);

    if (shown.line) {
      L.geoJSON(shown.line, { style: { color: shown.colour || GREEN, weight: 5, opacity: 0.85 }, interactive: false })
        .addTo(group);
    }
    (shown.stops || []).forEach(function (stop) {
      stopMarker(stop).addTo(group);
    });
    if (shown.point) {
      L.circleMarker([shown.point.lat, shown.point.lon], { radius: 9, color: RED, weight: 3, fillOpacity: 0.5 })
        .bindTooltip(t.here || "")
        .addTo(group);
    }

    function fit() {
      var bounds = group.getBounds();
      if (!bounds.isValid()) return false;
      if ((shown.stops || []).length === 1 && !shown.point && !shown.line) {
        map.setView(bounds.getCenter(), shown.zoom || 17);
      } else {
        map.fitBounds(bounds, { padding: [24, 24], maxZoom: 17 });
      }
      return true;
    }

    var fitted = fit();
    // The "near" map before any search: the districts, and every stop, to click a place among them.
    if (element.dataset.districtsUrl) {
      json(element.dataset.districtsUrl).then(function (collection) {
        var districts = L.geoJSON(collection, {
          style: { color: GREY, weight: 1, fill: false, dashArray: "4 4" },
          interactive: false,
        }).addTo(map);
        if (!fitted && districts.getBounds().isValid()) {
          map.fitBounds(districts.getBounds());
          fitted = true;
        }
      });
    }
    if (element.dataset.stopsUrl && !(shown.stops || []).length) {
      json(element.dataset.stopsUrl).then(function (collection) {
        collection.features.forEach(function (feature) {
          var p = feature.properties;
          var lang = document.documentElement.lang;
          var name = (lang === "ar" ? p.name_ar || p.name_fr : p.name_fr || p.name_ar) || p.name || p.stop_id;
          stopMarker({
            lat: feature.geometry.coordinates[1],
            lon: feature.geometry.coordinates[0],
            name: name,
            url: element.dataset.stopUrl ? element.dataset.stopUrl.replace("__id__", encodeURIComponent(p.stop_id)) : "#",
          }).addTo(group);
        });
        if (!fitted) fitted = fit();
      });
    }

    if (form) {
      map.on("click", function (event) {
        fill(form, event.latlng.lat, event.latlng.lng);
        L.circleMarker(event.latlng, { radius: 9, color: RED, weight: 3, fillOpacity: 0.5 }).addTo(map);
        form.submit();
      });
    }
  });
})();
