// Handwritten signature pad for the public signing page: pointer events, no dependencies.
// The drawing is posted as a PNG data URL in the hidden "signature" field.
(function () {
  "use strict";
  var canvas = document.getElementById("sign-pad");
  var form = document.getElementById("sign-form");
  if (!canvas || !form) return;
  var ctx = canvas.getContext("2d");
  var hidden = form.querySelector("input[name=signature]");
  var drawing = false;
  var inked = false;
  var last = null;

  function reset() {
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.strokeStyle = "#111";
    ctx.lineWidth = 4;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    inked = false;
    if (hidden) hidden.value = "";
  }

  function point(e) {
    var r = canvas.getBoundingClientRect();
    return {
      x: (e.clientX - r.left) * (canvas.width / r.width),
      y: (e.clientY - r.top) * (canvas.height / r.height)
    };
  }

  canvas.style.touchAction = "none";
  canvas.addEventListener("pointerdown", function (e) {
    drawing = true;
    last = point(e);
    if (canvas.setPointerCapture) canvas.setPointerCapture(e.pointerId);
    e.preventDefault();
  });
  canvas.addEventListener("pointermove", function (e) {
    if (!drawing) return;
    var p = point(e);
    ctx.beginPath();
    ctx.moveTo(last.x, last.y);
    ctx.lineTo(p.x, p.y);
    ctx.stroke();
    last = p;
    inked = true;
    e.preventDefault();
  });
  ["pointerup", "pointercancel", "pointerleave"].forEach(function (name) {
    canvas.addEventListener(name, function () { drawing = false; });
  });

  var clear = document.getElementById("sign-clear");
  if (clear) clear.addEventListener("click", reset);

  function method() {
    var checked = form.querySelector("input[name=method]:checked");
    return checked ? checked.value : (form.querySelector("[data-method=typed]") ? "typed" : "drawn");
  }
  function showMethod() {
    var m = form.querySelector("input[name=method]") ? method() : null;
    form.querySelectorAll("[data-method]").forEach(function (el) {
      el.hidden = m !== null && el.getAttribute("data-method") !== m;
    });
  }
  form.querySelectorAll("input[name=method]").forEach(function (r) {
    r.addEventListener("change", showMethod);
  });

  form.addEventListener("submit", function () {
    var drawnMode = !form.querySelector("input[name=method]") || method() === "drawn";
    if (hidden) hidden.value = drawnMode && inked ? canvas.toDataURL("image/png") : "";
    var button = document.getElementById("sign-submit");
    if (button) {
      // One submission per tap; the server also keeps exactly one signature.
      setTimeout(function () { button.disabled = true; }, 0);
    }
  });

  reset();
  showMethod();
})();
