// The course player's reports to the server: time spent while the page is visible, the end
// of a text lesson scrolled into view, and the distinct seconds of a video played. Each
// report clicks a hidden button of the player (its Reflex handler takes the report through
// window.lmsPlayer.take); the server decides what counts.
(function () {
  "use strict";

  var HEARTBEAT_SECONDS = 30; // visible time sent about every 30 s
  var WATCH_SECONDS = 12; // video ranges sent every ~12 s of play, and on pause and end
  var MAX_TICK = 2; // a tick never counts more than this (sleeping laptop, throttled timer)

  var pending = { heartbeat: null, watch: null };
  var lesson = null; // the lesson on screen ("" when none)
  var visible = 0; // visible seconds not yet reported
  var lastTick = Date.now();
  var endObserver = null;
  var endReported = false;
  var fresh = false; // the lesson just arrived: its end is looked for from the next tick
  var video = null;
  var sinceWatch = 0;

  window.lmsPlayer = {
    // Called by the hidden buttons' scripts: hand over (and forget) the report waiting.
    take: function (kind) {
      var report = pending[kind];
      pending[kind] = null;
      return report;
    },
  };

  function click(id) {
    var button = document.getElementById(id);
    if (button) button.click();
  }

  function flushHeartbeat() {
    var seconds = Math.floor(visible);
    if (!lesson || seconds < 1) return;
    visible -= seconds;
    var report = pending.heartbeat;
    if (report && report.lesson === lesson) report.seconds += seconds;
    else pending.heartbeat = { lesson: lesson, seconds: seconds };
    click("lms-report-heartbeat");
  }

  function playedRanges(v) {
    var out = [];
    for (var i = 0; i < v.played.length; i++) out.push([v.played.start(i), v.played.end(i)]);
    return out;
  }

  function flushWatch() {
    if (!video || !lesson || video.played.length === 0) return;
    sinceWatch = 0;
    pending.watch = {
      lesson: lesson,
      ranges: playedRanges(video),
      duration: isFinite(video.duration) ? video.duration : null,
      position: video.currentTime || 0,
    };
    click("lms-report-watch");
  }

  function endInView() {
    var end = document.getElementById("lms-lesson-end");
    if (!end) return false;
    var box = end.getBoundingClientRect();
    return box.top < window.innerHeight && box.bottom >= 0;
  }

  function reportEnd(root) {
    // Checked on every tick too: an observer reports changes only, and one may be missed
    // while the page swaps one lesson for the next.
    if (endReported || !root || root.dataset.kind !== "text" || root.dataset.state === "done" || root.dataset.state === "locked") return;
    if (document.visibilityState !== "visible") return;
    endReported = true;
    click("lms-report-end");
  }

  function watchEnd(root) {
    if (endObserver) { endObserver.disconnect(); endObserver = null; }
    var end = document.getElementById("lms-lesson-end");
    if (!end || root.dataset.kind !== "text" || root.dataset.state === "done" || root.dataset.state === "locked") return;
    endObserver = new IntersectionObserver(function (entries) {
      if (entries.some(function (e) { return e.isIntersecting; })) reportEnd(document.getElementById("lms-player"));
    });
    endObserver.observe(end);
  }

  function attachVideo() {
    var v = document.getElementById("lms-video");
    if (v === video) return;
    video = v;
    sinceWatch = 0;
    if (!v) return;
    var resumeAt = parseFloat(v.dataset.position || "0");
    var resumed = false;
    function resume() {
      if (resumed) return;
      resumed = true;
      // Resume where the learner left off, unless that was the very end.
      if (resumeAt > 0 && (!isFinite(v.duration) || resumeAt < v.duration - 3)) v.currentTime = resumeAt;
    }
    if (v.readyState >= 1) resume(); else v.addEventListener("loadedmetadata", resume);
    v.addEventListener("pause", flushWatch);
    v.addEventListener("ended", flushWatch);
  }

  function checkLesson() {
    // Runs right after the page shows another lesson (or another state of it), before the
    // learner can scroll: a new lesson is read from its top.
    var root = document.getElementById("lms-player");
    var key = root ? root.dataset.lesson || "" : "";
    if (key !== lesson || (root && root.dataset.watchedState !== root.dataset.state)) {
      if (key !== lesson) {
        // Another lesson: its time starts from zero, and it is read from the top.
        visible = 0;
        endReported = false;
        pending.heartbeat = null;
        lesson = key;
        fresh = true;
        if (key) window.scrollTo(0, 0);
      }
      if (root) {
        root.dataset.watchedState = root.dataset.state || "";
        watchEnd(root);
      }
    }
    return root && key ? root : null;
  }

  function tick() {
    var now = Date.now();
    var elapsed = Math.min(Math.max((now - lastTick) / 1000, 0), MAX_TICK);
    lastTick = now;
    var root = checkLesson();
    if (!root) { video = null; return; }
    if (fresh) fresh = false; else if (endInView()) reportEnd(root);
    attachVideo();
    if (document.visibilityState === "visible") {
      visible += elapsed;
      if (visible >= HEARTBEAT_SECONDS) flushHeartbeat();
      if (video && !video.paused && !video.ended) {
        sinceWatch += elapsed;
        if (sinceWatch >= WATCH_SECONDS) flushWatch();
      }
    }
  }

  document.addEventListener("visibilitychange", function () {
    // A hidden tab accrues nothing: report what was counted so far.
    if (document.visibilityState === "hidden") { flushHeartbeat(); flushWatch(); }
    lastTick = Date.now();
  });

  new MutationObserver(checkLesson).observe(document.documentElement, {
    subtree: true, childList: true, attributes: true, attributeFilter: ["data-lesson", "data-state"],
  });
  setInterval(tick, 1000);
})();
