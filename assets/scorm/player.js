// The SCORM stage of the course player: asks the server what to run (/scorm/launch), starts
// the run-time (runtime.js: window.API / window.API_1484_11) with the attempt's data model,
// loads the SCO in the frame, and moves between the package's parts on the SCO's navigation
// requests (SCORM 2004 adl.nav.request) or the LMS's own Previous / Next / Exit. When a SCO
// has finished it clicks the player's hidden report button so the page shows the result.
(function () {
  "use strict";

  var spec = null; // datamodel.json, fetched once
  var current = null; // the launch being run: the server's answer
  var session = null; // the run-time session of the SCO on stage
  var leaving = null; // what to do once the SCO on stage has terminated

  function $(id) {
    return document.getElementById(id);
  }

  function report() {
    var button = $("scorm-report");
    if (button) button.click();
  }

  function say(text) {
    var box = $("scorm-message");
    if (box) box.textContent = text || "";
  }

  function loadSpec() {
    if (spec) return Promise.resolve(spec);
    return fetch("/scorm/datamodel.json", { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) throw new Error("The SCORM run-time could not be loaded.");
      return r.json().then(function (json) {
        spec = json;
        return spec;
      });
    });
  }

  function askLaunch(lesson, newAttempt, item) {
    var query = [];
    if (newAttempt) query.push("new=1");
    if (item) query.push("item=" + encodeURIComponent(item));
    return fetch("/scorm/launch/" + lesson + (query.length ? "?" + query.join("&") : ""), { credentials: "same-origin" }).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) throw new Error(body.detail || "The package could not be opened.");
        return body;
      });
    });
  }

  function itemIndex(id) {
    if (!current) return -1;
    for (var i = 0; i < current.items.length; i++) if (current.items[i].id === id) return i;
    return -1;
  }

  function renderControls() {
    var nav = $("scorm-outline");
    var index = itemIndex(current.item);
    if (nav) {
      nav.textContent = "";
      if (current.items.length > 1) {
        var list = document.createElement("ol");
        current.items.forEach(function (item, i) {
          var entry = document.createElement("li");
          var button = document.createElement("button");
          button.type = "button";
          button.textContent = item.title;
          button.setAttribute("data-item", item.id);
          if (i === index) button.setAttribute("aria-current", "step");
          // Forced order (flow without choice): the parts are shown, not chosen.
          button.disabled = i === index || current.nav.choice.indexOf(item.id) < 0;
          button.addEventListener("click", function () {
            leave({ item: item.id });
          });
          entry.appendChild(button);
          list.appendChild(entry);
        });
        nav.appendChild(list);
      }
    }
    var previous = $("scorm-previous");
    var next = $("scorm-next");
    if (previous) previous.disabled = !current.nav.previous;
    if (next) next.disabled = !current.nav["continue"];
    var single = current.items.length < 2;
    if (previous) previous.style.display = single ? "none" : "";
    if (next) next.style.display = single ? "none" : "";
  }

  function showStage(visible) {
    var stage = $("scorm-stage");
    if (stage) stage.setAttribute("data-open", visible ? "true" : "false");
  }

  function start(launch) {
    current = launch;
    say("");
    session = window.LmsScorm.start({
      version: launch.version,
      spec: spec[launch.version],
      values: launch.values,
      commitUrl: launch.commit_url,
      nav: launch.nav,
      onTerminate: terminated,
      onCommitError: function (message) {
        say(message);
      },
    });
    renderControls();
    var frame = $("scorm-frame");
    frame.src = launch.launch_url;
    showStage(true);
  }

  function run(lesson, newAttempt, item) {
    return loadSpec()
      .then(function () {
        return askLaunch(lesson, newAttempt, item);
      })
      .then(start)
      .catch(function (error) {
        showStage(true);
        say(error.message);
      });
  }

  // The SCO has called LMSFinish / Terminate: its data is on its way to the server.
  function terminated(info) {
    var flushing = session ? session.flush() : Promise.resolve();
    session = null;
    var plan = leaving || planFor(info || {});
    leaving = null;
    flushing.then(function () {
      report();
      follow(plan);
    });
  }

  function planFor(info) {
    var index = itemIndex(current.item);
    switch (info.navRequest) {
      case "continue":
        return index + 1 < current.items.length ? { item: current.items[index + 1].id } : { close: true };
      case "previous":
        return index > 0 ? { item: current.items[index - 1].id } : { close: true };
      case "choice":
      case "jump":
        return info.target ? { item: info.target } : { stay: true };
      case "exit":
      case "exitAll":
      case "abandon":
      case "abandonAll":
      case "suspendAll":
        return { close: true };
      default:
        return { stay: true };
    }
  }

  function follow(plan) {
    if (plan.relaunch) {
      unload();
      run(plan.relaunch.lesson, plan.relaunch.newAttempt, null);
    } else if (plan.item) {
      unload();
      run(current.lesson_id, false, plan.item);
    } else if (plan.close) {
      unload();
      showStage(false);
    }
  }

  function unload() {
    var frame = $("scorm-frame");
    if (frame) frame.src = "about:blank";
  }

  // Leave the SCO on stage for `plan`: unloading it lets it terminate itself; one that does
  // not is closed by the run-time after its data is sent.
  function leave(plan) {
    if (!session) {
      follow(plan);
      return;
    }
    leaving = plan;
    unload();
    setTimeout(function () {
      if (leaving !== plan || !session) return; // it terminated itself
      var open = session;
      session = null;
      leaving = null;
      open.flush().then(function () {
        window.LmsScorm.stop();
        report();
        follow(plan);
      });
    }, 400);
  }

  function step(offset) {
    var index = itemIndex(current && current.item);
    var target = current && current.items[index + offset];
    if (target) leave({ item: target.id });
  }

  document.addEventListener("click", function (event) {
    var target = event.target.closest && event.target.closest("#scorm-previous, #scorm-next, #scorm-exit");
    if (!target || !current) return;
    if (target.id === "scorm-exit") leave({ close: true });
    else step(target.id === "scorm-next" ? 1 : -1);
  });

  window.lmsScormPlayer = {
    launch: function (lesson, newAttempt) {
      if (session) leave({ relaunch: { lesson: lesson, newAttempt: newAttempt } });
      else run(lesson, newAttempt, null);
    },
  };
})();
