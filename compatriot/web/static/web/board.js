// Matching board map (Leaflet): requests as round markers, offers as squares with the radius
// they serve. The page's tables hold the same records, so the board is complete without this
// script and without map tiles. Clicking the map fills the place filter.
(function () {
  "use strict";
  function data(id) { return JSON.parse(document.getElementById(id).textContent); }
  var markers = data("map-data");
  var settings = data("map-settings");
  if (!window.L) { return; }
  var L = window.L;
  var map = L.map("map", { attributionControl: Boolean(settings.attribution) });
  if (settings.tiles) {
    L.tileLayer(settings.tiles, { attribution: settings.attribution, maxZoom: 18 }).addTo(map);
  }
  var bounds = [];
  markers.forEach(function (m) {
    var marker;
    if (m.kind === "offer") {
      L.circle([m.lat, m.lon], {
        radius: m.radius_km * 1000, color: "#1e63b4", weight: 1, fill: false, dashArray: "4 4", interactive: false,
      }).addTo(map);
      marker = L.marker([m.lat, m.lon], {
        icon: L.divIcon({ className: "marker-offer" + (m.open ? "" : " marker-closed"), iconSize: [14, 14] }),
        keyboard: true, title: m.label, alt: m.label,
      });
    } else {
      marker = L.circleMarker([m.lat, m.lon], {
        radius: 7, color: "#b4501e", weight: 2, fillOpacity: m.open ? 0.8 : 0.2,
      });
    }
    marker.bindTooltip(m.label).on("click", function () { window.location.href = m.url; }).addTo(map);
    bounds.push([m.lat, m.lon]);
  });
  if (bounds.length) {
    map.fitBounds(bounds, { padding: [20, 20], maxZoom: 10 });
  } else {
    map.setView([50, 20], 4);
  }
  var lat = document.getElementById("id_near_latitude");
  var lon = document.getElementById("id_near_longitude");
  var km = document.getElementById("id_within_km");
  map.on("click", function (event) {
    if (!lat || !lon) { return; }
    lat.value = event.latlng.lat.toFixed(4);
    lon.value = event.latlng.lng.toFixed(4);
    if (km && !km.value) { km.value = "50"; }
  });
})();
