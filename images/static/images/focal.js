// The image's change page: a click on the preview sets the focal point (0..1 each way).
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  const preview = document.querySelector("[data-focal-target]");
  const x = document.getElementById("id_focal_x");
  const y = document.getElementById("id_focal_y");
  if (!preview || !x || !y) return;
  preview.addEventListener("click", function (event) {
    const box = preview.getBoundingClientRect();
    x.value = ((event.clientX - box.left) / box.width).toFixed(3);
    y.value = ((event.clientY - box.top) / box.height).toFixed(3);
  });
});
