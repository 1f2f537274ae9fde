// Draws each dashboard chart from the Vega-Lite spec printed beside it. The table under a chart holds the
// same figures, so without this file (or without JavaScript) the page loses nothing but the picture.
(function () {
  "use strict";

  if (!window.vegaEmbed) return;

  var OPTIONS = {
    // The specs carry no "$schema" (it would name another host): say what they are.
    mode: "vega-lite",
    actions: false,
    renderer: "svg",
    // Vega's expressions run in its interpreter, not through new Function: the page's CSP forbids eval.
    ast: true,
    // Styles come from css/dashboard.css: the CSP forbids the <style> elements vega-embed and its tooltips add.
    defaultStyle: false,
    tooltip: { disableDefaultStyle: true },
  };

  document.querySelectorAll("figure[data-chart]").forEach(function (figure) {
    var source = figure.querySelector("script[type='application/json']");
    var canvas = figure.querySelector(".dashboard-chart__canvas");
    if (!source || !canvas) return;
    figure.hidden = false;
    window
      .vegaEmbed(canvas, JSON.parse(source.textContent), OPTIONS)
      .then(function () {
        // The canvas is the image, named by the table's caption; Vega's inner roles would only repeat it.
        var svg = canvas.querySelector("svg");
        if (svg) svg.setAttribute("aria-hidden", "true");
        figure.classList.add("dashboard-chart--drawn");
      })
      .catch(function (error) {
        figure.hidden = true;
        console.error(error);
      });
  });
})();
