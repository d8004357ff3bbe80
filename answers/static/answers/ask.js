// The Ask box: each form[data-ask] streams its answer from /answers/stream (server-sent
// events) into its output, piece by piece, then lists the citations. Without JavaScript
// the form submits to /answers/ and the answer comes back as a page.
(function () {
  "use strict";

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text) node.textContent = text;
    return node;
  }

  function ask(form, event) {
    event.preventDefault();
    var input = form.querySelector("input[name=q]");
    var out = form.parentNode.querySelector("[data-ask-output]");
    var question = input.value.trim();
    if (!question) return;
    if (form._source) form._source.close();
    out.hidden = false;
    out.setAttribute("aria-busy", "true");
    out.textContent = "";
    var text = el("p", "ask-text");
    var meta = el("p", "ask-meta");
    out.appendChild(text);
    out.appendChild(meta);
    var source = new EventSource(form.getAttribute("data-ask") + "?q=" + encodeURIComponent(question));
    form._source = source;
    source.addEventListener("delta", function (e) {
      text.textContent += JSON.parse(e.data).text;
    });
    source.addEventListener("done", function (e) {
      source.close();
      out.setAttribute("aria-busy", "false");
      var answer = JSON.parse(e.data);
      text.textContent = answer.text;
      out.setAttribute("data-mode", answer.mode);
      meta.textContent = [answer.label, answer.note].filter(Boolean).join(" ");
      if (answer.citations.length) {
        var list = el("ol", "ask-citations");
        answer.citations.forEach(function (c) {
          var item = el("li");
          item.value = c.number;
          var link = el("a", "", c.title);
          link.href = c.url;
          item.appendChild(link);
          item.appendChild(el("span", "ask-snippet", " — " + c.snippet));
          list.appendChild(item);
        });
        out.appendChild(list);
      }
    });
    source.addEventListener("error", function (e) {
      source.close();  // EventSource would reconnect and ask again
      out.setAttribute("aria-busy", "false");
      if (out.getAttribute("data-mode")) return;
      var detail = e.data ? JSON.parse(e.data).detail : "The answer could not be loaded (too many questions?). Try again in a minute.";
      meta.textContent = detail;
    });
  }

  document.querySelectorAll("form[data-ask]").forEach(function (form) {
    if (form.hasAttribute("data-ask-bound")) return;  // one script tag per box on the page
    form.setAttribute("data-ask-bound", "");
    form.addEventListener("submit", function (event) { ask(form, event); });
  });
})();
