/* The public reports map: the public cases of the JSON feed (the page's filters) in the view
 * the reader sees. Zoomed out, the feed counts them per cell in the database and the map draws
 * each count as a circle that zooms in when clicked; at street level (data-marker-zoom) each
 * case is a marker opening the case's public page. Also the agencies' active announcements
 * (when the page lists any) as their areas, a polygon or a circle, with the text.
 *
 * An enhancement only: the list beside it works without this script. Markers are built from
 * the feed's JSON with DOM text nodes, never as HTML, so a resident's words cannot run here.
 */
(function () {
  "use strict";
  var box = document.getElementById("reports-map");
  if (!box || !window.L || !L.markerClusterGroup || !window.fetch) {
    return;
  }
  // the city at first; from MARKER_ZOOM on the feed answers cases, below it clusters
  var CITY_ZOOM = 12;
  var MARKER_ZOOM = Number(box.dataset.markerZoom);
  var lang = document.documentElement.lang || "id";

  function popup(item) {
    var content = document.createElement("div");
    var link = document.createElement("a");
    link.href = "/track/" + encodeURIComponent(item.tracking_code) + "?lang=" + lang;
    link.textContent = item.tracking_code;
    link.className = "code";
    content.appendChild(link);
    var status = document.createElement("div");
    status.textContent = item.status_label;
    content.appendChild(status);
    if (item.category) {
      var category = document.createElement("div");
      category.textContent = item.category.name;
      content.appendChild(category);
    }
    var open = document.createElement("a");
    open.href = link.href;
    open.textContent = box.dataset.open;
    content.appendChild(open);
    return content;
  }

  function cluster(item) {
    // the count as text in an element, never as HTML
    var inner = document.createElement("div");
    var count = document.createElement("span");
    count.textContent = String(item.count);
    inner.appendChild(count);
    var size = item.count < 10 ? "small" : item.count < 100 ? "medium" : "large";
    var marker = L.marker([item.latitude, item.longitude], {
      icon: L.divIcon({
        html: inner,
        className: "marker-cluster marker-cluster-" + size + " map-cluster",
        iconSize: L.point(40, 40),
      }),
      title: (item.count === 1 ? box.dataset.clusterOne : box.dataset.clusterMany).replace(
        "__COUNT__",
        String(item.count)
      ),
      keyboard: true,
    });
    marker.on("click", function () {
      var b = item.bounds; // minlon,minlat,maxlon,maxlat of its cases
      map.fitBounds(
        [
          [b[1], b[0]],
          [b[3], b[2]],
        ],
        { padding: [40, 40], maxZoom: MARKER_ZOOM }
      );
    });
    return marker;
  }

  function caseMarker(item) {
    var marker = L.marker([item.latitude, item.longitude], {
      title: item.tracking_code,
      alt: item.tracking_code,
    });
    marker.bindPopup(popup(item));
    return marker;
  }

  function viewUrl() {
    var b = map.getBounds();
    var bbox = [
      Math.max(-180, b.getWest()),
      Math.max(-90, b.getSouth()),
      Math.min(180, b.getEast()),
      Math.min(90, b.getNorth()),
    ]
      .map(function (value) {
        return value.toFixed(5);
      })
      .join(",");
    return box.dataset.feed + "&bbox=" + bbox + "&zoom=" + map.getZoom();
  }

  function fetchJson(url) {
    return fetch(url, { headers: { Accept: "application/json" } }).then(function (response) {
      if (!response.ok) {
        throw new Error("feed answered " + response.status);
      }
      return response.json();
    });
  }

  // the answer for the view the reader sees: clusters when far out, the cases near in; an
  // answer that arrives after the reader moved on is dropped
  var asked = 0;
  function showView() {
    var mine = ++asked;
    fetchJson(viewUrl())
      .then(function (answer) {
        if (mine !== asked) {
          return;
        }
        layer.clearLayers();
        var shown;
        if (answer.kind === "clusters") {
          shown = answer.clusters.map(cluster);
          box.dataset.count = String(answer.total);
        } else {
          shown = answer.items.map(caseMarker); // markers: every one has its place
          box.dataset.count = String(shown.length);
        }
        shown.forEach(function (marker) {
          layer.addLayer(marker);
        });
        box.dataset.shown = answer.kind;
        box.dataset.zoom = String(map.getZoom());
      })
      .catch(function () {
        if (mine === asked) {
          layer.clearLayers();
          box.dataset.shown = "error";
        }
      });
  }

  function announcementPopup(item) {
    var content = document.createElement("div");
    var agency = document.createElement("strong");
    agency.textContent = item.agency.name;
    content.appendChild(agency);
    var text = document.createElement("p");
    text.textContent = item.text;
    content.appendChild(text);
    var until = document.createElement("div");
    until.textContent = item.until;
    content.appendChild(until);
    return content;
  }

  function announcementShape(item) {
    var geometry = item.geometry;
    var style = { color: "#b45309", weight: 2, fillOpacity: 0.15 };
    if (geometry.type === "Point") {
      var centre = [geometry.coordinates[1], geometry.coordinates[0]];
      return L.circle(centre, Object.assign({ radius: item.radius_m }, style));
    }
    return L.geoJSON(geometry, { style: style });
  }

  function loadAnnouncements() {
    if (!box.dataset.announcements) {
      return Promise.resolve([]);
    }
    return fetch(box.dataset.announcements, { headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("announcements answered " + response.status);
        }
        return response.json();
      })
      .then(function (items) {
        return items.map(function (item) {
          var shape = announcementShape(item);
          shape.bindPopup(announcementPopup(item));
          return shape;
        });
      })
      .catch(function () {
        return []; // the list above the map still names them
      });
  }

  box.hidden = false;
  var map = L.map(box, { scrollWheelZoom: false, zoomControl: false, maxZoom: 19 });
  L.control.zoom({ zoomInTitle: box.dataset.zoomIn, zoomOutTitle: box.dataset.zoomOut }).addTo(map);
  L.tileLayer(box.dataset.tiles, {
    maxZoom: 19,
    // the server sent it as escaped text: Leaflet inserts it as HTML, so it shows as written
    attribution: box.dataset.attribution,
  }).addTo(map);
  // at street level, markers of one place still crowd: markercluster spreads them
  var layer = L.markerClusterGroup({ maxClusterRadius: 30 }).addTo(map);
  map.on("moveend", showView);
  map.setView([Number(box.dataset.centerLat), Number(box.dataset.centerLon)], CITY_ZOOM);
  loadAnnouncements().then(function (shapes) {
    var bounds = L.latLngBounds([]);
    shapes.forEach(function (shape) {
      shape.addTo(map);
      // a circle knows its bounds only once drawn: from its centre and radius instead
      bounds.extend(
        shape instanceof L.Circle
          ? shape.getLatLng().toBounds(2 * shape.getRadius())
          : shape.getBounds()
      );
    });
    if (shapes.length) {
      // the page lists a known problem above the map: show where it holds
      map.fitBounds(bounds, { padding: [20, 20], maxZoom: CITY_ZOOM + 2 });
    }
    box.dataset.areas = String(shapes.length);
  });
})();
