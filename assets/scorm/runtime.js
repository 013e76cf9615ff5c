// The SCORM run-time API of the player page: window.API (SCORM 1.2) and window.API_1484_11
// (SCORM 2004 4th edition). SCORM calls are synchronous, so the attempt's data model lives in
// the page: every call is answered at once from it, and commits reach the server afterwards.
// Element access, types, ranges, vocabularies, error strings and limits all come from the
// spec file /scorm/datamodel.json (the server validates commits with the same file); this
// file holds only what cannot be data: the state machines, array rules and format readers.
(function () {
  "use strict";

  var current = null; // the running session: one SCO at a time

  // --- spec reading ------------------------------------------------------------------------

  var TARGET_REQUEST = /^(adl\.nav\.request_valid\.(?:choice|jump))\.\{target=([^{}\s]+)\}$/;
  var INDEX = /^(0|[1-9][0-9]*)$/;

  // The spec's key of a concrete element name: array indices become "n", the target of a
  // navigation query becomes "{target=}". Returns {key, indices, target}; key is null when
  // the name uses the spec's placeholders itself ("cmi.interactions.n.id").
  function specKey(name) {
    var target = null;
    var targetMatch = TARGET_REQUEST.exec(name);
    if (targetMatch) {
      target = targetMatch[2];
      name = targetMatch[1] + ".{target=}";
    }
    var indices = [];
    var parts = name.split(".");
    if (parts.indexOf("n") !== -1 || (target === null && name.indexOf("{target=") !== -1)) return { key: null, indices: indices, target: target };
    for (var i = 0; i < parts.length; i++) {
      if (INDEX.test(parts[i])) {
        indices.push(parseInt(parts[i], 10));
        parts[i] = "n";
      }
    }
    return { key: parts.join("."), indices: indices, target: target };
  }

  // Every array a concrete name sits in, outermost first, with its index there:
  // "cmi.interactions.2.objectives.0.id" -> cmi.interactions at 2, cmi.interactions.2.objectives at 0.
  function arrayPaths(name) {
    var parts = name.split(".");
    var out = [];
    for (var i = 1; i < parts.length; i++) {
      if (INDEX.test(parts[i])) out.push({ path: parts.slice(0, i).join("."), index: parseInt(parts[i], 10) });
    }
    return out;
  }

  function hasOwn(object, key) {
    return Object.prototype.hasOwnProperty.call(object, key);
  }

  // --- value reading (the declarative rules of the spec's "types") --------------------------

  // A refusal names the rule broken (a key of the spec's limits.error_codes) and why.
  function refused(kind, why) {
    return { kind: kind, why: why };
  }

  var compiled = {};

  // Whether the whole value matches a regex of the spec (Python applies them with fullmatch);
  // the "u" flag makes character classes count code points as Python does.
  function matches(regex, value) {
    if (!hasOwn(compiled, regex)) {
      var whole = "^(?:" + regex + ")$";
      try {
        compiled[regex] = new RegExp(whole, "u");
      } catch (error) {
        compiled[regex] = new RegExp(whole);
      }
    }
    return compiled[regex].test(value);
  }

  // Lengths in code points, as the spec's limits.length_unit says.
  function lengthOf(value) {
    return Array.from(value).length;
  }

  function shown(value) {
    var points = Array.from(value);
    return JSON.stringify(points.length > 60 ? points.slice(0, 60).join("") + "..." : value);
  }

  function checkLength(value, max) {
    var length = lengthOf(value);
    return length > max ? refused("too_long", length + " characters; the limit is " + max) : null;
  }

  function Reader(types) {
    this.types = types || {};
  }

  // Applies one rule of the spec to a value: null when it fits, else a refusal.
  // context.interactionType: the type of the interaction a response belongs to.
  Reader.prototype.check = function (rule, value, label, context) {
    if (rule.ref !== undefined) return this.check(this.types[rule.ref], value, rule.ref, context);
    var description = rule.description || label;
    switch (rule.kind) {
      case "string":
        return checkLength(value, rule.max);
      case "pattern":
        if (rule.max !== undefined) {
          var tooLong = checkLength(value, rule.max);
          if (tooLong) return tooLong;
        }
        return matches(rule.regex, value) ? null : refused("type_mismatch", shown(value) + " is not a valid " + description);
      case "decimal":
      case "integer":
        if (value === "" && rule.blank) return null;
        if (!matches(rule.regex, value)) return refused("type_mismatch", shown(value) + " is not " + (rule.kind === "decimal" ? "a number" : "a whole number"));
        var number = parseFloat(value);
        if (rule.min !== undefined && number < rule.min) return refused("out_of_range", value + " is below " + rule.min);
        if (rule.max !== undefined && number > rule.max) return refused("out_of_range", value + " is above " + rule.max);
        return null;
      case "vocabulary":
        return this.checkVocabulary(rule, value);
      case "localized":
        return this.checkLocalized(rule, value);
      case "interaction_response":
        if (!context.interactionType) return refused("dependency", "the interaction's type must be set first");
        return this.check(rule.formats[context.interactionType], value, context.interactionType + " response", context);
      case "list":
        return this.checkList(rule, value, label, context);
      case "pair":
        return this.checkPair(rule, value, label, context);
      case "range":
        return this.checkRange(rule, value);
      default:
        return refused("type_mismatch", "the spec's rule kind " + rule.kind + " is unknown");
    }
  };

  Reader.prototype.checkVocabulary = function (rule, value) {
    var notWritable = rule.not_writable || [];
    if (rule.values.indexOf(value) !== -1 && notWritable.indexOf(value) === -1) return null;
    if (rule.decimal !== undefined && matches(rule.decimal, value)) return null;
    var allowed = rule.values.filter(function (word) {
      return notWritable.indexOf(word) === -1;
    });
    var choices = allowed.map(function (word) {
      return JSON.stringify(word);
    });
    return refused("type_mismatch", shown(value) + " is not one of " + choices.join(", ") + (rule.decimal !== undefined ? " or a number" : ""));
  };

  // A localized string may start with {lang=xx}; the limit counts the text after it.
  Reader.prototype.checkLocalized = function (rule, value) {
    var text = value;
    if (value.indexOf(rule.lang_start) === 0) {
      var delimiter = new RegExp(rule.lang_regex).exec(value);
      if (!delimiter) return refused("type_mismatch", shown(value) + " has a malformed {lang=...} delimiter");
      text = value.slice(delimiter[0].length);
    }
    return checkLength(text, rule.max);
  };

  // Removes the leading {case_matters=..}/{order_matters=..} delimiters, each at most once.
  function stripFlags(rule, value) {
    var seen = {};
    var flags = rule.flags || [];
    var progress = true;
    while (progress && value.charAt(0) === "{") {
      progress = false;
      for (var i = 0; i < flags.length; i++) {
        var found = new RegExp(flags[i].regex).exec(value);
        if (found && !seen[flags[i].name]) {
          seen[flags[i].name] = true;
          value = value.slice(found[0].length);
          progress = true;
          break;
        }
      }
    }
    return value;
  }

  Reader.prototype.checkList = function (rule, value, label, context) {
    var body = stripFlags(rule, value);
    if (body === "") return rule.min_items === 0 ? null : refused("type_mismatch", shown(value) + ": a " + label + " needs at least one entry");
    var items = rule.separator ? body.split(rule.separator) : [body];
    if (items.length > rule.max_items) return refused("type_mismatch", items.length + " entries; a " + label + " allows " + rule.max_items);
    var seen = {};
    for (var i = 0; i < items.length; i++) {
      var failure = this.check(rule.item, items[i], label, context);
      if (failure) return failure;
      if (rule.unique && seen["$" + items[i]]) return refused("type_mismatch", shown(value) + " repeats an entry");
      seen["$" + items[i]] = true;
    }
    return null;
  };

  // "source[.]target" (matching) or "step[.]answer" (performance, where either may be empty).
  Reader.prototype.checkPair = function (rule, value, label, context) {
    var at = value.indexOf(rule.separator);
    if (at === -1) return refused("type_mismatch", shown(value) + " lacks the " + rule.separator + " separator");
    var left = value.slice(0, at);
    var right = value.slice(at + rule.separator.length);
    if (rule.optional === "either" && left === "" && right === "") return refused("type_mismatch", shown(value) + " has neither a name nor an answer");
    var failure = null;
    if (left !== "" || rule.optional === "none") failure = this.check(rule.left, left, label, context);
    if (!failure && (right !== "" || rule.optional === "none")) failure = this.check(rule.right, right, label, context);
    return failure;
  };

  // "min[:]max" with either bound optional (numeric correct responses).
  Reader.prototype.checkRange = function (rule, value) {
    var at = value.indexOf(rule.separator);
    if (at === -1) {
      if (rule.bare_allowed && matches(rule.regex, value)) return null;
      return refused("type_mismatch", shown(value) + " is not a range min" + rule.separator + "max");
    }
    var low = value.slice(0, at);
    var high = value.slice(at + rule.separator.length);
    var bounds = [low, high];
    for (var i = 0; i < 2; i++) {
      if (bounds[i] !== "" && !matches(rule.regex, bounds[i])) return refused("type_mismatch", shown(bounds[i]) + " is not a number");
    }
    if (low !== "" && high !== "" && parseFloat(low) > parseFloat(high)) return refused("type_mismatch", "the range " + shown(value) + " has its minimum above its maximum");
    return null;
  };

  // --- the session ---------------------------------------------------------------------------

  function Session(options) {
    if (options.version !== "1.2" && options.version !== "2004") throw new Error('LmsScorm.start: version must be "1.2" or "2004"');
    if (!options.spec || !options.spec.elements || !options.spec.errors) throw new Error("LmsScorm.start: the spec section of datamodel.json is missing");
    this.version = options.version;
    this.is2004 = this.version === "2004";
    this.spec = options.spec;
    this.elements = options.spec.elements;
    this.limits = options.spec.limits || {};
    this.reader = new Reader(options.spec.types);
    this.commitUrl = options.commitUrl;
    this.nav = options.nav || {};
    this.onTerminate = options.onTerminate || function () {};
    this.onCommitError = options.onCommitError || function () {};
    this.state = "not initialized"; // -> "running" -> "terminated"; "stopped" once the page left
    this.lastError = { code: "0", diagnostic: "" };
    this.data = {};
    this.setBySco = {}; // names the SCO set in this session
    this.counts = {}; // concrete array path -> number of records
    this.seq = 0;
    this.dirty = false; // values changed since the last POST was sent
    this.finishing = false; // Terminate asked for the final commit
    this.finishSent = false;
    this.inFlight = null; // the POST on its way
    this.timer = null;
    this.again = false;
    this.waiters = [];
    this.lastFailure = null; // why the last POST failed, until one succeeds
    var launch = options.values || {};
    for (var name in launch) {
      if (hasOwn(launch, name) && launch[name] !== null && launch[name] !== undefined) this.store(name, String(launch[name]));
    }
    this.carried = this.writableLaunchValues(launch);
  }

  Session.prototype.store = function (name, value) {
    this.data[name] = value;
    var arrays = arrayPaths(name);
    for (var i = 0; i < arrays.length; i++) {
      var count = this.counts[arrays[i].path] || 0;
      if (arrays[i].index >= count) this.counts[arrays[i].path] = arrays[i].index + 1;
    }
  };

  Session.prototype.errorText = function (code) {
    var text = this.spec.errors[String(code)];
    return text === undefined ? "" : text;
  };

  Session.prototype.succeed = function (answer) {
    this.lastError = { code: "0", diagnostic: "" };
    return answer;
  };

  Session.prototype.fail = function (code, diagnostic, answer) {
    this.lastError = { code: String(code), diagnostic: diagnostic || this.errorText(code) };
    return answer;
  };

  // The codes of the API's state machine and argument rules (the data-model codes are the
  // spec's limits.error_codes).
  var CALL_CODES = {
    "1.2": {
      stopped: "101", initializeTwice: "101", initializeAfterEnd: "101", argument: "201", emptyName: "201",
      terminateBefore: "301", terminateAfter: "301", getBefore: "301", getAfter: "301",
      setBefore: "301", setAfter: "301", commitBefore: "301", commitAfter: "301",
    },
    "2004": {
      stopped: "101", stoppedInitialize: "102", stoppedTerminate: "111", initializeTwice: "103", initializeAfterEnd: "104",
      argument: "201", emptyName: null, terminateBefore: "112", terminateAfter: "113", getBefore: "122", getAfter: "123",
      setBefore: "132", setAfter: "133", commitBefore: "142", commitAfter: "143",
    },
  };

  Session.prototype.callCode = function (condition) {
    var codes = CALL_CODES[this.version];
    return codes[condition] || codes.stopped;
  };

  // A data-model error code by the name of the rule broken (limits.error_codes).
  Session.prototype.ruleCode = function (kind) {
    var codes = this.limits.error_codes || {};
    return codes[kind] || codes.set_failure;
  };

  // Answers "" for an absent argument as for "" (old content calls LMSInitialize()).
  function isEmptyArgument(argument) {
    return argument === undefined || argument === null || argument === "";
  }

  var STOPPED = "The player has left this item; this run-time is closed.";

  // The failure of a call made outside the running state, or null.
  Session.prototype.stateFailure = function (call, label) {
    if (this.state === "stopped") return { code: this.callCode("stopped"), why: STOPPED };
    if (this.state === "not initialized") return { code: this.callCode(call + "Before"), why: label + " was called before " + (this.is2004 ? "Initialize." : "LMSInitialize.") };
    if (this.state === "terminated") return { code: this.callCode(call + "After"), why: label + " was called after " + (this.is2004 ? "Terminate." : "LMSFinish.") };
    return null;
  };

  // --- state machine --------------------------------------------------------------------------

  Session.prototype.initialize = function (argument) {
    var name = this.is2004 ? "Initialize" : "LMSInitialize";
    if (this.state === "stopped") return this.fail(this.callCode("stoppedInitialize"), STOPPED, "false");
    if (!isEmptyArgument(argument)) return this.fail(this.callCode("argument"), name + ' takes "", not ' + JSON.stringify(String(argument)) + ".", "false");
    if (this.state === "running") return this.fail(this.callCode("initializeTwice"), name + " was already called in this session.", "false");
    if (this.state === "terminated") return this.fail(this.callCode("initializeAfterEnd"), "The session has ended (" + (this.is2004 ? "Terminate" : "LMSFinish") + " was called); it cannot start again.", "false");
    this.state = "running";
    return this.succeed("true");
  };

  Session.prototype.terminate = function (argument) {
    var name = this.is2004 ? "Terminate" : "LMSFinish";
    if (this.state === "stopped") return this.fail(this.callCode("stoppedTerminate"), STOPPED, "false");
    if (!isEmptyArgument(argument)) return this.fail(this.callCode("argument"), name + ' takes "", not ' + JSON.stringify(String(argument)) + ".", "false");
    var failure = this.stateFailure("terminate", name);
    if (failure) return this.fail(failure.code, failure.why, "false");
    this.state = "terminated";
    this.finishing = true;
    this.schedule();
    var info = this.navigation();
    var self = this;
    // After the SCO's call has returned: the page may remove the SCO's frame in onTerminate.
    setTimeout(function () {
      self.onTerminate(info);
    }, 0);
    return this.succeed("true");
  };

  // What the SCO asked for when it ended: {navRequest, target, exit}.
  Session.prototype.navigation = function () {
    var exit = this.data[this.is2004 ? "cmi.exit" : "cmi.core.exit"];
    var info = { navRequest: "_none_", target: null, exit: exit === undefined ? "" : exit };
    var request = this.is2004 ? this.data["adl.nav.request"] : undefined;
    if (!request) return info;
    var targeted = /^\{target=(.*)\}(choice|jump)$/.exec(request);
    if (targeted) {
      info.navRequest = targeted[2];
      info.target = targeted[1];
    } else {
      info.navRequest = request;
    }
    return info;
  };

  Session.prototype.commit = function (argument) {
    var name = this.is2004 ? "Commit" : "LMSCommit";
    if (this.state === "stopped") return this.fail(this.callCode("stopped"), STOPPED, "false");
    if (!isEmptyArgument(argument)) return this.fail(this.callCode("argument"), name + ' takes "", not ' + JSON.stringify(String(argument)) + ".", "false");
    var failure = this.stateFailure("commit", name);
    if (failure) return this.fail(failure.code, failure.why, "false");
    this.schedule();
    if (this.lastFailure) return this.fail(this.ruleCode("commit_failure"), "The last commit was not saved: " + this.lastFailure + " It is being sent again.", "false");
    return this.succeed("true");
  };

  // --- element resolution --------------------------------------------------------------------

  // Whether the spec names any element at or under this (n-form) key.
  Session.prototype.isKnownPrefix = function (key) {
    if (hasOwn(this.elements, key)) return true;
    for (var name in this.elements) {
      if (hasOwn(this.elements, name) && name.indexOf(key + ".") === 0) return true;
    }
    return false;
  };

  // Resolves a name for GetValue/SetValue: {element, key, indices, target} or {code, why}.
  Session.prototype.resolve = function (name, forWrite) {
    var parsed = specKey(name);
    var element = parsed.key === null ? undefined : this.elements[parsed.key];
    if (!element) {
      if (parsed.key === null) return { code: this.ruleCode("undefined_element"), why: name + " is not an element name: array indices are numbers and targets are identifiers." };
      var lastDot = parsed.key.lastIndexOf(".");
      var keyword = parsed.key.slice(lastDot + 1);
      var owner = name.slice(0, name.lastIndexOf("."));
      if (lastDot > 0 && /^_(children|count|version)$/.test(keyword) && this.isKnownPrefix(parsed.key.slice(0, lastDot))) {
        if (forWrite) return { code: this.ruleCode("keyword_set"), why: name + " is a keyword: the SCO cannot set it." };
        if (keyword === "_children") return { code: this.ruleCode("no_children"), why: owner + " has no children, so it has no _children." };
        if (keyword === "_count") return { code: this.ruleCode("no_count"), why: owner + " is not an array, so it has no _count." };
      }
      return { code: this.ruleCode("undefined_element"), why: name + " is not an element of the SCORM " + this.version + " data model." };
    }
    if (element.implemented === false) return { code: this.ruleCode("not_implemented"), why: name + " is not implemented by this LMS." };
    parsed.element = element;
    return parsed;
  };

  // Checks the array indices of a concrete name: null, or {code, why}. A write may add the
  // next record of the innermost array; records are added in order.
  Session.prototype.checkIndices = function (name, forWrite) {
    var arrays = arrayPaths(name);
    for (var i = 0; i < arrays.length; i++) {
      var count = this.counts[arrays[i].path] || 0;
      var index = arrays[i].index;
      if (index < count) continue;
      if (forWrite && i === arrays.length - 1 && index === count) continue;
      if (forWrite)
        return { code: this.ruleCode("index_gap"), why: arrays[i].path + " has " + count + " record(s): the next one is index " + count + ", not " + index + "." };
      return { code: this.ruleCode(this.is2004 ? "get_failure" : "undefined_element"), why: arrays[i].path + " has " + count + " record(s): there is no index " + index + "." };
    }
    return null;
  };

  // --- GetValue -------------------------------------------------------------------------------

  Session.prototype.getValue = function (name) {
    var failure = this.stateFailure("get", (this.is2004 ? "GetValue(" : "LMSGetValue(") + JSON.stringify(String(name)) + ")");
    if (failure) return this.fail(failure.code, failure.why, "");
    if (isEmptyArgument(name)) return this.fail(this.ruleCode(this.is2004 ? "get_failure" : "undefined_element"), "GetValue needs the name of a data model element.", "");
    name = String(name);
    var resolved = this.resolve(name, false);
    if (resolved.code) return this.fail(resolved.code, resolved.why, "");
    var element = resolved.element;
    if (element.access === "wo") return this.fail(this.ruleCode("write_only"), name + " is write-only: the SCO can set it but not read it.", "");
    var indexFailure = this.checkIndices(name, false);
    if (indexFailure) return this.fail(indexFailure.code, indexFailure.why, "");
    if (element.keyword === "_children") return this.succeed(element.children);
    if (element.keyword === "_count") return this.succeed(String(this.counts[name.slice(0, name.lastIndexOf("."))] || 0));
    if (element.keyword === "_version") return this.succeed(element.value);
    if (resolved.key.indexOf("adl.nav.request_valid.") === 0) return this.succeed(this.requestValid(resolved.key, resolved.target, element));
    var evaluated = this.is2004 ? this.evaluatedStatus(name) : null;
    if (evaluated !== null) return this.succeed(evaluated);
    if (hasOwn(this.data, name)) return this.succeed(this.data[name]);
    if (element["default"] !== undefined) return this.succeed(element["default"]);
    if (this.is2004) return this.fail(this.ruleCode("not_initialized"), name + " has no value yet: neither the LMS nor the SCO has set it.", "");
    return this.succeed("");
  };

  // SCORM 2004 4th edition: with a completion threshold (a scaled passing score) from the
  // LMS, the status a SCO reads is the one the LMS works out from progress_measure
  // (score.scaled), not what the SCO set; null when that rule does not apply.
  var EVALUATED_STATUS = {
    "cmi.completion_status": { limit: "cmi.completion_threshold", measure: "cmi.progress_measure", reached: "completed", missed: "incomplete" },
    "cmi.success_status": { limit: "cmi.scaled_passing_score", measure: "cmi.score.scaled", reached: "passed", missed: "failed" },
  };

  Session.prototype.evaluatedStatus = function (name) {
    var rule = EVALUATED_STATUS[name];
    if (!rule || !this.data[rule.limit]) return null;
    var measure = this.data[rule.measure];
    if (measure === undefined || measure === "") return "unknown";
    return parseFloat(measure) >= parseFloat(this.data[rule.limit]) ? rule.reached : rule.missed;
  };

  // adl.nav.request_valid.*: what the page said the sequencer allows now.
  Session.prototype.requestValid = function (key, target, element) {
    var request = key.split(".")[3];
    var answer = this.nav[request];
    if (request === "jump" && answer === undefined) answer = this.nav.choice;
    if (target !== null && Array.isArray(answer)) return answer.indexOf(target) === -1 ? "false" : "true";
    if (target === null && typeof answer === "boolean") return answer ? "true" : "false";
    return element["default"] !== undefined ? element["default"] : "unknown";
  };

  // --- SetValue -------------------------------------------------------------------------------

  Session.prototype.setValue = function (name, value) {
    var failure = this.stateFailure("set", (this.is2004 ? "SetValue(" : "LMSSetValue(") + JSON.stringify(String(name)) + ")");
    if (failure) return this.fail(failure.code, failure.why, "false");
    if (isEmptyArgument(name)) return this.fail(CALL_CODES[this.version].emptyName || this.ruleCode("set_failure"), "SetValue needs the name of a data model element.", "false");
    name = String(name);
    value = value === undefined || value === null ? "" : String(value);
    var resolved = this.resolve(name, true);
    if (resolved.code) return this.fail(resolved.code, resolved.why, "false");
    var element = resolved.element;
    if (element.keyword) return this.fail(this.ruleCode("keyword_set"), name + " is a keyword: the SCO cannot set it.", "false");
    if (element.access === "ro") return this.fail(this.ruleCode("read_only"), name + " is read-only: only the LMS sets it.", "false");
    var refusal = this.checkIndices(name, true) || this.checkDependencies(name, resolved) || this.checkValue(name, resolved, value) || this.checkCollections(name, resolved, value);
    if (refusal) return this.fail(refusal.code, refusal.why, "false");
    if (this.data[name] !== value) this.dirty = true;
    this.setBySco[name] = true;
    this.store(name, value);
    return this.succeed("true");
  };

  // The concrete name of a spec pattern with the indices of the element being set.
  function fillIndices(pattern, indices) {
    var next = 0;
    return pattern
      .split(".")
      .map(function (part) {
        return part === "n" ? indices[next++] : part;
      })
      .join(".");
  }

  // What must be set first (2004: an interaction's id before its fields, its type before
  // its responses), from limits.dependencies.
  Session.prototype.checkDependencies = function (name, resolved) {
    var dependencies = this.limits.dependencies || [];
    for (var i = 0; i < dependencies.length; i++) {
      var rule = dependencies[i];
      var pattern = rule.elements;
      var applies = pattern.slice(-1) === "*" ? resolved.key.indexOf(pattern.slice(0, -1)) === 0 : resolved.key === pattern;
      if (!applies || resolved.key === rule.requires) continue;
      var required = fillIndices(rule.requires, resolved.indices);
      if (!this.data[required]) return { code: rule.error || this.ruleCode("dependency"), why: required + " must be set before " + name + " (" + rule.why + ")." };
    }
    return null;
  };

  // The value against the element's type, and suspend_data against its limit.
  Session.prototype.checkValue = function (name, resolved, value) {
    var type = this.spec.types[resolved.element.type];
    var interaction = /^cmi\.interactions\.\d+\./.test(name) ? name.split(".").slice(0, 3).join(".") : null;
    var context = { interactionType: interaction ? this.data[interaction + ".type"] : undefined };
    var refusal = this.reader.check(type, value, resolved.element.type, context);
    if (!refusal && resolved.key === "cmi.suspend_data" && this.limits.suspend_data !== undefined) refusal = checkLength(value, this.limits.suspend_data);
    return refusal ? { code: this.ruleCode(refusal.kind), why: name + ": " + refusal.why + "." } : null;
  };

  // Identifiers that must stay unique or unchanged, and how many correct responses an
  // interaction type takes (limits.unique, limits.immutable, limits.correct_responses_max).
  Session.prototype.checkCollections = function (name, resolved, value) {
    var limits = this.limits;
    var immutable = limits.immutable || [];
    for (var i = 0; i < immutable.length; i++) {
      if (immutable[i].element === resolved.key && hasOwn(this.data, name) && this.data[name] !== value)
        return { code: immutable[i].error, why: name + ": " + immutable[i].why + " (it is " + shown(this.data[name]) + ")." };
    }
    var unique = limits.unique || [];
    for (var u = 0; u < unique.length; u++) {
      var rule = unique[u];
      if (rule.element !== resolved.key) continue;
      if (rule.when_type && rule.when_type.indexOf(this.data["cmi.interactions." + resolved.indices[0] + ".type"]) === -1) continue;
      var within = fillIndices(rule.within, resolved.indices);
      var field = name.slice(within.length).replace(/^\.\d+\./, "");
      for (var n = 0; n < (this.counts[within] || 0); n++) {
        var sibling = within + "." + n + "." + field;
        if (sibling !== name && this.data[sibling] === value)
          return { code: rule.error, why: name + ": " + shown(value) + " is already used in " + within + " (by " + sibling + ")." };
      }
    }
    var maxima = limits.correct_responses_max || {};
    if (resolved.key === "cmi.interactions.n.correct_responses.n.pattern") {
      var interactionType = this.data["cmi.interactions." + resolved.indices[0] + ".type"];
      var max = maxima[interactionType];
      if (typeof max === "number" && resolved.indices[1] >= max)
        return { code: limits.correct_responses_max_error || this.ruleCode("set_failure"), why: "a " + interactionType + " interaction takes " + max + " correct response(s); " + name + " would be one more." };
    }
    return null;
  };

  // --- errors ---------------------------------------------------------------------------------

  Session.prototype.getLastError = function () {
    return this.lastError.code;
  };

  Session.prototype.getErrorString = function (code) {
    return this.errorText(code === undefined || code === null ? "" : String(code));
  };

  Session.prototype.getDiagnostic = function (code) {
    code = code === undefined || code === null ? "" : String(code);
    if (code === "" || code === this.lastError.code) return this.lastError.code === "0" && code === "" ? "" : this.lastError.diagnostic;
    return this.errorText(code);
  };

  // --- commits --------------------------------------------------------------------------------

  // What the server stores: every element the SCO set, and the launch values it could have
  // set itself (a bookmark, suspend_data...) so each commit holds the whole writable state.
  Session.prototype.payload = function () {
    var values = {};
    for (var name in this.data) {
      if (hasOwn(this.data, name) && (this.setBySco[name] || this.carried[name])) values[name] = this.data[name];
    }
    this.seq += 1;
    return JSON.stringify({ values: values, seq: this.seq, finished: this.finishing });
  };

  // Launch values the SCO could have set with the same value (not "not attempted" in 1.2).
  Session.prototype.writableLaunchValues = function (launch) {
    var carried = {};
    for (var name in launch) {
      if (!hasOwn(this.data, name) || !hasOwn(launch, name)) continue;
      var resolved = this.resolve(name, true);
      if (resolved.code || resolved.element.keyword || resolved.element.access === "ro") continue;
      if (!this.checkDependencies(name, resolved) && !this.checkValue(name, resolved, this.data[name])) carried[name] = true;
    }
    return carried;
  };

  // Several commits in a row, or while one is on its way, become one POST.
  Session.prototype.schedule = function () {
    if (this.timer !== null || this.inFlight) {
      this.again = true;
      return;
    }
    var self = this;
    this.timer = setTimeout(function () {
      self.timer = null;
      self.send();
    }, 0);
  };

  Session.prototype.needsSending = function () {
    return this.dirty || (this.finishing && !this.finishSent);
  };

  Session.prototype.send = function () {
    var self = this;
    this.again = false;
    if (!this.needsSending() || !this.commitUrl) return this.settle();
    var body = this.payload();
    var finishing = this.finishing;
    this.dirty = false;
    this.inFlight = fetch(this.commitUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: body,
    })
      .then(function (response) {
        if (response.ok) return null;
        return response
          .json()
          .then(function (answer) {
            return answer && answer.detail ? String(typeof answer.detail === "string" ? answer.detail : JSON.stringify(answer.detail)) : "the server answered " + response.status + ".";
          })
          .catch(function () {
            return "the server answered " + response.status + ".";
          });
      })
      .catch(function () {
        return "the server could not be reached.";
      })
      .then(function (failure) {
        self.inFlight = null;
        if (failure) {
          self.dirty = true; // kept for the next commit or the beacon
          self.lastFailure = failure;
          self.onCommitError(failure);
        } else {
          self.lastFailure = null;
          if (finishing) self.finishSent = true;
        }
        // the SCO committed again meanwhile (Terminate among others): that is a new attempt to send
        if (self.again) self.schedule();
        else self.settle();
      });
    return this.inFlight;
  };

  Session.prototype.settle = function () {
    if (this.inFlight || this.timer !== null) return;
    var waiters = this.waiters;
    this.waiters = [];
    for (var i = 0; i < waiters.length; i++) waiters[i]();
  };

  Session.prototype.flush = function () {
    var self = this;
    return new Promise(function (resolve) {
      self.waiters.push(resolve);
      self.settle();
    });
  };

  // The page is going away (or hidden, which may be the last chance on phones): the beacon
  // outlives the page where a fetch would be cancelled. A POST still on its way may be
  // cancelled with the page, so its data goes again (the server keeps the highest seq).
  Session.prototype.beacon = function () {
    if (!(this.needsSending() || this.inFlight) || !this.commitUrl) return;
    var finishing = this.finishing;
    var queued = navigator.sendBeacon && navigator.sendBeacon(this.commitUrl, new Blob([this.payload()], { type: "application/json" }));
    if (queued) {
      this.dirty = false;
      if (finishing) this.finishSent = true;
    } else {
      // too large for a beacon (browsers cap them near 64 kB): a hidden tab still sends a POST
      this.dirty = true;
      this.schedule();
    }
  };

  // --- the API objects ------------------------------------------------------------------------

  function api12(session) {
    return {
      LMSInitialize: function (argument) { return session.initialize(argument); },
      LMSFinish: function (argument) { return session.terminate(argument); },
      LMSGetValue: function (name) { return session.getValue(name); },
      LMSSetValue: function (name, value) { return session.setValue(name, value); },
      LMSCommit: function (argument) { return session.commit(argument); },
      LMSGetLastError: function () { return session.getLastError(); },
      LMSGetErrorString: function (code) { return session.getErrorString(code); },
      LMSGetDiagnostic: function (code) { return session.getDiagnostic(code); },
    };
  }

  function api2004(session) {
    return {
      version: (session.elements["cmi._version"] || {}).value, // the IEEE 1484.11.2 API version
      Initialize: function (argument) { return session.initialize(argument); },
      Terminate: function (argument) { return session.terminate(argument); },
      GetValue: function (name) { return session.getValue(name); },
      SetValue: function (name, value) { return session.setValue(name, value); },
      Commit: function (argument) { return session.commit(argument); },
      GetLastError: function () { return session.getLastError(); },
      GetErrorString: function (code) { return session.getErrorString(code); },
      GetDiagnostic: function (code) { return session.getDiagnostic(code); },
    };
  }

  function onPageHide() {
    if (current) current.beacon();
  }

  function onVisibilityChange() {
    if (current && document.visibilityState === "hidden") current.beacon();
  }

  window.addEventListener("pagehide", onPageHide);
  document.addEventListener("visibilitychange", onVisibilityChange);

  window.LmsScorm = {
    /** Starts the run-time of one SCO and exposes its API object; see the player page. */
    start: function (options) {
      if (current) window.LmsScorm.stop();
      var session = new Session(options);
      current = session;
      if (session.is2004) window.API_1484_11 = api2004(session);
      else window.API = api12(session);
      return {
        values: function () {
          var copy = {};
          for (var name in session.data) if (hasOwn(session.data, name)) copy[name] = session.data[name];
          return copy;
        },
        flush: function () {
          return session.flush();
        },
      };
    },

    /** Closes the running session: its API object goes away, what is pending is sent. */
    stop: function () {
      var session = current;
      if (!session) return;
      current = null;
      if (session.is2004) delete window.API_1484_11;
      else delete window.API;
      if (session.needsSending()) session.schedule();
      session.state = "stopped";
    },
  };
})();
