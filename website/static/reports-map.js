/* The public reports map: every case of the JSON feed (the page's filters) as a marker,
 * clustered where they crowd, each opening the case's public page; and the agencies' active
 * announcements (when the page lists any) as their areas, a polygon or a circle, with the text.
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
  // the feed is paged: a few pages at most, the rest stays in the list
  var MAX_PAGES = 4;
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

  function load(url, pagesLeft, markers) {
    return fetch(url, { headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("feed answered " + response.status);
        }
        return response.json();
      })
      .then(function (page) {
        page.items.forEach(function (item) {
          if (item.latitude === null || item.longitude === null) {
            return;
          }
          var marker = L.marker([item.latitude, item.longitude], {
            title: item.tracking_code,
            alt: item.tracking_code,
          });
          marker.bindPopup(popup(item));
          markers.push(marker);
        });
        if (page.next_cursor && pagesLeft > 1) {
          var next = box.dataset.feed + "&cursor=" + encodeURIComponent(page.next_cursor);
          return load(next, pagesLeft - 1, markers);
        }
        return markers;
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

  Promise.all([load(box.dataset.feed, MAX_PAGES, []), loadAnnouncements()])
    .then(function (loaded) {
      var markers = loaded[0];
      var shapes = loaded[1];
      if (!markers.length && !shapes.length) {
        return; // nothing to place: the list says so
      }
      box.hidden = false;
      var map = L.map(box, { scrollWheelZoom: false, zoomControl: false });
      L.control
        .zoom({ zoomInTitle: box.dataset.zoomIn, zoomOutTitle: box.dataset.zoomOut })
        .addTo(map);
      L.tileLayer(box.dataset.tiles, {
        maxZoom: 19,
        // the server sent it as escaped text: Leaflet inserts it as HTML, so it shows as written
        attribution: box.dataset.attribution,
      }).addTo(map);
      var cluster = L.markerClusterGroup();
      markers.forEach(function (marker) {
        cluster.addLayer(marker);
      });
      map.addLayer(cluster);
      var bounds = L.latLngBounds([]);
      if (markers.length) {
        bounds.extend(cluster.getBounds());
      }
      shapes.forEach(function (shape) {
        shape.addTo(map);
        // a circle knows its bounds only once drawn: from its centre and radius instead
        bounds.extend(
          shape instanceof L.Circle
            ? shape.getLatLng().toBounds(2 * shape.getRadius())
            : shape.getBounds()
        );
      });
      map.fitBounds(bounds, { padding: [20, 20], maxZoom: 16 });
      box.dataset.markers = String(markers.length);
      box.dataset.areas = String(shapes.length);
    })
    .catch(function () {
      box.hidden = true; // the list is still there
    });
})();
