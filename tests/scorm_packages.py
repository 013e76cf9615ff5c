"""Small SCORM packages made in memory for tests: good ones whose SCOs really run against the
player's API, and bad ones that the upload must refuse.

Every builder returns the zip's bytes; `save(data, folder, name)` writes them to a file.

The SCO page (`sco_html`) finds `API` (1.2) or `API_1484_11` (2004) by walking up
`window.parent` (then `window.opener`), initializes, and shows two pages:
  - `#page`   the page shown ("Page 1 of 2" / "Page 2 of 2")
  - `#next`   goes to page 2 (bookmark and suspend data are saved and committed)
  - `#finish` (enabled on page 2) reports score 85 of 100 (scaled 0.85), completed (2004: progress
              measure 1) and passed,
              the session time, exit "normal" (1.2: ""), commits and terminates
  - `#status` "Started", "Resumed at page N" (from the bookmark), "Finished", or the API error
  - `#saved`  the suspend data read at launch
Leaving before Finish (the page is hidden or unloaded) saves exit "suspend" and the session
time, commits and terminates, so the next launch resumes at the bookmark. Every API call and
its answer is kept in `window.scoLog` for tests to read.
"""

from __future__ import annotations

import io
import random
import struct
import warnings
import zipfile
from pathlib import Path

NS_12 = ('xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2" '
         'xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2"')
NS_2004 = ('xmlns="http://www.imsglobal.org/xsd/imscp_v1p1" '
           'xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3" '
           'xmlns:adlseq="http://www.adlnet.org/xsd/adlseq_v1p3" '
           'xmlns:adlnav="http://www.adlnet.org/xsd/adlnav_v1p3" '
           'xmlns:imsss="http://www.imsglobal.org/xsd/imsss"')

_SCO_SCRIPT = r"""
(function () {
  var VERSION = "%(version)s";
  var V12 = VERSION === "1.2";
  var NAME = V12 ? "API" : "API_1484_11";
  var startedAt = new Date().getTime();
  var page = 1, finished = false, terminated = false;
  window.scoLog = [];

  function findApi(win) {
    for (var hops = 0; win && hops < 20; hops++) {
      try { if (win[NAME]) { return win[NAME]; } } catch (e) { return null; }
      if (win.parent === win) { break; }
      win = win.parent;
    }
    return null;
  }
  var api = findApi(window) || (window.opener ? findApi(window.opener) : null);

  function status(text) { document.getElementById("status").textContent = text; }
  function call(name, args) {
    var result = api[(V12 ? "LMS" : "") + name].apply(api, args);
    window.scoLog.push([name].concat(args).concat(["=>", String(result)]));
    return result;
  }
  function fail(what) {
    var code = api[V12 ? "LMSGetLastError" : "GetLastError"]();
    status(what + " failed: error " + code + " " + api[V12 ? "LMSGetErrorString" : "GetErrorString"](code));
  }
  function get(element) { return call("GetValue", [element]); }
  function set(element, value) {
    if (call("SetValue", [element, String(value)]) !== "true") { fail("SetValue(" + element + ")"); }
  }
  function commit() { if (call("Commit", [""]) !== "true") { fail("Commit"); } }
  var names = V12
    ? {location: "cmi.core.lesson_location", entry: "cmi.core.entry", exit: "cmi.core.exit",
       session: "cmi.core.session_time", raw: "cmi.core.score.raw", min: "cmi.core.score.min", max: "cmi.core.score.max"}
    : {location: "cmi.location", entry: "cmi.entry", exit: "cmi.exit",
       session: "cmi.session_time", raw: "cmi.score.raw", min: "cmi.score.min", max: "cmi.score.max"};

  function pad(n, width) { n = String(n); while (n.length < width) { n = "0" + n; } return n; }
  function sessionTime() {
    var seconds = Math.floor((new Date().getTime() - startedAt) / 1000);
    var h = Math.floor(seconds / 3600), m = Math.floor(seconds / 60) %% 60, s = seconds %% 60;
    return V12 ? pad(h, 4) + ":" + pad(m, 2) + ":" + pad(s, 2) : "PT" + h + "H" + m + "M" + s + "S";
  }
  function show() {
    document.getElementById("page").textContent = "Page " + page + " of 2";
    document.getElementById("next").disabled = page >= 2;
    document.getElementById("finish").disabled = page < 2;
  }
  function save() {
    set(names.location, page);
    set("cmi.suspend_data", JSON.stringify({page: page, sco: "%(title)s"}));
    commit();
  }
  function terminate() {
    terminated = true;
    if (call(V12 ? "Finish" : "Terminate", [""]) !== "true") { fail(V12 ? "LMSFinish" : "Terminate"); }
  }
  function leave() {
    if (!api || terminated) { return; }
    set(names.exit, "suspend");
    set(names.session, sessionTime());
    commit();
    terminate();
  }

  if (!api) { status("No SCORM API found"); return; }
  if (call("Initialize", [""]) !== "true") { fail(V12 ? "LMSInitialize" : "Initialize"); return; }
  var entry = get(names.entry);
  var bookmark = get(names.location);
  var saved = get("cmi.suspend_data");
  document.body.setAttribute("data-entry", entry);
  document.getElementById("saved").textContent = saved;
  if (bookmark && parseInt(bookmark, 10) >= 1) {
    page = Math.min(2, parseInt(bookmark, 10));
    status("Resumed at page " + page);
  } else {
    status("Started");
    if (V12) { set("cmi.core.lesson_status", "incomplete"); } else { set("cmi.completion_status", "incomplete"); }
    save();
  }
  show();

  document.getElementById("next").addEventListener("click", function () {
    page = 2;
    show();
    save();
  });
  document.getElementById("finish").addEventListener("click", function () {
    finished = true;
    set(names.min, 0);
    set(names.max, 100);
    set(names.raw, 85);
    if (V12) {
      set("cmi.core.lesson_status", "passed");
      set(names.exit, "");
    } else {
      set("cmi.score.scaled", "0.85");
      set("cmi.progress_measure", "1");
      set("cmi.completion_status", "completed");
      set("cmi.success_status", "passed");
      set(names.exit, "normal");
    }
    set(names.session, sessionTime());
    commit();
    terminate();
    document.getElementById("next").disabled = true;
    document.getElementById("finish").disabled = true;
    status("Finished");
  });
  window.addEventListener("pagehide", leave);
  window.addEventListener("beforeunload", leave);
})();
"""


def sco_html(version: str, title: str) -> str:
    """A working SCO page for SCORM `version` ("1.2" or "2004"); see the module docstring."""
    script = _SCO_SCRIPT % {"version": version, "title": title.replace('"', "")}
    return f"""<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>{title}</title><link rel="stylesheet" href="../shared/style.css"></head>
<body>
<h1>{title}</h1>
<p id="status">Loading</p>
<p id="page"></p>
<button id="next" type="button">Next</button>
<button id="finish" type="button" disabled>Finish</button>
<p>Saved: <span id="saved"></span></p>
<script>{script}</script>
</body>
</html>
"""


ASSET_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Glossary</title></head>
<body><h1>Glossary</h1><p id="status">An asset: it never calls the SCORM API.</p></body></html>
"""
STYLE_CSS = "body { font-family: sans-serif; margin: 2rem; }\nbutton { margin-right: 1rem; }\n"


def build_zip(files: dict[str, bytes | str]) -> bytes:
    """A deflated zip holding `files` (name -> content) in that order."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def save(data: bytes, folder: Path, name: str = "package.zip") -> Path:
    """Write a built package into `folder`; gives its path."""
    path = folder / name
    path.write_bytes(data)
    return path


def manifest_12(items: str, resources: str, title: str = "Test course") -> str:
    """An imsmanifest.xml for SCORM 1.2 around the given item and resource elements."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="test.package.12" version="1" {NS_12}>
  <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
  <organizations default="org">
    <organization identifier="org">
      <title>{title}</title>
{items}
    </organization>
  </organizations>
  <resources>
{resources}
  </resources>
</manifest>
"""


# --- good packages ---------------------------------------------------------------------------

def scorm12_single_sco() -> bytes:
    """SCORM 1.2, one SCO: item "item_1" launches "sco/index.html"."""
    manifest = manifest_12(
        '      <item identifier="item_1" identifierref="res_1"><title>Single SCO lesson</title></item>',
        '    <resource identifier="res_1" type="webcontent" adlcp:scormtype="sco" href="sco/index.html">\n'
        '      <file href="sco/index.html"/><file href="shared/style.css"/>\n    </resource>',
        title="Single SCO course")
    return build_zip({"imsmanifest.xml": manifest, "sco/index.html": sco_html("1.2", "Single SCO lesson"),
                      "shared/style.css": STYLE_CSS})


def scorm12_three_scos() -> bytes:
    """SCORM 1.2, three SCOs and an asset, with a cluster:
    item_1 (SCO, sco1/index.html); cluster "module_2" holding item_2 (SCO, sco2/index.html with
    parameters "?chapter=2"), item_3 (SCO, resource with xml:base "sco3/", href index.html) and
    item_4 (asset, shared/glossary.html)."""
    manifest = manifest_12(
        '      <item identifier="item_1" identifierref="res_1"><title>Lesson 1</title></item>\n'
        '      <item identifier="module_2"><title>Module 2</title>\n'
        '        <item identifier="item_2" identifierref="res_2" parameters="?chapter=2"><title>Lesson 2</title></item>\n'
        '        <item identifier="item_3" identifierref="res_3"><title>Lesson 3</title></item>\n'
        '        <item identifier="item_4" identifierref="res_glossary"><title>Glossary</title></item>\n'
        '      </item>',
        '    <resource identifier="res_1" type="webcontent" adlcp:scormtype="sco" href="sco1/index.html">'
        '<file href="sco1/index.html"/><dependency identifierref="res_shared"/></resource>\n'
        '    <resource identifier="res_2" type="webcontent" adlcp:scormtype="sco" href="sco2/index.html">'
        '<file href="sco2/index.html"/><dependency identifierref="res_shared"/></resource>\n'
        '    <resource identifier="res_3" type="webcontent" adlcp:scormtype="sco" xml:base="sco3/" href="index.html">'
        '<file href="index.html"/><dependency identifierref="res_shared"/></resource>\n'
        '    <resource identifier="res_glossary" type="webcontent" adlcp:scormtype="asset" href="shared/glossary.html">'
        '<file href="shared/glossary.html"/></resource>\n'
        '    <resource identifier="res_shared" type="webcontent" adlcp:scormtype="asset">'
        '<file href="shared/style.css"/></resource>',
        title="Three SCO course")
    return build_zip({
        "imsmanifest.xml": manifest,
        "sco1/index.html": sco_html("1.2", "Lesson 1"),
        "sco2/index.html": sco_html("1.2", "Lesson 2"),
        "sco3/index.html": sco_html("1.2", "Lesson 3"),
        "shared/glossary.html": ASSET_HTML,
        "shared/style.css": STYLE_CSS,
    })


def scorm12_with_limits() -> bytes:
    """SCORM 1.2, one SCO ("item_1", sco/index.html) with adlcp:masteryscore 80,
    adlcp:datafromlms "level=2;mode=exam", adlcp:maxtimeallowed 0000:30:00 and
    adlcp:timelimitaction "exit,message"."""
    manifest = manifest_12(
        '      <item identifier="item_1" identifierref="res_1"><title>Timed exam</title>\n'
        '        <adlcp:masteryscore>80</adlcp:masteryscore>\n'
        '        <adlcp:datafromlms>level=2;mode=exam</adlcp:datafromlms>\n'
        '        <adlcp:maxtimeallowed>0000:30:00</adlcp:maxtimeallowed>\n'
        '        <adlcp:timelimitaction>exit,message</adlcp:timelimitaction>\n'
        '      </item>',
        '    <resource identifier="res_1" type="webcontent" adlcp:scormtype="sco" href="sco/index.html">'
        '<file href="sco/index.html"/></resource>',
        title="Timed course")
    return build_zip({"imsmanifest.xml": manifest, "sco/index.html": sco_html("1.2", "Timed exam"),
                      "shared/style.css": STYLE_CSS})


def manifest_2004_sequenced(extra_item_2: str = "") -> str:
    """The manifest of `scorm2004_sequenced`; `extra_item_2` is added to item_2's own sequencing."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="test.package.2004" version="1" {NS_2004}>
  <metadata><schema>ADL SCORM</schema><schemaversion>2004 4th Edition</schemaversion></metadata>
  <organizations default="org">
    <organization identifier="org" adlseq:objectivesGlobalToSystem="false">
      <title>Sequenced course</title>
      <item identifier="item_1" identifierref="res_1">
        <title>Part 1</title>
        <adlcp:completionThreshold completedByMeasure="true" minProgressMeasure="0.75"/>
        <imsss:sequencing IDRef="common_sco"/>
      </item>
      <item identifier="item_2" identifierref="res_2">
        <title>Part 2</title>
        <adlcp:dataFromLMS>part=2</adlcp:dataFromLMS>
        <adlcp:timeLimitAction>continue,no message</adlcp:timeLimitAction>
        <imsss:sequencing IDRef="common_sco">
          <imsss:controlMode choiceExit="false"/>
          <imsss:limitConditions attemptLimit="2" attemptAbsoluteDurationLimit="PT1H30M"/>
          <imsss:objectives>
            <imsss:primaryObjective objectiveID="part2_passed" satisfiedByMeasure="true">
              <imsss:minNormalizedMeasure>0.6</imsss:minNormalizedMeasure>
            </imsss:primaryObjective>
            <imsss:objective objectiveID="part2_extra"/>
          </imsss:objectives>{extra_item_2}
        </imsss:sequencing>
      </item>
      <imsss:sequencing>
        <imsss:controlMode choice="true" flow="true" forwardOnly="true"/>
      </imsss:sequencing>
    </organization>
  </organizations>
  <resources>
    <resource identifier="res_1" type="webcontent" adlcp:scormType="sco" href="part1/index.html">
      <file href="part1/index.html"/>
    </resource>
    <resource identifier="res_2" type="webcontent" adlcp:scormType="sco" href="part2/index.html">
      <file href="part2/index.html"/>
    </resource>
  </resources>
  <imsss:sequencingCollection>
    <imsss:sequencing ID="common_sco">
      <imsss:deliveryControls completionSetByContent="true" objectiveSetByContent="true"/>
      <imsss:objectives>
        <imsss:primaryObjective objectiveID="passed" satisfiedByMeasure="true">
          <imsss:minNormalizedMeasure>0.8</imsss:minNormalizedMeasure>
        </imsss:primaryObjective>
      </imsss:objectives>
    </imsss:sequencing>
  </imsss:sequencingCollection>
</manifest>
"""


def scorm2004_sequenced(extra_item_2: str = "") -> bytes:
    """SCORM 2004 4th edition, two SCOs with imsss sequencing:
    organization control mode choice, flow and forwardOnly; both items share the collection
    entry "common_sco" (completion and objective set by content, primary objective "passed"
    satisfied by measure 0.8).
    item_1 "Part 1" (part1/index.html): completionThreshold completedByMeasure, 0.75.
    item_2 "Part 2" (part2/index.html): choiceExit false, attemptLimit 2, duration limit
    PT1H30M, its own primary objective "part2_passed" at 0.6 plus "part2_extra",
    dataFromLMS "part=2", timeLimitAction "continue,no message"."""
    return build_zip({"imsmanifest.xml": manifest_2004_sequenced(extra_item_2),
                      "part1/index.html": sco_html("2004", "Part 1"),
                      "part2/index.html": sco_html("2004", "Part 2"),
                      "shared/style.css": STYLE_CSS})


def scorm2004_single_sco(schemaversion: str = "2004 3rd Edition", item_sequencing: str = "") -> bytes:
    """SCORM 2004, one SCO ("item_1", sco/index.html), declaring `schemaversion`; the item's
    `imsss:sequencing` element when `item_sequencing` is given."""
    manifest = f"""<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="test.package.2004.single" version="1" {NS_2004}>
  <metadata><schema>ADL SCORM</schema><schemaversion>{schemaversion}</schemaversion></metadata>
  <organizations default="org">
    <organization identifier="org"><title>Single SCO 2004</title>
      <item identifier="item_1" identifierref="res_1"><title>Only part</title>{item_sequencing}</item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="res_1" type="webcontent" adlcp:scormType="sco" href="sco/index.html"><file href="sco/index.html"/></resource>
  </resources>
</manifest>
"""
    return build_zip({"imsmanifest.xml": manifest, "sco/index.html": sco_html("2004", "Only part"),
                      "shared/style.css": STYLE_CSS})


# --- bad packages ------------------------------------------------------------------------------

def with_member(name: str, content: bytes | str = "alert(1)") -> bytes:
    """`scorm12_single_sco` plus one member named `name` (for path tests: "../evil.js", "/etc/x", "C:/x", "a\\b")."""
    buffer = io.BytesIO(scorm12_single_sco())
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.writestr(zipfile.ZipInfo(name), content)
    return buffer.getvalue()


def zip_slip() -> bytes:
    """A good package plus "../evil.js"."""
    return with_member("../evil.js")


def absolute_path() -> bytes:
    """A good package plus "/etc/evil.js"."""
    return with_member("/etc/evil.js")


def _with_mode(name: str, mode: int, content: bytes | str) -> bytes:
    buffer = io.BytesIO(scorm12_single_sco())
    with zipfile.ZipFile(buffer, "a") as archive:
        info = zipfile.ZipInfo(name)
        info.create_system = 3  # Unix: the high 16 bits of external_attr are st_mode
        info.external_attr = mode << 16
        archive.writestr(info, content)
    return buffer.getvalue()


def symlink_entry() -> bytes:
    """A good package plus "sco/link.html", a symbolic link to /etc/passwd."""
    return _with_mode("sco/link.html", 0o120777, "/etc/passwd")


def device_file() -> bytes:
    """A good package plus "sco/tty", a character device."""
    return _with_mode("sco/tty", 0o020666, "")


def zip_bomb(megabytes: int = 20) -> bytes:
    """A good package plus "big.bin": `megabytes` of zeros, compressed about 1000 to 1."""
    buffer = io.BytesIO(scorm12_single_sco())
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("big.bin", "w") as out:
            zeros = b"\0" * (1024 * 1024)
            for _ in range(megabytes):
                out.write(zeros)
    return buffer.getvalue()


def _patch_headers(data: bytes, name: str, *, file_size: int | None = None, set_flags: int = 0) -> bytes:
    """Rewrite the local and central headers of member `name`: its declared uncompressed size
    and/or its general purpose flags (what a hand-made hostile zip would carry)."""
    patched = bytearray(data)
    encoded = name.encode()
    # (signature, flags, uncompressed size, name length, name) offsets of the local and the central header
    for signature, flags_at, size_at, name_length_at, name_at in ((b"PK\x03\x04", 6, 22, 26, 30),
                                                                  (b"PK\x01\x02", 8, 24, 28, 46)):
        start = 0
        while (start := patched.find(signature, start)) >= 0:
            name_length = struct.unpack_from("<H", patched, start + name_length_at)[0]
            if bytes(patched[start + name_at:start + name_at + name_length]) == encoded:
                if file_size is not None:
                    struct.pack_into("<I", patched, start + size_at, file_size)
                flags = struct.unpack_from("<H", patched, start + flags_at)[0]
                struct.pack_into("<H", patched, start + flags_at, flags | set_flags)
            start += 4
    return bytes(patched)


def declared_huge() -> bytes:
    """A good package plus "big.bin" whose headers claim 2.1 GB (more than the 2 GB allowed)."""
    return _patch_headers(with_member("big.bin", b"x" * 100), "big.bin", file_size=int(2.1 * 1024 ** 3))


def lying_size() -> bytes:
    """A good package plus "big.bin": 3 MB of random-looking bytes whose headers claim 1 KB,
    so it passes the checks and must be stopped while unpacking."""
    content = random.Random(7).randbytes(3 * 1024 * 1024)
    return _patch_headers(with_member("big.bin", content), "big.bin", file_size=1024)


def encrypted_entry() -> bytes:
    """A good package whose "sco/index.html" is marked encrypted."""
    return _patch_headers(scorm12_single_sco(), "sco/index.html", set_flags=0x1)


def duplicate_names() -> bytes:
    """A good package holding "sco/index.html" twice."""
    buffer = io.BytesIO(scorm12_single_sco())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate we want
        with zipfile.ZipFile(buffer, "a") as archive:
            archive.writestr("sco/index.html", "<p>second</p>")
    return buffer.getvalue()


def missing_manifest() -> bytes:
    """A zip with a SCO page and no imsmanifest.xml."""
    return build_zip({"sco/index.html": sco_html("1.2", "Orphan")})


def nested_manifest() -> bytes:
    """A package zipped with its folder: "course/imsmanifest.xml" instead of a root manifest."""
    source = zipfile.ZipFile(io.BytesIO(scorm12_single_sco()))
    return build_zip({f"course/{name}": source.read(name) for name in source.namelist()})


def malformed_manifest() -> bytes:
    """A package whose imsmanifest.xml has a mismatched tag ("<title>Broken</item>")."""
    manifest = manifest_12(
        '      <item identifier="item_1" identifierref="res_1"><title>Broken</item>',
        '    <resource identifier="res_1" type="webcontent" adlcp:scormtype="sco" href="sco/index.html"/>')
    return build_zip({"imsmanifest.xml": manifest, "sco/index.html": sco_html("1.2", "Broken")})


def entity_expansion_manifest() -> bytes:
    """A package whose imsmanifest.xml carries the "billion laughs" entity expansion."""
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">' for n in range(1, 10))
    manifest = manifest_12(
        '      <item identifier="item_1" identifierref="res_1"><title>&lol9;</title></item>',
        '    <resource identifier="res_1" type="webcontent" adlcp:scormtype="sco" href="sco/index.html"/>')
    manifest = manifest.replace("<manifest ", f"<!DOCTYPE manifest [{entities}]>\n<manifest ", 1)
    return build_zip({"imsmanifest.xml": manifest, "sco/index.html": sco_html("1.2", "Laughs")})


def missing_launch_file() -> bytes:
    """SCORM 1.2, item_1 and item_2, whose launch file "sco2/index.html" is not in the zip."""
    manifest = manifest_12(
        '      <item identifier="item_1" identifierref="res_1"><title>Lesson 1</title></item>\n'
        '      <item identifier="item_2" identifierref="res_2"><title>Lesson 2</title></item>',
        '    <resource identifier="res_1" type="webcontent" adlcp:scormtype="sco" href="sco1/index.html"/>\n'
        '    <resource identifier="res_2" type="webcontent" adlcp:scormtype="sco" href="sco2/index.html"/>')
    return build_zip({"imsmanifest.xml": manifest, "sco1/index.html": sco_html("1.2", "Lesson 1")})


def unknown_resource() -> bytes:
    """SCORM 1.2 whose item "item_1" refers to resource "res_missing", which the manifest lacks."""
    manifest = manifest_12(
        '      <item identifier="item_1" identifierref="res_missing"><title>Lesson 1</title></item>',
        '    <resource identifier="res_1" type="webcontent" adlcp:scormtype="sco" href="sco/index.html"/>')
    return build_zip({"imsmanifest.xml": manifest, "sco/index.html": sco_html("1.2", "Lesson 1")})


def too_many_files(count: int = 10_001) -> bytes:
    """A good package padded with empty files to `count` members in all."""
    buffer = io.BytesIO(scorm12_single_sco())
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_STORED) as archive:
        for n in range(count - len(archive.infolist())):
            archive.writestr(f"pad/{n}.txt", "")
    return buffer.getvalue()


def overlapping_entries() -> bytes:
    """A good package whose "shared/style.css" entry points at the same data as "sco/index.html"
    (entries sharing one compressed stream multiply a bomb's output)."""
    patched = bytearray(scorm12_single_sco())
    offsets: dict[bytes, int] = {}
    start = 0
    while (start := patched.find(b"PK\x01\x02", start)) >= 0:
        name_length = struct.unpack_from("<H", patched, start + 28)[0]
        offsets[bytes(patched[start + 46:start + 46 + name_length])] = start
        start += 4
    first = struct.unpack_from("<I", patched, offsets[b"sco/index.html"] + 42)[0]
    struct.pack_into("<I", patched, offsets[b"shared/style.css"] + 42, first)
    return bytes(patched)
