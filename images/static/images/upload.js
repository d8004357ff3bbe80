// The upload page: drop files (or pick them), then give each its title and alt text.
"use strict";
(function () {
  const form = document.getElementById("images-upload");
  const input = document.getElementById("images-files");
  const drop = form.querySelector(".images-drop");
  const rows = document.getElementById("images-rows");

  function titleOf(name) {
    return name.replace(/\.[^.]+$/, "").replace(/[_-]+/g, " ").trim();
  }

  function render() {
    rows.textContent = "";
    Array.from(input.files).forEach(function (file) {
      const row = document.createElement("div");
      row.className = "images-row";
      const img = document.createElement("img");
      img.className = "images-thumb";
      img.alt = "";
      img.src = URL.createObjectURL(file);
      const title = document.createElement("input");
      title.name = "title";
      title.maxLength = 200;
      title.value = titleOf(file.name);
      title.setAttribute("aria-label", "Title of " + file.name);
      const alt = document.createElement("input");
      alt.name = "alt";
      alt.maxLength = 500;
      alt.required = true;
      alt.placeholder = "Alternative text: what the picture shows";
      alt.setAttribute("aria-label", "Alternative text of " + file.name);
      row.append(img, title, alt);
      rows.append(row);
    });
  }

  input.addEventListener("change", render);
  ["dragenter", "dragover"].forEach(function (name) {
    drop.addEventListener(name, function (event) {
      event.preventDefault();
      drop.classList.add("is-over");
    });
  });
  ["dragleave", "drop"].forEach(function (name) {
    drop.addEventListener(name, function () { drop.classList.remove("is-over"); });
  });
  drop.addEventListener("drop", function (event) {
    event.preventDefault();
    input.files = event.dataTransfer.files;
    render();
  });
})();
