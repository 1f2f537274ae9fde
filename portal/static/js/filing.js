// Progressive enhancement of the filing form: the form works without this file.
(function () {
  "use strict";

  // A second click while the first submission travels sends nothing (the server also refuses duplicates).
  document.querySelectorAll("form.filing-form").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.sent) {
        event.preventDefault();
        return;
      }
      form.dataset.sent = "1";
      var button = form.querySelector("[data-once]");
      if (button) button.setAttribute("aria-disabled", "true");
    });
  });

  if (!window.L) return;
  document.querySelectorAll("[data-location]").forEach(function (box) {
    var mapElement = box.querySelector(".location__map");
    var lat = box.querySelector("[data-role=lat]");
    var lon = box.querySelector("[data-role=lon]");
    var select = box.querySelector("select");
    var picked = box.querySelector(".location__picked");
    var asset = box.querySelector("input[name$='__asset']");
    if (!mapElement || !lat || !lon || !select) return;
    mapElement.hidden = false;
    var map = L.map(mapElement, { attributionControl: false, zoomSnap: 0.25 });
    var marker = null;

    function place(latlng, districtId) {
      if (marker) marker.setLatLng(latlng);
      else marker = L.circleMarker(latlng, { radius: 8, color: "#b3261e", weight: 3, fillOpacity: 0.6 }).addTo(map);
      lat.value = latlng.lat.toFixed(6);
      lon.value = latlng.lng.toFixed(6);
      select.value = String(districtId);
      if (picked) {
        picked.hidden = false;
        picked.textContent = picked.dataset.template;
      }
    }

    fetch(mapElement.dataset.districtsUrl, { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (collection) {
        var layer = L.geoJSON(collection, {
          style: { color: "#0b5d3b", weight: 1.5, fillOpacity: 0.08 },
          onEachFeature: function (feature, featureLayer) {
            featureLayer.bindTooltip(feature.properties.name, { sticky: true });
          },
        }).addTo(map);
        map.fitBounds(layer.getBounds());
        layer.on("click", function (event) {
          // A new point replaces the asset chosen before; the server snaps it to the nearest one again.
          if (asset) asset.value = "";
          place(event.latlng, event.layer.feature.id);
        });
        if (lat.value && lon.value) {
          place(L.latLng(parseFloat(lat.value), parseFloat(lon.value)), select.value);
        }
      });
  });
})();
