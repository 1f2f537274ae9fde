// Progressive enhancement of the staff's request page: every form works without this file.
(function () {
  "use strict";

  // Message templates: choosing one writes its text, in the citizen's language, at the top of the message box,
  // where the agent can adapt it. The hidden "inserted" flag tells the server the box now holds the whole message.
  document.querySelectorAll("select[data-template-for]").forEach(function (select) {
    var box = document.getElementById(select.dataset.templateFor);
    var flag = select.form ? select.form.querySelector("[data-inserted]") : null;
    if (!box || !flag) return;
    var hint = document.getElementById(select.id + "-hint");
    if (hint) hint.hidden = true; // it explains the behaviour without JavaScript
    var inserted = "";

    select.addEventListener("change", function () {
      var option = select.options[select.selectedIndex];
      var text = (option && option.dataset.body) || "";
      var current = box.value;
      // Replace the text of a template chosen before, if the agent left it as it was; keep anything else.
      if (inserted && current.indexOf(inserted) === 0) current = current.slice(inserted.length).replace(/^\s+/, "");
      box.value = text && current ? text + "\n\n" + current : text || current;
      inserted = text;
      flag.value = "1";
      box.focus();
    });
  });

  // The place of a request: the districts (no background tiles, nothing leaves the portal) and the point given.
  if (!window.L) return;
  document.querySelectorAll("[data-request-map]").forEach(function (element) {
    var lat = parseFloat(element.dataset.lat);
    var lon = parseFloat(element.dataset.lon);
    var point = isNaN(lat) || isNaN(lon) ? null : L.latLng(lat, lon);
    var districtId = element.dataset.districtId || "";
    element.hidden = false;
    var map = L.map(element, { attributionControl: false, zoomSnap: 0.25 });

    fetch(element.dataset.districtsUrl, { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (collection) {
        var own = null;
        var layer = L.geoJSON(collection, {
          style: function (feature) {
            return String(feature.id) === districtId
              ? { color: "#0b5d3b", weight: 3, fillOpacity: 0.15 }
              : { color: "#505a5f", weight: 1, fillOpacity: 0.04 };
          },
          onEachFeature: function (feature, featureLayer) {
            featureLayer.bindTooltip(feature.properties.name, { sticky: true });
            if (String(feature.id) === districtId) own = featureLayer;
          },
        }).addTo(map);
        // The district around the point says where in the commune it is; without a district, the point alone.
        // (Leaflet needs the view set before it draws a marker.)
        var bounds = (own || layer).getBounds();
        if (point && own) map.fitBounds(bounds.extend(point), { padding: [16, 16] });
        else if (point) map.setView(point, 16);
        else if (bounds.isValid()) map.fitBounds(bounds);
        if (point) L.circleMarker(point, { radius: 8, color: "#b3261e", weight: 3, fillOpacity: 0.6 }).addTo(map);
      });
  });
})();
