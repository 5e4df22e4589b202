// Dashboard chart (uPlot) and map (Leaflet). The page's tables hold the same figures, so the
// page is complete without this script and without map tiles.
(function () {
  "use strict";
  function data(id) { return JSON.parse(document.getElementById(id).textContent); }

  var chart = data("chart-data");
  var chartBox = document.getElementById("chart");
  if (window.uPlot && chart.days.length) {
    var times = chart.days.map(function (day) { return Date.parse(day + "T00:00:00Z") / 1000; });
    new window.uPlot({
      width: Math.max(280, chartBox.clientWidth),
      height: 240,
      series: [{}, { label: chartBox.getAttribute("aria-label"), stroke: "#1e63b4", fill: "rgba(30,99,180,.15)" }],
      axes: [{}, {}],
      // A few days either side, so that a crisis with one day of registrations still reads.
      scales: { x: { time: true, range: function (u, min, max) { return [min - 3 * 86400, max + 3 * 86400]; } } },
    }, [times, chart.counts], chartBox);
  }

  var markers = data("map-data");
  var settings = data("map-settings");
  if (window.L) {
    var map = window.L.map("map", { attributionControl: Boolean(settings.attribution) });
    if (settings.tiles) {
      window.L.tileLayer(settings.tiles, { attribution: settings.attribution, maxZoom: 18 }).addTo(map);
    }
    var largest = Math.max.apply(null, markers.map(function (m) { return m.count; }));
    var bounds = [];
    markers.forEach(function (m) {
      var radius = 6 + 24 * Math.sqrt(m.count / largest);
      window.L.circleMarker([m.lat, m.lon], { radius: radius, color: "#1e63b4", weight: 1, fillOpacity: 0.5 })
        .bindTooltip(m.area + ": " + m.count.toLocaleString(document.documentElement.lang))
        .addTo(map);
      bounds.push([m.lat, m.lon]);
    });
    if (bounds.length) {
      map.fitBounds(bounds, { padding: [20, 20], maxZoom: 10 });
    } else {
      map.setView([20, 10], 2);
    }
  }
})();
