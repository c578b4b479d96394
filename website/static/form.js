// The complaint form's map picker, "use my location" button, "already reported?" panel,
// photo previews and focus on errors. Served as a file, not inline, so the Content-Security-Policy can refuse every inline
// script. Progressive enhancement: without JavaScript, Leaflet, tiles or geolocation the form
// still works (address text, photos without previews).
(function () {
  "use strict";
  var errors = document.getElementById("errors");
  if (errors) errors.focus();

  var lat = document.getElementById("lat");
  var lon = document.getElementById("lon");
  var located = document.getElementById("located");
  var placePin = null; // set once the map is drawn

  var askNearby = function () {}; // set below once the "already reported?" panel is there

  function setPlace(latitude, longitude) {
    lat.value = latitude.toFixed(6);
    lon.value = longitude.toFixed(6);
    located.textContent = located.dataset.done;
    if (placePin) placePin(latitude, longitude);
    askNearby();
  }

  // the map: tapping places the pin, dragging it moves it; both fill lat/lon
  var box = document.getElementById("map-picker");
  if (box && window.L) {
    box.hidden = false;
    document.getElementById("map-hint").hidden = false;
    var start = lat.value && lon.value
      ? [Number(lat.value), Number(lon.value)]
      : [Number(box.dataset.centerLat), Number(box.dataset.centerLon)];
    var map = L.map(box, {
      scrollWheelZoom: false, // the page scrolls past the map
      zoomControl: false, // added below with its buttons named in the page's language
    }).setView(start, lat.value ? 17 : 13);
    L.control
      .zoom({ zoomInTitle: box.dataset.zoomIn, zoomOutTitle: box.dataset.zoomOut })
      .addTo(map);
    L.tileLayer(box.dataset.tiles, {
      maxZoom: 19,
      // the server sent it as escaped text: Leaflet inserts it as HTML, so it shows as written
      attribution: box.dataset.attribution,
    }).addTo(map);
    var marker = null;
    placePin = function (latitude, longitude) {
      var point = [latitude, longitude];
      if (marker) {
        marker.setLatLng(point);
      } else {
        marker = L.marker(point, { draggable: true, alt: box.dataset.marker }).addTo(map);
        marker.on("dragend", function () {
          var moved = marker.getLatLng();
          setPlace(moved.lat, moved.lng);
        });
      }
      map.panTo(point);
    };
    if (lat.value && lon.value) placePin(start[0], start[1]);
    map.on("click", function (event) {
      setPlace(event.latlng.lat, event.latlng.lng);
    });
  }

  // "Already reported?": with a pin and a few words, the open public cases nearby of the
  // problem the words describe; "Ini masalah yang sama" sends the form as a follow of one
  var panel = document.getElementById("nearby");
  var text = document.getElementById("text");
  var follow = document.getElementById("follow");
  if (panel && text && follow && window.fetch) {
    var list = document.getElementById("nearby-list");
    var problem = document.getElementById("nearby-problem");
    var form = text.form;
    var timer = null;
    var asked = ""; // the last question sent: the same one is not asked again
    var latest = 0; // answers to older questions, arriving late, are dropped
    // back to this page from the browser's history: a plain send files, follows nothing
    window.addEventListener("pageshow", function () {
      follow.value = "";
    });
    var words = function () {
      return text.value.trim().split(/\s+/).filter(Boolean);
    };
    var show = function (cases) {
      list.textContent = "";
      cases.forEach(function (found) {
        var item = document.createElement("li");
        var link = document.createElement("a");
        link.href = "/track/" + encodeURIComponent(found.tracking_code) + "?lang=" + panel.dataset.lang;
        link.className = "code";
        link.textContent = found.tracking_code;
        item.appendChild(link);
        var status = document.createElement("strong");
        status.textContent = found.status_label;
        item.appendChild(document.createTextNode(" · "));
        item.appendChild(status);
        if (found.text) {
          var excerpt = document.createElement("p");
          excerpt.className = "excerpt";
          var few = found.text.split(/\s+/).slice(0, 20).join(" ");
          excerpt.textContent = few.length < found.text.length ? few + " …" : few;
          item.appendChild(excerpt);
        }
        var meta = document.createElement("div");
        meta.className = "meta";
        meta.textContent =
          panel.dataset.reports.replace("{count}", found.report_count) +
          " · " +
          panel.dataset.distance.replace("{metres}", found.distance_m);
        item.appendChild(meta);
        var same = document.createElement("button");
        same.type = "button"; // Enter in a field still files: the form's first submit button
        same.className = "secondary";
        same.textContent = panel.dataset.same;
        same.dataset.code = found.tracking_code;
        same.addEventListener("click", function () {
          // following without a way to be told means nothing: said here, before the photos
          // travel for nothing (the server refuses it too)
          var via = form.querySelector("input[name=notify_via]:checked");
          if (!via || via.value === "none") {
            problem.hidden = false;
            return;
          }
          problem.hidden = true;
          follow.value = same.dataset.code;
          if (form.requestSubmit) form.requestSubmit();
          else form.submit();
        });
        item.appendChild(same);
        list.appendChild(item);
      });
      panel.hidden = cases.length === 0;
    };
    askNearby = function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        if (!lat.value || !lon.value || words().length < 3) return;
        var query = new URLSearchParams({
          lat: lat.value,
          lon: lon.value,
          text: text.value.trim().slice(0, 1000),
          lang: panel.dataset.lang,
        }).toString();
        if (query === asked) return;
        asked = query;
        var mine = ++latest;
        fetch(panel.dataset.url + "?" + query, { headers: { Accept: "application/json" } })
          .then(function (answer) {
            return answer.ok ? answer.json() : { cases: [] };
          })
          .then(function (found) {
            if (mine === latest) show(found.cases || []);
          })
          .catch(function () {}); // no answer: the form files as it always did
      }, 700);
    };
    text.addEventListener("input", askNearby);
    askNearby(); // the form came back with a pin and words already in
  }

  var button = document.getElementById("locate");
  if (button && navigator.geolocation) {
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.geolocation.getCurrentPosition(function (pos) {
        setPlace(pos.coords.latitude, pos.coords.longitude);
      });
    });
  }

  // photo previews, read as data: URLs (the CSP allows no blob: images)
  var photos = document.getElementById("photos");
  var previews = document.getElementById("previews");
  if (photos && previews && window.FileReader) {
    photos.addEventListener("change", function () {
      previews.textContent = "";
      var files = Array.prototype.slice.call(photos.files);
      // what the server would refuse, said before the whole form travels
      var large = files.filter(function (file) {
        return file.size > Number(photos.dataset.maxBytes);
      });
      var total = files.reduce(function (sum, file) {
        return sum + file.size;
      }, 0);
      var problem = "";
      if (files.length > Number(photos.dataset.max)) problem = photos.dataset.tooMany;
      else if (large.length) {
        problem = photos.dataset.tooLarge + " " + large.map(function (f) { return f.name; }).join(", ");
      } else if (total > Number(photos.dataset.totalBytes)) problem = photos.dataset.tooHeavy;
      photos.setCustomValidity(problem);
      if (problem) photos.reportValidity();
      files.forEach(function (file) {
        var item = document.createElement("li");
        var name = document.createElement("span");
        name.textContent = file.name;
        item.appendChild(name);
        previews.appendChild(item);
        if (!/^image\//.test(file.type)) return;
        var reader = new FileReader();
        reader.onload = function () {
          var image = document.createElement("img");
          image.src = reader.result;
          image.alt = "";
          item.insertBefore(image, name);
        };
        reader.readAsDataURL(file);
      });
    });
  }
})();
