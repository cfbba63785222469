/* Agent assist: the live call page (WebSocket, same origin; the console cookie signs it in)
   and the playback of a stored call's alerts. No network access beyond this server. */
(function () {
  "use strict";
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }

  var root = document.getElementById("assist-live");
  if (root) {
    var proto = location.protocol === "https:" ? "wss://" : "ws://";
    var ws = new WebSocket(proto + location.host + root.getAttribute("data-ws"));
    var names = { agent: root.getAttribute("data-agent"), customer: root.getAttribute("data-customer") };
    var transcript = document.getElementById("transcript");
    var alerts = document.getElementById("alerts");
    var suggestions = document.getElementById("suggestions");
    var status = document.getElementById("status");
    ws.onopen = function () { root.setAttribute("data-open", "true"); };
    ws.onmessage = function (event) {
      var m = JSON.parse(event.data);
      if (m.type === "turn") {
        var li = el("li", m.segment.speaker);
        li.id = "seg-" + m.segment.seq;
        li.appendChild(el("span", "spk", names[m.segment.speaker] || m.segment.speaker));
        li.appendChild(document.createTextNode(" " + m.segment.text));
        if (m.alerts.length) { li.className += " flagged"; }
        transcript.appendChild(li);
        transcript.scrollTop = transcript.scrollHeight;
        m.alerts.forEach(function (a) {
          var item = el("li", "alert " + a.severity);
          item.appendChild(el("strong", "", a.rule_id + " "));
          item.appendChild(document.createTextNode((a.title[root.getAttribute("data-lang")] || "") + " · "));
          item.appendChild(el("mark", "", a.text));
          item.appendChild(el("div", "note", a.source));
          alerts.insertBefore(item, alerts.firstChild);
        });
        if (m.suggestions.length) {
          suggestions.textContent = "";
          m.suggestions.forEach(function (s) {
            var item = el("li", "suggestion");
            item.appendChild(el("div", "", s.text));
            item.appendChild(el("div", "why", root.getAttribute("data-why") + ": " + s.why.join("; ")));
            suggestions.appendChild(item);
          });
        }
        document.getElementById("stage").textContent = m.stage;
        status.textContent = m.latency_ms.toFixed(0) + " ms";
      } else if (m.type === "ended") {
        status.textContent = root.getAttribute("data-ended") + m.record.score + " (" + m.record.grade + ")";
        root.setAttribute("data-ended-call", m.record.id);
      } else if (m.type === "verified") {
        status.textContent = "✓";
      } else if (m.type === "error") {
        status.textContent = m.code + ": " + m.detail;
      }
    };
    document.getElementById("turn-form").addEventListener("submit", function (event) {
      event.preventDefault();
      var input = document.getElementById("turn-text");
      if (!input.value.trim()) { return; }
      ws.send(JSON.stringify({ type: "turn", speaker: document.getElementById("speaker").value, text: input.value }));
      input.value = "";
    });
    document.getElementById("verified").addEventListener("click", function () {
      ws.send(JSON.stringify({ type: "verified" }));
    });
    document.getElementById("end-call").addEventListener("click", function () {
      ws.send(JSON.stringify({ type: "end" }));
    });
  }

  var next = document.getElementById("alert-next");
  if (next) {
    var flagged = Array.prototype.slice.call(document.querySelectorAll("#transcript li.flagged"));
    var at = -1;
    var show = function (step) {
      if (!flagged.length) { return; }
      if (at >= 0) { flagged[at].classList.remove("playing"); }
      at = (at + step + flagged.length) % flagged.length;
      flagged[at].classList.add("playing");
      flagged[at].scrollIntoView({ block: "center" });
      document.getElementById("alert-pos").textContent = (at + 1) + " / " + flagged.length;
    };
    next.addEventListener("click", function () { show(1); });
    document.getElementById("alert-prev").addEventListener("click", function () { show(-1); });
  }
})();
