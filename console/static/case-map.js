/* Draws the case's place on a small map, from the data-* attributes of #case-map.
 *
 * A file of its own rather than an inline script, so the console's Content-Security-Policy
 * can keep script-src 'self'. The page already shows the address and coordinates as text:
 * without this script (or without tiles) nothing is lost but the picture.
 */
(function () {
  "use strict";
  var box = document.getElementById("case-map");
  if (!box || !window.L) {
    return;
  }
  var point = [Number(box.dataset.lat), Number(box.dataset.lon)];
  if (!isFinite(point[0]) || !isFinite(point[1])) {
    return;
  }
  var map = L.map(box, {
    // the page scrolls past the map: a wheel or, on a phone, one finger must not be caught
    scrollWheelZoom: false,
    dragging: !L.Browser.mobile,
    zoomControl: false, // added below with its buttons named in the page's language
  }).setView(point, 17);
  L.control
    .zoom({ zoomInTitle: box.dataset.zoomIn, zoomOutTitle: box.dataset.zoomOut })
    .addTo(map);
  L.tileLayer(box.dataset.tiles, {
    maxZoom: 19,
    // the server sent it as escaped text: Leaflet inserts it as HTML, so it shows as written
    attribution: box.dataset.attribution,
  }).addTo(map);
  L.marker(point, { alt: box.getAttribute("aria-label"), keyboard: false }).addTo(map);
})();
