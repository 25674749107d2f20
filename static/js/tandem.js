// Live SLA timers and the live queue panel. No inline scripts: this file is the page's JS.
(function () {
  "use strict";

  // --- SLA timers: "4 min left", "overdue 12 min", "overdue 3 days" (same rules as
  // org/timefmt.py). The phrases come translated on each element (data-left / data-over);
  // Intl supplies the units and their plural forms in the page's language.
  var lang = document.documentElement.lang || "en";
  function unit(n, name, display) {
    try {
      return new Intl.NumberFormat(lang, { style: "unit", unit: name, unitDisplay: display || "short" }).format(n);
    } catch (e) {
      return n + " " + name;
    }
  }
  function span(minutes) {
    minutes = Math.max(minutes, 1);
    if (minutes < 60) return unit(minutes, "minute");
    if (minutes < 1440) {
      var h = Math.floor(minutes / 60), m = minutes % 60;
      return unit(h, "hour") + (m ? " " + unit(m, "minute") : "");
    }
    return unit(Math.floor(minutes / 1440), "day", "long");
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-deadline]").forEach(function (el) {
      var left = (Date.parse(el.dataset.deadline) - now) / 1000;
      if (isNaN(left)) return;
      var text = left >= 0
        ? (el.dataset.left || "{t}").replace("{t}", span(Math.ceil(left / 60)))
        : (el.dataset.over || "-{t}").replace("{t}", span(Math.floor(-left / 60)));
      if (el.textContent !== text) el.textContent = text;
      el.classList.toggle("overdue", left < 0);
      el.classList.toggle("soon", left >= 0 && left < 120);
    });
  }
  document.addEventListener("DOMContentLoaded", tick);
  document.addEventListener("htmx:afterSwap", tick);
  setInterval(tick, 1000);

  // --- Live panels (hx-trigger="every 15s"): a refresh never replaces what someone is
  // typing. While a field inside the panel has focus or holds a value its user typed or
  // chose, the refresh is skipped; it resumes once the form is sent or emptied.
  function dirty(field) {
    if (field.type === "hidden" || field.type === "submit" || field.type === "button") return false;
    if (field.type === "checkbox" || field.type === "radio") return field.checked !== field.defaultChecked;
    if (field.tagName === "SELECT") {
      var opts = Array.prototype.slice.call(field.options);
      // With no option marked selected in the HTML, the browser shows the first one.
      if (!opts.some(function (o) { return o.defaultSelected; })) return field.selectedIndex > 0;
      return opts.some(function (o) { return o.selected !== o.defaultSelected; });
    }
    return field.value !== field.defaultValue;
  }
  function busy(panel) {
    var active = document.activeElement;
    if (active && active !== document.body && panel.contains(active) && active.matches("input, textarea, select")) {
      return true;
    }
    return Array.prototype.some.call(panel.querySelectorAll("input, textarea, select"), dirty);
  }
  document.addEventListener("htmx:beforeRequest", function (event) {
    var panel = event.detail && event.detail.elt;
    if (!panel || !panel.hasAttribute("data-live-panel")) return;
    var paused = busy(panel);
    panel.classList.toggle("refresh-paused", paused);
    var note = document.querySelector("[data-paused-note]");
    if (note) note.hidden = !paused;
    if (paused) event.preventDefault();
  });

  // --- Irreversible actions: a form with data-confirm asks first.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) event.preventDefault();
  }, true);

  // --- A button with data-print prints the page (no inline onclick: the CSP forbids it).
  document.addEventListener("click", function (event) {
    var button = event.target instanceof Element && event.target.closest("[data-print]");
    if (button) window.print();
  });

  // --- Deal board: drag a card onto another column: the same POST as the buttons; the
  // server decides.
  document.addEventListener("DOMContentLoaded", function () {
    var board = document.getElementById("board"), form = document.getElementById("drop-form");
    if (!board || !form) return;
    var dragged = null;
    board.addEventListener("dragstart", function (e) {
      dragged = e.target.closest(".deal-card");
      if (!dragged) return;
      dragged.classList.add("dragging");
      e.dataTransfer.effectAllowed = "move";
      e.dataTransfer.setData("text/plain", dragged.dataset.deal);
    });
    board.addEventListener("dragend", function () {
      if (dragged) dragged.classList.remove("dragging");
      board.querySelectorAll(".drop-target").forEach(function (c) { c.classList.remove("drop-target"); });
    });
    board.addEventListener("dragover", function (e) {
      var col = e.target.closest(".board-col");
      if (!col || !dragged || col.contains(dragged)) return;
      e.preventDefault();
      col.classList.add("drop-target");
    });
    board.addEventListener("dragleave", function (e) {
      var col = e.target.closest(".board-col");
      if (col && !col.contains(e.relatedTarget)) col.classList.remove("drop-target");
    });
    board.addEventListener("drop", function (e) {
      var col = e.target.closest(".board-col");
      if (!col || !dragged || col.contains(dragged)) return;
      e.preventDefault();
      form.action = dragged.dataset.moveUrl;
      form.elements.stage.value = col.dataset.stage;
      form.submit();
    });
  });
})();
