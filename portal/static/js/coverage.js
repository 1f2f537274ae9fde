// The bus-coverage map: districts coloured by the share within walking distance of a stop, and the covered
// areas over them. The table on the page gives the same figures; without this file the map stays hidden.
(function () {
  "use strict";

  if (!window.L) return;

  // One colour per fifth of coverage; the same colours as the legend (css/coverage.css).
  var CLASSES = ["#edf8e9", "#bae4b3", "#74c476", "#31a354", "#006d2c"];
  var OUTLINE = "#505a5f";
  var COVERED = "#1d4f91";

  function colour(share) {
    return CLASSES[Math.min(CLASSES.length - 1, Math.floor(share * CLASSES.length))];
  }

  document.querySelectorAll("[data-coverage-map]").forEach(function (section) {
    var script = document.getElementById("coverage-data");
    var canvas = section.querySelector(".coverage-map__canvas");
    if (!script || !canvas) return;
    var data = JSON.parse(script.textContent);
    section.hidden = false;
    var map = L.map(canvas, { attributionControl: false, zoomSnap: 0.25 });

    fetch(section.dataset.districtsUrl, { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (districts) {
        var layer = L.geoJSON(districts, {
          style: function (feature) {
            var figures = data.shares[feature.id];
            return {
              color: OUTLINE,
              weight: 1.5,
              fillColor: figures ? colour(figures.share) : "#ffffff",
              fillOpacity: 0.85,
            };
          },
          onEachFeature: function (feature, item) {
            var figures = data.shares[feature.id];
            item.bindTooltip(figures ? figures.label : feature.properties.name, { sticky: true });
          },
        }).addTo(map);
        L.geoJSON(data.covered, {
          style: { color: COVERED, weight: 1.5, fillColor: COVERED, fillOpacity: 0.2 },
          interactive: false,
        }).addTo(map);
        if (layer.getBounds().isValid()) map.fitBounds(layer.getBounds(), { padding: [8, 8] });
      });
  });
})();
