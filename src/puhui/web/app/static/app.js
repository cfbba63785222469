// One tap books once: a form marked "once" disables its buttons after the first submit.
// (The server is the real guard: each form carries its own idempotency key.)
document.querySelectorAll("form.once").forEach(function (form) {
  form.addEventListener("submit", function (event) {
    if (form.dataset.sent) { event.preventDefault(); return; }
    form.dataset.sent = "1";
    var clicked = event.submitter;
    if (clicked && clicked.name) {
      var keep = document.createElement("input");
      keep.type = "hidden"; keep.name = clicked.name; keep.value = clicked.value;
      form.appendChild(keep);
    }
    setTimeout(function () {
      form.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
    }, 0);
  });
});
