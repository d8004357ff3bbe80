// The admin index's analytics: the server renders the numbers, charts included (SVG);
// this asks for them again every data-refresh seconds and when a period is picked, and
// swaps them in place (no reload, no library).
(function () {
  "use strict";
  var box = document.getElementById("analytics");
  if (!box) return;
  var body = box.querySelector(".analytics-body");
  var days = box.dataset.days;
  var seconds = Math.min(parseInt(box.dataset.refresh, 10) || 5, 10);
  var busy = false;

  function refresh() {
    if (busy || document.hidden) return;
    busy = true;
    fetch(box.dataset.url + "?days=" + encodeURIComponent(days), {credentials: "same-origin"})
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.text(); })
      .then(function (html) { body.innerHTML = html; box.dataset.updated = String(Date.now()); })
      .catch(function () { /* the next round tries again */ })
      .then(function () { busy = false; });
  }

  box.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-days]");
    if (!link) return;
    event.preventDefault();
    days = link.dataset.days;
    refresh();
  });
  setInterval(refresh, seconds * 1000);
})();
