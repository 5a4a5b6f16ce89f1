(function () {
  "use strict";
  // Pan and zoom of the process map, by changing the SVG's viewBox: drag to move, wheel or buttons to zoom.
  var box = document.getElementById("map-view");  // the frame (the section is "map")
  var svg = document.getElementById("process-map");
  if (box && svg && svg.viewBox && svg.viewBox.baseVal) {
    var home, view;
    var start = function () {
      var base = svg.viewBox.baseVal;
      home = { x: base.x, y: base.y, w: base.width, h: base.height };
      view = { x: home.x, y: home.y, w: home.w, h: home.h };
    };
    start();
    // The frame takes the map's proportions (a wide map gets no empty band), at most 72% of the window.
    var fit = function () {
      var tall = box.clientWidth * home.h / home.w + 8;
      box.style.minHeight = "240px";
      box.style.height = Math.round(Math.max(240, Math.min(tall, window.innerHeight * 0.72))) + "px";
    };
    fit();
    window.addEventListener("resize", fit);
    var apply = function () { svg.setAttribute("viewBox", [view.x, view.y, view.w, view.h].join(" ")); };
    var zoom = function (factor, cx, cy) {
      var w = Math.min(Math.max(view.w * factor, home.w / 40), home.w * 4);
      var k = w / view.w;
      view.x = cx - (cx - view.x) * k; view.y = cy - (cy - view.y) * k;
      view.w = w; view.h = view.h * k; apply();
    };
    var point = function (ev) {
      var r = svg.getBoundingClientRect();
      var s = Math.max(view.w / r.width, view.h / r.height);
      var ox = (r.width * s - view.w) / 2, oy = (r.height * s - view.h) / 2;
      return { x: view.x - ox + (ev.clientX - r.left) * s, y: view.y - oy + (ev.clientY - r.top) * s, s: s };
    };
    box.addEventListener("wheel", function (ev) {
      ev.preventDefault();
      var p = point(ev);
      zoom(ev.deltaY > 0 ? 1.15 : 1 / 1.15, p.x, p.y);
    }, { passive: false });
    var drag = null;
    box.addEventListener("pointerdown", function (ev) {
      drag = { x: ev.clientX, y: ev.clientY, s: point(ev).s };
      box.classList.add("dragging");
      box.setPointerCapture(ev.pointerId);
    });
    box.addEventListener("pointermove", function (ev) {
      if (!drag) { return; }
      view.x -= (ev.clientX - drag.x) * drag.s; view.y -= (ev.clientY - drag.y) * drag.s;
      drag.x = ev.clientX; drag.y = ev.clientY; apply();
    });
    var stop = function () { drag = null; box.classList.remove("dragging"); };
    box.addEventListener("pointerup", stop);
    box.addEventListener("pointercancel", stop);
    var centre = function () { return { x: view.x + view.w / 2, y: view.y + view.h / 2 }; };
    var reset = function () { view = { x: home.x, y: home.y, w: home.w, h: home.h }; apply(); };
    var bind = function (id, fn) { var b = document.getElementById(id); if (b) { b.addEventListener("click", fn); } };
    bind("zoom-in", function () { var c = centre(); zoom(1 / 1.4, c.x, c.y); });
    bind("zoom-out", function () { var c = centre(); zoom(1.4, c.x, c.y); });
    bind("zoom-reset", reset);
    window.addEventListener("beforeprint", reset);
    // Map detail: show one pre-drawn map (fewer or more paths) and hide the others.
    var levels = document.querySelectorAll("button.map-level");
    Array.prototype.forEach.call(levels, function (button) {
      button.addEventListener("click", function () {
        var layer = document.getElementById("map-level-" + button.getAttribute("data-level"));
        if (!layer) { return; }
        reset();
        Array.prototype.forEach.call(box.querySelectorAll(".map-layer"), function (l) { l.hidden = l !== layer; });
        Array.prototype.forEach.call(levels, function (b) {
          b.classList.toggle("on", b === button);
          b.setAttribute("aria-pressed", b === button ? "true" : "false");
        });
        svg = layer.querySelector("svg");
        start(); fit();
      });
    });
  }
  // "Show N more": reveal the hidden rows of the section's table.
  Array.prototype.forEach.call(document.querySelectorAll("button.show-more"), function (button) {
    button.addEventListener("click", function () {
      var section = document.getElementById(button.getAttribute("data-target"));
      if (!section) { return; }
      Array.prototype.forEach.call(section.querySelectorAll("tr.extra"), function (row) { row.hidden = false; });
      button.hidden = true;
    });
  });
})();
