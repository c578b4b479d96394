/* The announcement form's map: click it for a circle's centre, or for a polygon's points.
 *
 * An enhancement only: without it the form still takes a service area or a circle's centre
 * and radius typed in. The map writes what is clicked into the form's own fields (lat, lon,
 * radius_m, and points as "lat,lon;lat,lon;..."), which the server checks as it checks typing.
 */
(function () {
  "use strict";
  var box = document.getElementById("announcement-map");
  var form = document.getElementById("announcement-form");
  var hint = document.getElementById("announcement-map-hint");
  if (!box || !form || !window.L) {
    return;
  }
  var fields = form.elements;
  var DEFAULT_RADIUS = "500";

  function kind() {
    var checked = form.querySelector("input[name=area_kind]:checked");
    return checked ? checked.value : "service_area";
  }

  function choose(value) {
    var radio = form.querySelector("input[name=area_kind][value=" + value + "]");
    if (radio) {
      radio.checked = true;
    }
  }

  function points() {
    if (!fields.points.value) {
      return [];
    }
    return fields.points.value.split(";").map(function (pair) {
      var parts = pair.split(",");
      return [Number(parts[0]), Number(parts[1])];
    });
  }

  box.hidden = false;
  hint.hidden = false;
  var map = L.map(box, { scrollWheelZoom: false, zoomControl: false });
  L.control
    .zoom({ zoomInTitle: box.dataset.zoomIn, zoomOutTitle: box.dataset.zoomOut })
    .addTo(map);
  L.tileLayer(box.dataset.tiles, {
    maxZoom: 19,
    // the server sent it as escaped text: Leaflet inserts it as HTML, so it shows as written
    attribution: box.dataset.attribution,
  }).addTo(map);
  var bounds = (box.dataset.bounds || "").split(",").map(Number);
  if (bounds.length === 4 && bounds.every(isFinite)) {
    map.fitBounds([
      [bounds[0], bounds[1]],
      [bounds[2], bounds[3]],
    ]);
  } else {
    map.setView([0, 0], 2);
  }
  var drawn = L.layerGroup().addTo(map);

  function draw() {
    drawn.clearLayers();
    if (kind() === "circle") {
      var lat = Number(fields.lat.value);
      var lon = Number(fields.lon.value);
      if (fields.lat.value && fields.lon.value && isFinite(lat) && isFinite(lon)) {
        L.circle([lat, lon], { radius: Number(fields.radius_m.value) || 0 }).addTo(drawn);
        L.circleMarker([lat, lon], { radius: 4 }).addTo(drawn);
      }
    } else if (kind() === "polygon") {
      var corners = points();
      if (corners.length >= 3) {
        L.polygon(corners).addTo(drawn);
      } else if (corners.length === 2) {
        L.polyline(corners).addTo(drawn);
      }
      corners.forEach(function (corner) {
        L.circleMarker(corner, { radius: 4 }).addTo(drawn);
      });
    }
  }

  map.on("click", function (event) {
    var lat = event.latlng.lat.toFixed(6);
    var lon = event.latlng.lng.toFixed(6);
    if (kind() === "polygon") {
      fields.points.value = (fields.points.value ? fields.points.value + ";" : "") + lat + "," + lon;
    } else {
      choose("circle");
      fields.lat.value = lat;
      fields.lon.value = lon;
      if (!fields.radius_m.value) {
        fields.radius_m.value = DEFAULT_RADIUS;
      }
    }
    draw();
  });
  document.getElementById("announcement-map-clear").addEventListener("click", function () {
    fields.points.value = "";
    if (kind() === "circle") {
      fields.lat.value = "";
      fields.lon.value = "";
    }
    draw();
  });
  form.addEventListener("input", draw);
  form.addEventListener("change", draw);
  draw();
})();
