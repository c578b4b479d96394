// The complaint form's map picker, "use my location" button, photo previews and focus on
// errors. Served as a file, not inline, so the Content-Security-Policy can refuse every inline
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

  function setPlace(latitude, longitude) {
    lat.value = latitude.toFixed(6);
    lon.value = longitude.toFixed(6);
    located.textContent = located.dataset.done;
    if (placePin) placePin(latitude, longitude);
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
