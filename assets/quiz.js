// The quiz attempt's countdown. The server sets the deadline (and its own clock at that
// moment, so a browser clock that is off does not matter) on #quiz-timer; this script writes
// the time left, turns amber in the last minute, and at zero clicks #quiz-time-up so the
// server (the authority) closes the attempt. If the server says "not yet", it asks again.
(function () {
  "use strict";

  var URGENT_MS = 60 * 1000;
  var RETRY_MS = 3000;
  var seen = ""; // the deadline/server-clock pair the offset was taken for
  var offset = 0; // server clock minus browser clock
  var askedAt = 0;

  function pad(n) {
    return n < 10 ? "0" + n : "" + n;
  }

  function format(ms) {
    var total = Math.max(0, Math.ceil(ms / 1000));
    var h = Math.floor(total / 3600);
    var m = Math.floor((total % 3600) / 60);
    var s = total % 60;
    return (h ? h + ":" + pad(m) : "" + m) + ":" + pad(s);
  }

  function tick() {
    var timer = document.getElementById("quiz-timer");
    if (!timer) {
      seen = "";
      return;
    }
    var deadline = Number(timer.getAttribute("data-deadline")) || 0;
    var serverNow = Number(timer.getAttribute("data-server-now")) || 0;
    if (!deadline) return;
    var key = deadline + "/" + serverNow;
    if (key !== seen) {
      seen = key;
      offset = serverNow ? serverNow - Date.now() : 0;
      askedAt = 0;
    }
    var left = deadline - (Date.now() + offset);
    var text = document.getElementById("quiz-timer-text");
    if (text) text.textContent = format(left);
    var urgent = left <= URGENT_MS;
    timer.setAttribute("data-urgent", urgent ? "true" : "false");
    timer.style.background = urgent ? "var(--amber-4)" : "var(--gray-3)";
    timer.style.color = urgent ? "var(--amber-11)" : "var(--gray-12)";
    if (left <= 0 && Date.now() - askedAt > RETRY_MS) {
      askedAt = Date.now();
      var button = document.getElementById("quiz-time-up");
      if (button) button.click();
    }
  }

  setInterval(tick, 250);
})();
