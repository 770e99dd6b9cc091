// Household visit form on a phone: a client-generated id (a retried submission is stored once),
// GPS when the phone allows it, and the resident's signature drawn on a canvas.
(function () {
  "use strict";
  var form = document.getElementById("visit-form");
  if (!form) return;
  var field = function (name) { return form.querySelector("input[name=" + name + "]"); };

  var id = field("client_id");
  if (id && !id.value && window.crypto && crypto.randomUUID) id.value = crypto.randomUUID();

  var status = document.getElementById("gps-status");
  if (navigator.geolocation && !field("latitude").value) {
    navigator.geolocation.getCurrentPosition(function (pos) {
      field("latitude").value = pos.coords.latitude.toFixed(6);
      field("longitude").value = pos.coords.longitude.toFixed(6);
      field("accuracy_m").value = String(Math.round(pos.coords.accuracy || 0));
      if (status) status.textContent = "已获取位置（±" + Math.round(pos.coords.accuracy || 0) + "米）";
    }, function () {
      if (status) status.textContent = "未能获取位置，可以不填";
    }, { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 });
  } else if (status) {
    status.textContent = field("latitude").value ? "已获取位置" : "本机不支持定位，可以不填";
  }

  var canvas = document.getElementById("visit-pad");
  var hidden = field("signature");
  var inked = false;
  if (canvas) {
    var ctx = canvas.getContext("2d");
    var drawing = false;
    var last = null;
    var reset = function () {
      ctx.fillStyle = "#fff";
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      ctx.strokeStyle = "#111";
      ctx.lineWidth = 4;
      ctx.lineCap = "round";
      inked = false;
      hidden.value = "";
    };
    var point = function (e) {
      var r = canvas.getBoundingClientRect();
      return { x: (e.clientX - r.left) * (canvas.width / r.width),
               y: (e.clientY - r.top) * (canvas.height / r.height) };
    };
    reset();
    canvas.addEventListener("pointerdown", function (e) {
      drawing = true; last = point(e);
      if (canvas.setPointerCapture) canvas.setPointerCapture(e.pointerId);
      e.preventDefault();
    });
    canvas.addEventListener("pointermove", function (e) {
      if (!drawing) return;
      var p = point(e);
      ctx.beginPath(); ctx.moveTo(last.x, last.y); ctx.lineTo(p.x, p.y); ctx.stroke();
      last = p; inked = true; e.preventDefault();
    });
    ["pointerup", "pointercancel", "pointerleave"].forEach(function (n) {
      canvas.addEventListener(n, function () { drawing = false; });
    });
    var clear = document.getElementById("visit-pad-clear");
    if (clear) clear.addEventListener("click", reset);
  }
  form.addEventListener("submit", function () {
    if (canvas && inked) hidden.value = canvas.toDataURL("image/png");
    var button = form.querySelector("button[type=submit]");
    if (button) setTimeout(function () { button.disabled = true; }, 0);
  });
})();
