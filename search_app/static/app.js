// Telusur: progressive enhancement only — every feature works without this file.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var form = document.getElementById("cari");

  // Ticking a facet value or choosing a ranking applies it at once (dates wait for "Terapkan").
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (!form || field.form !== form) return;
    if (field.type === "checkbox" || field.tagName === "SELECT") {
      if (form.requestSubmit) form.requestSubmit(); else form.submit();
    }
  });

  // On a narrow screen the filter panel starts folded, unless a filter is active.
  var panel = document.querySelector(".facet-panel");
  if (panel && panel.dataset.filters === "0" && window.matchMedia("(max-width: 60rem)").matches) {
    panel.open = false;
  }

  // The answer box arrives after the results: the server renders it (/jawaban), this inserts it above them.
  var slot = document.getElementById("jawaban");
  if (slot && slot.dataset.src && window.fetch && window.DOMParser) {
    fetch(slot.dataset.src, {credentials: "same-origin"}).then(function (reply) {
      return reply.ok ? reply.text() : "";
    }).then(function (html) {
      var box = new DOMParser().parseFromString(html, "text/html").querySelector(".answer-box");
      if (box) slot.appendChild(document.importNode(box, true));
    }).catch(function () { /* no box: the results are already on the page */ });
  }
})();
