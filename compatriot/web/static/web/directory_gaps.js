// The gap map (Leaflet): one circle per area, red where more people need help than the
// capacity nearby. The page's table holds the same figures, so it is complete without this
// script and without map tiles.
(function () {
  "use strict";
  function data(id) { return JSON.parse(document.getElementById(id).textContent); }
  var markers = data("map-data");
  var settings = data("map-settings");
  if (!window.L) { return; }
  var map = window.L.map("map", { attributionControl: Boolean(settings.attribution) });
  if (settings.tiles) {
    window.L.tileLayer(settings.tiles, { attribution: settings.attribution, maxZoom: 18 }).addTo(map);
  }
  var lang = document.documentElement.lang;
  var largest = Math.max.apply(null, markers.map(function (m) { return m.persons; }).concat([1]));
  var bounds = [];
  markers.forEach(function (m) {
    var colour = m.gap ? "#b00020" : "#1e63b4";
    var text = m.area + ": " + m.persons.toLocaleString(lang) + " " + settings.labels.persons;
    if (m.capacity !== null) { text += ", " + m.capacity.toLocaleString(lang) + " " + settings.labels.capacity; }
    text += ", " + m.services.toLocaleString(lang) + " " + settings.labels.services;
    window.L.circleMarker([m.lat, m.lon], {
      radius: 6 + 24 * Math.sqrt(m.persons / largest), color: colour, weight: 1, fillOpacity: 0.5,
    }).bindTooltip(text).addTo(map);
    bounds.push([m.lat, m.lon]);
  });
  if (bounds.length) {
    map.fitBounds(bounds, { padding: [20, 20], maxZoom: 10 });
  } else {
    map.setView([20, 10], 2);
  }
})();
