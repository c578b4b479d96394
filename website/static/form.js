// The complaint form's "use my location" button and focus on errors. Served as a file, not
// inline, so the Content-Security-Policy can refuse every inline script.
// Progressive enhancement: without JavaScript or geolocation the form still works.
(function () {
  var errors = document.getElementById("errors");
  if (errors) errors.focus();
  var button = document.getElementById("locate");
  if (!button || !navigator.geolocation) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    navigator.geolocation.getCurrentPosition(function (pos) {
      document.getElementById("lat").value = pos.coords.latitude.toFixed(6);
      document.getElementById("lon").value = pos.coords.longitude.toFixed(6);
      var located = document.getElementById("located");
      located.textContent = located.dataset.done;
    });
  });
})();
