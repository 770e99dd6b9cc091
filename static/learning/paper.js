// Countdown from the server's remaining seconds; at zero the paper is handed in automatically.
(function () {
  var box = document.getElementById("timer");
  var form = document.getElementById("paper");
  if (!box || !form) return;
  var end = Date.now() + parseInt(box.dataset.seconds, 10) * 1000;
  var out = document.getElementById("left");
  var sent = false;
  form.addEventListener("submit", function () { sent = true; });
  function tick() {
    var left = Math.max(0, Math.round((end - Date.now()) / 1000));
    var m = Math.floor(left / 60), s = left % 60;
    out.textContent = m + ":" + (s < 10 ? "0" : "") + s;
    if (left <= 60) out.className = "low";
    if (left === 0 && !sent) { sent = true; form.submit(); return; }
    setTimeout(tick, 500);
  }
  tick();
})();
