// One tap, one case: the form carries a client token, and the button locks after the first tap.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("emergency-form");
  if (!form) return;
  form.addEventListener("submit", function (event) {
    var button = form.querySelector("button[type=submit]");
    if (form.dataset.sent === "1") {
      event.preventDefault();
      return;
    }
    form.dataset.sent = "1";
    if (button) {
      button.setAttribute("aria-disabled", "true");
      button.textContent = button.dataset.busy || button.textContent;
    }
  });
});
