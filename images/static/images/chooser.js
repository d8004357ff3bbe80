// The image chooser of the page editor (django-jsonform). Every `image_id` field of a
// block gets a thumbnail of the chosen image and a "Choose image" button opening a dialog:
// the library with thumbnails, a search by title, and an upload form. The value is set
// the way React expects (native setter + input event), so the editor keeps it.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  // The config element comes after the admin's media in <head>: read it once the page is parsed.
  const config = document.getElementById("images-chooser-config");
  if (!config) return;
  const listUrl = config.dataset.url;
  const uploadUrl = config.dataset.uploadUrl;
  const setValue = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value").set;
  let dialog = null;
  let target = null;

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(function ([key, value]) {
      if (key === "text") node.textContent = value;
      else node.setAttribute(key, value);
    });
    (children || []).forEach(function (child) { node.append(child); });
    return node;
  }

  function choose(input, image) {
    setValue.call(input, image ? String(image.id) : "");
    input.dispatchEvent(new Event("input", { bubbles: true }));
    showChosen(input, image);
  }

  function showChosen(input, image) {
    const box = input.parentElement.parentElement.querySelector(".images-chosen");
    box.textContent = "";
    if (image) {
      box.append(el("img", { src: image.thumbnail, alt: "" }),
        el("span", { text: image.title + " (" + image.width + " × " + image.height + ")" }));
    } else if (input.value) {
      box.append(el("span", { class: "errornote", text: "Image " + input.value + " is not in the library." }));
    }
  }

  function enhance(input) {
    if (input.dataset.imagesChooser) return;
    input.dataset.imagesChooser = "1";
    const chosen = el("div", { class: "images-chosen" });
    const open = el("button", { type: "button", class: "button images-choose", text: "Choose image…" });
    const clear = el("button", { type: "button", class: "button", text: "Clear" });
    open.addEventListener("click", function () { openDialog(input); });
    clear.addEventListener("click", function () { choose(input, null); });
    input.parentElement.after(el("div", {}, [chosen, open, document.createTextNode(" "), clear]));
    if (input.value) {
      fetch(listUrl + "?id=" + encodeURIComponent(input.value), { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (data) { showChosen(input, data.results[0] || null); });
    }
  }

  function load(query, page) {
    const grid = dialog.querySelector(".grid");
    if (page === 1) grid.textContent = "";
    const url = listUrl + "?q=" + encodeURIComponent(query) + "&page=" + page;
    fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (data) {
      data.results.forEach(function (image) {
        const button = el("button", { type: "button", "data-image-id": image.id, title: image.alt }, [
          el("img", { src: image.thumbnail, alt: "", loading: "lazy" }),
          el("span", { text: image.title }),
        ]);
        button.addEventListener("click", function () { choose(target, image); dialog.close(); });
        grid.append(button);
      });
      if (!data.results.length && page === 1) grid.append(el("p", { text: "No image matches." }));
      if (data.has_next) {
        const more = el("button", { type: "button", text: "More…" });
        more.addEventListener("click", function () { more.remove(); load(query, page + 1); });
        grid.append(more);
      }
    });
  }

  function build() {
    dialog = el("dialog", { class: "images-chooser", "aria-label": "Choose an image" });
    const search = el("input", { type: "search", placeholder: "Search by title", "aria-label": "Search images" });
    const close = el("button", { type: "button", class: "button", text: "Close" });
    const form = el("form", { method: "post", enctype: "multipart/form-data" }, [
      el("label", {}, [document.createTextNode("Upload a new image "), el("input", { type: "file", name: "file", accept: "image/*" })]),
      el("input", { name: "title", placeholder: "Title", maxlength: "200", "aria-label": "Title" }),
      el("input", { name: "alt", placeholder: "Alternative text (required)", maxlength: "500", "aria-label": "Alternative text" }),
      el("button", { type: "submit", class: "button default", text: "Upload and choose" }),
      el("p", { class: "errors" }),
    ]);
    dialog.append(el("header", {}, [el("strong", { text: "Media library" }), search, close]), el("div", { class: "grid" }), form);
    let timer = null;
    search.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { load(search.value, 1); }, 200);
    });
    close.addEventListener("click", function () { dialog.close(); });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      const body = new FormData(form);
      const token = document.querySelector("input[name=csrfmiddlewaretoken]").value;
      form.querySelector(".errors").textContent = "Uploading…";
      fetch(uploadUrl, { method: "POST", body: body, credentials: "same-origin", headers: { "X-CSRFToken": token } })
        .then(function (r) { return r.json(); })
        .then(function (data) {
          if (data.errors) {
            form.querySelector(".errors").textContent = data.errors.map(function (e) { return e.msg; }).join(" ");
            return;
          }
          form.reset();
          form.querySelector(".errors").textContent = "";
          choose(target, data.image);
          dialog.close();
        });
    });
    document.body.append(dialog);
  }

  function openDialog(input) {
    if (!dialog) build();
    target = input;
    dialog.querySelector("input[type=search]").value = "";
    load("", 1);
    dialog.showModal();
  }

  function scan(root) {
    root.querySelectorAll('input[name$="§image_id"]').forEach(enhance);
  }

  scan(document);
  new MutationObserver(function () { scan(document); }).observe(document.body, { childList: true, subtree: true });
});
