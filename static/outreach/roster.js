// Attendance roster: live count of ticked names, tick all / none, and the roster shown only
// when attendance is taken by roster. Forms marked data-once send one submission per tap.
(function () {
  "use strict";
  document.querySelectorAll("[data-roster]").forEach(function (box) {
    var boxes = box.querySelectorAll("input[type=checkbox]");
    var counter = box.querySelector("[data-present-count]");
    function count() {
      var n = 0;
      boxes.forEach(function (b) { if (b.checked) n += 1; });
      if (counter) counter.textContent = String(n);
    }
    box.addEventListener("change", count);
    box.querySelectorAll("[data-tick]").forEach(function (button) {
      button.addEventListener("click", function () {
        var on = button.getAttribute("data-tick") === "all";
        boxes.forEach(function (b) { b.checked = on; });
        count();
      });
    });
    count();
    var form = box.closest("form");
    var radios = form ? form.querySelectorAll("input[name=attendance_mode], input[name=mode]") : [];
    function toggle() {
      var mode = "roster";
      radios.forEach(function (r) { if (r.checked) mode = r.value; });
      box.hidden = mode !== "roster";
    }
    radios.forEach(function (r) { r.addEventListener("change", toggle); });
    toggle();
  });
  document.querySelectorAll("form[data-once]").forEach(function (form) {
    form.addEventListener("submit", function () {
      var button = form.querySelector("button[type=submit]");
      if (button) setTimeout(function () { button.disabled = true; }, 0);
    });
  });
})();
