"""The SCORM run-time API (assets/scorm/runtime.js) called in Chromium: every API function of
SCORM 1.2 (window.API) and SCORM 2004 4th edition (window.API_1484_11), their error codes,
the data-model rules read from assets/scorm/datamodel.json, and the commits sent to the server.

No app server: a small HTTP server serves assets/ and a harness page that starts the run-time
as the player page does, and records the commits."""

from __future__ import annotations

import itertools
import json

import pytest

from tests.e2e.scorm_harness import ASSETS, COMMIT_PATH, CommitServer

pytestmark = pytest.mark.e2e

SPEC = json.loads((ASSETS / "scorm" / "datamodel.json").read_text(encoding="utf-8"))
ATTEMPTS = itertools.count(1)


@pytest.fixture(scope="module")
def commit_server():
    server = CommitServer()
    yield server
    server.close()


@pytest.fixture
def harness(browser, commit_server):
    commit_server.reset()
    context = browser.new_context()
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(commit_server.base_url + "/harness.html")
    page.evaluate("() => window.harness.ready")
    yield Harness(page, commit_server, COMMIT_PATH.format(attempt=next(ATTEMPTS)))
    commit_server.hold.set()
    context.close()


class Harness:
    """Drives the run-time in the page."""

    def __init__(self, page, server: CommitServer, commit_url: str):
        self.page = page
        self.server = server
        self.commit_url = commit_url

    def start(self, version: str, values: dict | None = None, nav: dict | None = None, unimplemented: list | None = None):
        self.page.evaluate(
            "([v, values, nav, unimplemented, url]) => window.harness.start(v, values, nav, unimplemented, url)",
            [version, values or {}, nav or {}, unimplemented or [], self.commit_url],
        )

    def call(self, name: str, *args) -> dict:
        """Calls one API function; returns result, code, text (error string) and diagnostic."""
        return self.page.evaluate("([name, args]) => window.harness.call(name, args)", [name, list(args)])

    def js(self, expression: str, arg=None):
        return self.page.evaluate(expression, arg)

    def flush(self):
        self.page.evaluate("() => window.harness.session.flush()")

    def commits(self) -> list[dict]:
        return self.server.commits_to(self.commit_url)

    def wait_for_commits(self, count: int) -> list[dict]:
        return self.server.wait_for_commits(self.commit_url, count)


def expect(outcome: dict, result: str, code: str) -> None:
    assert (outcome["result"], outcome["code"]) == (result, code), outcome


def expect_error(outcome: dict, version: str, code: str, result: str = "false") -> None:
    """The call failed with `code`, whose string is the spec's, and a diagnostic beyond it."""
    expect(outcome, result, code)
    assert outcome["text"] == SPEC[version]["errors"][code]
    assert outcome["diagnostic"] and outcome["diagnostic"] != outcome["text"]


LAUNCH_12 = {
    "cmi.core.student_id": "17",
    "cmi.core.student_name": "Doe, Jane",
    "cmi.core.lesson_location": "p3",
    "cmi.suspend_data": "state=42",
    "cmi.core.entry": "resume",
    "cmi.core.credit": "credit",
    "cmi.core.lesson_mode": "normal",
    "cmi.core.lesson_status": "not attempted",
    "cmi.core.total_time": "0000:10:00.00",
    "cmi.launch_data": "level=2",
    "cmi.student_data.mastery_score": "80",
}

LAUNCH_2004 = {
    "cmi.learner_id": "17",
    "cmi.learner_name": "Doe, Jane",
    "cmi.entry": "ab-initio",
    "cmi.credit": "credit",
    "cmi.mode": "normal",
    "cmi.total_time": "PT10M",
}


# --- SCORM 1.2 ------------------------------------------------------------------------------


def test_12_initialize_finish_and_state_errors(harness):
    harness.start("1.2", LAUNCH_12)
    expect_error(harness.call("LMSGetValue", "cmi.core.lesson_location"), "1.2", "301", result="")
    expect_error(harness.call("LMSSetValue", "cmi.core.lesson_location", "x"), "1.2", "301")
    expect_error(harness.call("LMSCommit", ""), "1.2", "301")
    expect_error(harness.call("LMSFinish", ""), "1.2", "301")
    expect_error(harness.call("LMSInitialize", "x"), "1.2", "201")
    expect(harness.call("LMSInitialize", ""), "true", "0")
    expect_error(harness.call("LMSInitialize", ""), "1.2", "101")
    expect_error(harness.call("LMSCommit", "x"), "1.2", "201")
    expect_error(harness.call("LMSFinish", "x"), "1.2", "201")
    expect(harness.call("LMSFinish", ""), "true", "0")
    expect_error(harness.call("LMSGetValue", "cmi.core.lesson_location"), "1.2", "301", result="")
    expect_error(harness.call("LMSSetValue", "cmi.core.lesson_location", "x"), "1.2", "301")
    expect_error(harness.call("LMSFinish", ""), "1.2", "301")
    expect_error(harness.call("LMSInitialize", ""), "1.2", "101")


def test_12_get_value_resume_values_and_keywords(harness):
    harness.start("1.2", LAUNCH_12)
    harness.call("LMSInitialize", "")
    for name, value in [
        ("cmi.core.student_id", "17"),
        ("cmi.core.student_name", "Doe, Jane"),
        ("cmi.core.lesson_location", "p3"),
        ("cmi.suspend_data", "state=42"),
        ("cmi.core.entry", "resume"),
        ("cmi.core.total_time", "0000:10:00.00"),
        ("cmi.launch_data", "level=2"),
        ("cmi.student_data.mastery_score", "80"),
        ("cmi.core.lesson_status", "not attempted"),
        ("cmi._version", SPEC["1.2"]["elements"]["cmi._version"]["value"]),
        ("cmi.core._children", SPEC["1.2"]["elements"]["cmi.core._children"]["children"]),
        ("cmi.core.score._children", "raw,min,max"),
        ("cmi.interactions._count", "0"),
        ("cmi.comments", ""),  # never set: 1.2 answers "" without an error
    ]:
        expect(harness.call("LMSGetValue", name), value, "0")
    expect_error(harness.call("LMSGetValue", ""), "1.2", "201", result="")
    expect_error(harness.call("LMSGetValue", "cmi.core.nonsense"), "1.2", "201", result="")
    expect_error(harness.call("LMSGetValue", "cmi.core.exit"), "1.2", "404", result="")
    expect_error(harness.call("LMSGetValue", "cmi.core.session_time"), "1.2", "404", result="")
    expect_error(harness.call("LMSGetValue", "cmi.core.student_id._children"), "1.2", "202", result="")
    expect_error(harness.call("LMSGetValue", "cmi.core._count"), "1.2", "203", result="")
    expect_error(harness.call("LMSGetValue", "cmi.objectives.0.id"), "1.2", "201", result="")


def test_12_set_value_access_types_and_limits(harness):
    harness.start("1.2", LAUNCH_12)
    harness.call("LMSInitialize", "")
    expect_error(harness.call("LMSSetValue", "", "x"), "1.2", "201")
    expect_error(harness.call("LMSSetValue", "cmi.core._children", "x"), "1.2", "402")
    expect_error(harness.call("LMSSetValue", "cmi.interactions._count", "3"), "1.2", "402")
    expect_error(harness.call("LMSSetValue", "cmi._version", "9"), "1.2", "402")
    expect_error(harness.call("LMSSetValue", "cmi.core.student_id", "18"), "1.2", "403")
    expect_error(harness.call("LMSSetValue", "cmi.core.total_time", "0001:00:00"), "1.2", "403")
    expect_error(harness.call("LMSSetValue", "cmi.core.bogus", "1"), "1.2", "201")
    for name, bad in [
        ("cmi.core.score.raw", "abc"),
        ("cmi.core.score.raw", "120"),
        ("cmi.core.score.raw", "-1"),
        ("cmi.core.lesson_status", "not attempted"),
        ("cmi.core.lesson_status", "done"),
        ("cmi.core.exit", "quit"),
        ("cmi.core.session_time", "00:00:60"),
        ("cmi.student_preference.audio", "101"),
        ("cmi.suspend_data", "x" * (SPEC["1.2"]["limits"]["suspend_data"] + 1)),
        ("cmi.core.lesson_location", "x" * 256),
    ]:
        expect_error(harness.call("LMSSetValue", name, bad), "1.2", "405")
    for name, good in [
        ("cmi.core.score.raw", "85.5"),
        ("cmi.core.score.raw", ""),
        ("cmi.core.lesson_status", "passed"),
        ("cmi.core.exit", "suspend"),
        ("cmi.core.session_time", "0000:00:00.00"),
        ("cmi.suspend_data", "x" * SPEC["1.2"]["limits"]["suspend_data"]),
        ("cmi.core.lesson_location", "x" * 255),
    ]:
        expect(harness.call("LMSSetValue", name, good), "true", "0")
    expect(harness.call("LMSGetValue", "cmi.core.lesson_status"), "passed", "0")


def test_12_arrays_are_filled_in_order(harness):
    harness.start("1.2", LAUNCH_12)
    harness.call("LMSInitialize", "")
    expect_error(harness.call("LMSSetValue", "cmi.interactions.1.id", "q2"), "1.2", "201")
    expect(harness.call("LMSSetValue", "cmi.interactions.0.id", "q1"), "true", "0")
    expect(harness.call("LMSSetValue", "cmi.interactions.0.type", "choice"), "true", "0")
    expect(harness.call("LMSSetValue", "cmi.interactions.0.objectives.0.id", "obj1"), "true", "0")
    expect_error(harness.call("LMSSetValue", "cmi.interactions.0.objectives.2.id", "obj3"), "1.2", "201")
    expect(harness.call("LMSSetValue", "cmi.interactions.1.id", "q2"), "true", "0")
    expect(harness.call("LMSGetValue", "cmi.interactions._count"), "2", "0")
    expect(harness.call("LMSGetValue", "cmi.interactions.0.objectives._count"), "1", "0")
    expect_error(harness.call("LMSGetValue", "cmi.interactions.0.id"), "1.2", "404", result="")
    expect_error(harness.call("LMSSetValue", "cmi.interactions.1.result", "maybe"), "1.2", "405")
    expect(harness.call("LMSSetValue", "cmi.objectives.0.id", "obj1"), "true", "0")
    expect(harness.call("LMSSetValue", "cmi.objectives.0.score.raw", "70"), "true", "0")
    expect(harness.call("LMSGetValue", "cmi.objectives.0.id"), "obj1", "0")
    expect(harness.call("LMSGetValue", "cmi.objectives.0.status"), "not attempted", "0")
    expect(harness.call("LMSGetValue", "cmi.objectives._count"), "1", "0")


def test_12_unimplemented_element_answers_401(harness):
    harness.start("1.2", LAUNCH_12, unimplemented=["cmi.comments"])
    harness.call("LMSInitialize", "")
    expect_error(harness.call("LMSGetValue", "cmi.comments"), "1.2", "401", result="")
    expect_error(harness.call("LMSSetValue", "cmi.comments", "hi"), "1.2", "401")


def test_12_error_strings_and_diagnostics(harness):
    harness.start("1.2", LAUNCH_12)
    harness.call("LMSInitialize", "")
    for code, text in SPEC["1.2"]["errors"].items():
        assert harness.call("LMSGetErrorString", code)["result"] == text
    assert harness.call("LMSGetErrorString", "999")["result"] == ""
    outcome = harness.call("LMSSetValue", "cmi.core.score.raw", "120")
    assert "cmi.core.score.raw" in outcome["diagnostic"] and "100" in outcome["diagnostic"]
    assert harness.call("LMSGetDiagnostic", "405")["result"] == outcome["diagnostic"]
    assert harness.call("LMSGetDiagnostic", "201")["result"] == SPEC["1.2"]["errors"]["201"]
    outcome = harness.call("LMSGetLastError")
    assert outcome["result"] == "405"  # the error functions do not reset the last error
    harness.call("LMSGetValue", "cmi.core.student_id")
    assert harness.call("LMSGetLastError")["result"] == "0"
    assert harness.call("LMSGetDiagnostic", "")["result"] == ""


def test_12_finish_sends_final_commit_and_reports_exit(harness):
    harness.start("1.2", LAUNCH_12)
    harness.call("LMSInitialize", "")
    harness.call("LMSSetValue", "cmi.core.lesson_location", "p4")
    harness.call("LMSSetValue", "cmi.core.exit", "suspend")
    harness.call("LMSSetValue", "cmi.core.session_time", "0000:05:00.00")
    expect(harness.call("LMSFinish", ""), "true", "0")
    commits = harness.wait_for_commits(1)
    body = commits[0]["body"]
    assert commits[0]["path"] == harness.commit_url and commits[0]["content_type"].startswith("application/json")
    assert body["finished"] is True and body["seq"] == 1
    # what the SCO set, and the launch values it could have set; nothing read-only
    assert body["values"] == {
        "cmi.core.lesson_location": "p4",
        "cmi.core.exit": "suspend",
        "cmi.core.session_time": "0000:05:00.00",
        "cmi.suspend_data": "state=42",
    }
    harness.page.wait_for_function("() => window.harness.terminated.length === 1")
    assert harness.js("() => window.harness.terminated[0]") == {"navRequest": "_none_", "target": None, "exit": "suspend"}


def test_12_beacon_on_page_hide_sends_uncommitted_values(harness):
    harness.start("1.2", LAUNCH_12)
    harness.call("LMSInitialize", "")
    harness.call("LMSSetValue", "cmi.core.lesson_location", "p9")
    harness.call("LMSSetValue", "cmi.suspend_data", "state=99")
    assert harness.commits() == []  # nothing sent without a commit
    harness.page.goto("about:blank")  # the page goes away: pagehide
    commits = harness.wait_for_commits(1)
    assert commits[0]["path"] == harness.commit_url and commits[0]["content_type"].startswith("application/json")
    assert commits[0]["body"]["values"]["cmi.core.lesson_location"] == "p9"
    assert commits[0]["body"]["values"]["cmi.suspend_data"] == "state=99"
    assert commits[0]["body"]["finished"] is False


# --- SCORM 2004 4th edition -----------------------------------------------------------------


def test_2004_state_machine_codes(harness):
    harness.start("2004", LAUNCH_2004)
    expect_error(harness.call("Terminate", ""), "2004", "112")
    expect_error(harness.call("GetValue", "cmi.location"), "2004", "122", result="")
    expect_error(harness.call("SetValue", "cmi.location", "p1"), "2004", "132")
    expect_error(harness.call("Commit", ""), "2004", "142")
    expect_error(harness.call("Initialize", "x"), "2004", "201")
    expect(harness.call("Initialize", ""), "true", "0")
    expect_error(harness.call("Initialize", ""), "2004", "103")
    expect_error(harness.call("Commit", "x"), "2004", "201")
    expect_error(harness.call("Terminate", "x"), "2004", "201")
    expect(harness.call("Commit", ""), "true", "0")
    expect(harness.call("Terminate", ""), "true", "0")
    expect_error(harness.call("Terminate", ""), "2004", "113")
    expect_error(harness.call("GetValue", "cmi.location"), "2004", "123", result="")
    expect_error(harness.call("SetValue", "cmi.location", "p1"), "2004", "133")
    expect_error(harness.call("Commit", ""), "2004", "143")
    expect_error(harness.call("Initialize", ""), "2004", "104")


def test_2004_calls_after_the_player_stopped_the_session(harness):
    harness.start("2004", LAUNCH_2004)
    harness.js("() => LmsScorm.stop()")
    assert harness.js("() => typeof window.API_1484_11") == "undefined"
    # a SCO that kept the API object
    expect_error(harness.call("Initialize", ""), "2004", "102")
    expect_error(harness.call("Terminate", ""), "2004", "111")
    expect_error(harness.call("GetValue", "cmi.location"), "2004", "101", result="")


def test_2004_get_value(harness):
    harness.start("2004", {**LAUNCH_2004, "cmi.location": "p3", "cmi.suspend_data": "s"})
    harness.call("Initialize", "")
    for name, value in [
        ("cmi.learner_id", "17"),
        ("cmi.location", "p3"),
        ("cmi.suspend_data", "s"),
        ("cmi.entry", "ab-initio"),
        ("cmi.total_time", "PT10M"),
        ("cmi.completion_status", "unknown"),
        ("cmi.success_status", "unknown"),
        ("cmi._version", SPEC["2004"]["elements"]["cmi._version"]["value"]),
        ("cmi.score._children", SPEC["2004"]["elements"]["cmi.score._children"]["children"]),
        ("cmi.interactions._count", "0"),
        ("adl.nav.request", "_none_"),
    ]:
        expect(harness.call("GetValue", name), value, "0")
    assert harness.js("() => window.API_1484_11.version") == SPEC["2004"]["elements"]["cmi._version"]["value"]
    expect_error(harness.call("GetValue", ""), "2004", "301", result="")
    expect_error(harness.call("GetValue", "cmi.nonsense"), "2004", "401", result="")
    expect_error(harness.call("GetValue", "cmi.score.raw"), "2004", "403", result="")
    expect_error(harness.call("GetValue", "cmi.launch_data"), "2004", "403", result="")
    expect_error(harness.call("GetValue", "cmi.exit"), "2004", "405", result="")
    expect_error(harness.call("GetValue", "cmi.session_time"), "2004", "405", result="")
    expect_error(harness.call("GetValue", "cmi.location._children"), "2004", "301", result="")
    expect_error(harness.call("GetValue", "cmi.location._count"), "2004", "301", result="")
    expect_error(harness.call("GetValue", "cmi.interactions.0.id"), "2004", "301", result="")


def test_2004_new_attempt_location_not_initialized_then_set(harness):
    harness.start("2004", LAUNCH_2004)
    harness.call("Initialize", "")
    expect_error(harness.call("GetValue", "cmi.location"), "2004", "403", result="")
    expect(harness.call("SetValue", "cmi.location", "p2"), "true", "0")
    expect(harness.call("GetValue", "cmi.location"), "p2", "0")


def test_2004_unimplemented_element_answers_402(harness):
    harness.start("2004", LAUNCH_2004, unimplemented=["cmi.learner_preference.language"])
    harness.call("Initialize", "")
    expect_error(harness.call("GetValue", "cmi.learner_preference.language"), "2004", "402", result="")
    expect_error(harness.call("SetValue", "cmi.learner_preference.language", "en"), "2004", "402")


def test_2004_set_value_access_types_and_limits(harness):
    harness.start("2004", LAUNCH_2004)
    harness.call("Initialize", "")
    suspend_limit = SPEC["2004"]["limits"]["suspend_data"]
    expect_error(harness.call("SetValue", "", "x"), "2004", "351")
    expect_error(harness.call("SetValue", "cmi.nonsense", "x"), "2004", "401")
    expect_error(harness.call("SetValue", "cmi.learner_id", "18"), "2004", "404")
    expect_error(harness.call("SetValue", "cmi.total_time", "PT1H"), "2004", "404")
    expect_error(harness.call("SetValue", "cmi.score._children", "x"), "2004", "404")
    expect_error(harness.call("SetValue", "cmi.interactions._count", "1"), "2004", "404")
    for name, bad in [
        ("cmi.score.scaled", "abc"),
        ("cmi.exit", "quit"),
        ("cmi.completion_status", "done"),
        ("cmi.session_time", "P1DT"),
        ("cmi.session_time", "00:10:00"),
        ("cmi.comments_from_learner.0.comment", "{lang=}hello"),
        ("cmi.learner_preference.audio_captioning", "2"),
    ]:
        expect_error(harness.call("SetValue", name, bad), "2004", "406")
    for name, bad in [
        ("cmi.score.scaled", "1.5"),
        ("cmi.score.scaled", "-1.01"),
        ("cmi.progress_measure", "2"),
        ("cmi.learner_preference.audio_level", "-1"),
    ]:
        expect_error(harness.call("SetValue", name, bad), "2004", "407")
    expect_error(harness.call("SetValue", "cmi.suspend_data", "x" * (suspend_limit + 1)), "2004", SPEC["2004"]["limits"]["error_codes"]["too_long"])
    for name, good in [
        ("cmi.score.scaled", "-1"),
        ("cmi.score.scaled", "0.85"),
        ("cmi.session_time", "PT1H30M5.5S"),
        ("cmi.exit", "suspend"),
        ("cmi.comments_from_learner.0.comment", "{lang=en}hello"),
        ("cmi.comments_from_learner.0.timestamp", "2026-11-27T10:00:00.5+01:00"),
        ("cmi.suspend_data", "x" * suspend_limit),
        ("cmi.completion_status", "completed"),
    ]:
        expect(harness.call("SetValue", name, good), "true", "0")
    expect(harness.call("GetValue", "cmi.completion_status"), "completed", "0")
    expect(harness.call("GetValue", "cmi.comments_from_learner._count"), "1", "0")


def test_2004_interactions_order_dependencies_and_responses(harness):
    harness.start("2004", LAUNCH_2004)
    harness.call("Initialize", "")
    expect_error(harness.call("SetValue", "cmi.interactions.0.type", "true-false"), "2004", "408")
    expect_error(harness.call("SetValue", "cmi.interactions.1.id", "q2"), "2004", "351")
    expect(harness.call("SetValue", "cmi.interactions.0.id", "q1"), "true", "0")
    expect_error(harness.call("SetValue", "cmi.interactions.0.learner_response", "true"), "2004", "408")
    expect_error(harness.call("SetValue", "cmi.interactions.0.correct_responses.0.pattern", "true"), "2004", "408")
    expect(harness.call("SetValue", "cmi.interactions.0.type", "true-false"), "true", "0")
    expect_error(harness.call("SetValue", "cmi.interactions.0.learner_response", "maybe"), "2004", "406")
    expect(harness.call("SetValue", "cmi.interactions.0.learner_response", "false"), "true", "0")
    expect(harness.call("SetValue", "cmi.interactions.0.correct_responses.0.pattern", "true"), "true", "0")
    # a true-false interaction takes one correct response
    expect_error(harness.call("SetValue", "cmi.interactions.0.correct_responses.1.pattern", "false"), "2004", "351")
    expect(harness.call("SetValue", "cmi.interactions.0.result", "incorrect"), "true", "0")
    expect(harness.call("SetValue", "cmi.interactions.0.latency", "PT12S"), "true", "0")
    expect(harness.call("GetValue", "cmi.interactions.0.learner_response"), "false", "0")
    expect(harness.call("GetValue", "cmi.interactions.0.correct_responses._count"), "1", "0")
    expect_error(harness.call("GetValue", "cmi.interactions.0.description"), "2004", "403", result="")
    # interaction ids need not be unique
    expect(harness.call("SetValue", "cmi.interactions.1.id", "q1"), "true", "0")
    expect(harness.call("SetValue", "cmi.interactions.1.type", "choice"), "true", "0")
    expect(harness.call("SetValue", "cmi.interactions.1.learner_response", "a[,]c"), "true", "0")
    expect_error(harness.call("SetValue", "cmi.interactions.1.learner_response", "a[,]a"), "2004", "406")
    expect(harness.call("SetValue", "cmi.interactions.1.correct_responses.0.pattern", "a[,]b"), "true", "0")
    expect_error(harness.call("SetValue", "cmi.interactions.1.correct_responses.1.pattern", "a[,]b"), "2004", "351")
    expect(harness.call("SetValue", "cmi.interactions.1.objectives.0.id", "obj1"), "true", "0")
    expect_error(harness.call("SetValue", "cmi.interactions.1.objectives.1.id", "obj1"), "2004", "351")
    expect_error(harness.call("SetValue", "cmi.interactions.1.objectives.2.id", "obj3"), "2004", "351")
    expect(harness.call("SetValue", "cmi.interactions.2.id", "q3"), "true", "0")
    for interaction_type, correct, learner, bad_learner in [
        ("numeric", "1[:]5", "3.5", "three"),
        ("matching", "a[.]x[,]b[.]y", "a[.]x", "a-x"),
        ("sequencing", "s1[,]s2[,]s3", "s2[,]s1", ""),
        ("fill-in", "{case_matters=true}{lang=en}Paris", "Paris", "{lang=}Paris"),
        ("performance", "{order_matters=false}step1[.]42[,]step2[.]", "step1[.]42", "[.]"),
        ("likert", "agree", "agree", "strongly agree"),
        ("long-fill-in", "{case_matters=false}An essay", "An essay", "{lang=}x"),
        ("other", "anything", "anything at all", "x" * 4001),
    ]:
        harness.call("SetValue", "cmi.interactions.2.id", "q3")
        expect(harness.call("SetValue", "cmi.interactions.2.type", interaction_type), "true", "0")
        expect(harness.call("SetValue", "cmi.interactions.2.learner_response", learner), "true", "0")
        assert harness.call("SetValue", "cmi.interactions.2.learner_response", bad_learner)["code"] in ("406", "351"), interaction_type
        expect(harness.call("SetValue", "cmi.interactions.2.correct_responses.0.pattern", correct), "true", "0")
    expect(harness.call("GetValue", "cmi.interactions._count"), "3", "0")


def test_2004_objectives_ids_unique_and_fixed(harness):
    harness.start("2004", LAUNCH_2004)
    harness.call("Initialize", "")
    expect_error(harness.call("SetValue", "cmi.objectives.0.score.raw", "5"), "2004", "408")
    expect(harness.call("SetValue", "cmi.objectives.0.id", "obj1"), "true", "0")
    expect(harness.call("SetValue", "cmi.objectives.0.score.scaled", "0.5"), "true", "0")
    expect_error(harness.call("SetValue", "cmi.objectives.0.score.scaled", "5"), "2004", "407")
    expect_error(harness.call("SetValue", "cmi.objectives.1.id", "obj1"), "2004", "351")
    expect_error(harness.call("SetValue", "cmi.objectives.0.id", "obj9"), "2004", "351")
    expect(harness.call("SetValue", "cmi.objectives.0.id", "obj1"), "true", "0")
    expect(harness.call("SetValue", "cmi.objectives.1.id", "obj2"), "true", "0")
    expect(harness.call("GetValue", "cmi.objectives.1.success_status"), "unknown", "0")
    expect_error(harness.call("GetValue", "cmi.objectives.1.description"), "2004", "403", result="")
    expect(harness.call("GetValue", "cmi.objectives._count"), "2", "0")
    expect(harness.call("GetValue", "cmi.objectives.0.score._children"), "scaled,raw,min,max", "0")


def test_2004_resumed_arrays_continue_at_their_count(harness):
    stored = {"cmi.objectives.0.id": "obj1", "cmi.objectives.0.success_status": "passed", "cmi.interactions.0.id": "q1", "cmi.interactions.0.type": "choice"}
    harness.start("2004", {**LAUNCH_2004, "cmi.entry": "resume", **stored})
    harness.call("Initialize", "")
    expect(harness.call("GetValue", "cmi.entry"), "resume", "0")
    expect(harness.call("GetValue", "cmi.objectives._count"), "1", "0")
    expect(harness.call("GetValue", "cmi.objectives.0.success_status"), "passed", "0")
    expect_error(harness.call("SetValue", "cmi.objectives.1.id", "obj1"), "2004", "351")
    expect_error(harness.call("SetValue", "cmi.interactions.2.id", "q3"), "2004", "351")
    expect(harness.call("SetValue", "cmi.interactions.1.id", "q2"), "true", "0")
    expect(harness.call("SetValue", "cmi.interactions.0.learner_response", "a"), "true", "0")


def test_2004_navigation_requests(harness):
    harness.start("2004", LAUNCH_2004, nav={"continue": True, "previous": False, "choice": ["item_b"]})
    harness.call("Initialize", "")
    expect(harness.call("GetValue", "adl.nav.request_valid.continue"), "true", "0")
    expect(harness.call("GetValue", "adl.nav.request_valid.previous"), "false", "0")
    expect(harness.call("GetValue", "adl.nav.request_valid.choice.{target=item_b}"), "true", "0")
    expect(harness.call("GetValue", "adl.nav.request_valid.choice.{target=item_z}"), "false", "0")
    expect_error(harness.call("SetValue", "adl.nav.request_valid.continue", "true"), "2004", "404")
    expect_error(harness.call("SetValue", "adl.nav.request", "forward"), "2004", "406")
    for request in ["continue", "previous", "exit", "exitAll", "abandon", "abandonAll", "suspendAll", "_none_", "{target=item_b}jump"]:
        expect(harness.call("SetValue", "adl.nav.request", request), "true", "0")
    expect(harness.call("SetValue", "adl.nav.request", "{target=item_b}choice"), "true", "0")
    expect(harness.call("GetValue", "adl.nav.request"), "{target=item_b}choice", "0")
    harness.call("SetValue", "cmi.exit", "suspend")
    expect(harness.call("Terminate", ""), "true", "0")
    harness.page.wait_for_function("() => window.harness.terminated.length === 1")
    assert harness.js("() => window.harness.terminated[0]") == {"navRequest": "choice", "target": "item_b", "exit": "suspend"}


def test_2004_error_strings_and_diagnostics(harness):
    harness.start("2004", LAUNCH_2004)
    harness.call("Initialize", "")
    for code, text in SPEC["2004"]["errors"].items():
        assert harness.call("GetErrorString", code)["result"] == text
    assert harness.call("GetErrorString", "")["result"] == ""
    outcome = harness.call("SetValue", "cmi.interactions.0.type", "choice")
    assert "cmi.interactions.0.id" in outcome["diagnostic"]
    assert harness.call("GetDiagnostic", "408")["result"] == outcome["diagnostic"]
    assert harness.call("GetLastError")["result"] == "408"


# --- commits --------------------------------------------------------------------------------


def test_commits_are_batched_while_one_is_in_flight(harness):
    harness.start("2004", {**LAUNCH_2004, "cmi.location": "p1"})
    harness.call("Initialize", "")
    harness.call("SetValue", "cmi.score.scaled", "0.5")
    harness.server.hold.clear()  # the server keeps the first commit waiting
    for _ in range(3):
        expect(harness.call("Commit", ""), "true", "0")  # answered at once
    first = harness.wait_for_commits(1)[0]
    assert first["path"] == harness.commit_url and first["content_type"].startswith("application/json")
    assert first["body"] == {"values": {"cmi.location": "p1", "cmi.score.scaled": "0.5"}, "seq": 1, "finished": False}
    harness.call("SetValue", "cmi.score.scaled", "0.7")
    harness.call("Commit", "")
    harness.call("SetValue", "cmi.location", "p2")
    harness.call("Commit", "")
    harness.page.wait_for_timeout(200)
    assert len(harness.commits()) == 1  # the later commits wait for the one in flight
    harness.server.hold.set()
    harness.flush()
    commits = harness.wait_for_commits(2)
    assert len(commits) == 2
    assert commits[1]["body"] == {"values": {"cmi.location": "p2", "cmi.score.scaled": "0.7"}, "seq": 2, "finished": False}
    expect(harness.call("Commit", ""), "true", "0")  # nothing new: nothing sent
    harness.flush()
    assert len(harness.commits()) == 2
    harness.call("Terminate", "")
    harness.flush()
    commits = harness.wait_for_commits(3)
    assert commits[2]["body"]["finished"] is True and commits[2]["body"]["seq"] == 3
    assert harness.js("() => window.harness.session.values()")["cmi.learner_id"] == "17"


def test_refused_commit_reports_the_servers_reason(harness):
    harness.start("2004", LAUNCH_2004)
    harness.call("Initialize", "")
    harness.server.status = 400
    harness.server.answer = {"detail": "cmi.score.raw: the attempt is closed"}
    harness.call("SetValue", "cmi.score.raw", "5")
    expect(harness.call("Commit", ""), "true", "0")
    harness.flush()
    assert harness.js("() => window.harness.commitErrors") == ["cmi.score.raw: the attempt is closed"]
    harness.server.status = 200
    harness.server.answer = {"ok": True}
    outcome = harness.call("Commit", "")
    expect_error(outcome, "2004", "391")
    assert "the attempt is closed" in outcome["diagnostic"]
    harness.flush()
    commits = harness.wait_for_commits(2)
    assert commits[1]["body"]["values"]["cmi.score.raw"] == "5"  # sent again
    expect(harness.call("Commit", ""), "true", "0")


def test_pagehide_and_hidden_tab_send_a_beacon_only_when_something_is_pending(harness):
    harness.start("2004", LAUNCH_2004)
    harness.call("Initialize", "")
    harness.js("() => window.dispatchEvent(new PageTransitionEvent('pagehide', {persisted: true}))")
    harness.page.wait_for_timeout(200)
    assert harness.commits() == []  # nothing set yet: nothing to send
    harness.call("SetValue", "cmi.location", "p5")
    harness.js("() => window.dispatchEvent(new PageTransitionEvent('pagehide', {persisted: true}))")
    commits = harness.wait_for_commits(1)
    assert commits[0]["body"] == {"values": {"cmi.location": "p5"}, "seq": 1, "finished": False}
    harness.call("SetValue", "cmi.suspend_data", "s1")
    harness.js(
        """() => {
            Object.defineProperty(document, 'visibilityState', {configurable: true, get: () => 'hidden'});
            document.dispatchEvent(new Event('visibilitychange'));
        }"""
    )
    commits = harness.wait_for_commits(2)
    assert commits[1]["body"] == {"values": {"cmi.location": "p5", "cmi.suspend_data": "s1"}, "seq": 2, "finished": False}
    harness.page.wait_for_timeout(200)
    assert len(harness.commits()) == 2


@pytest.mark.parametrize(
    ("version", "name", "code"),
    [
        ("1.2", "cmi.objectives.n.id", "201"),
        ("1.2", "cmi.objectives.00.id", "201"),
        ("2004", "cmi.interactions.n.id", "401"),
        ("2004", "cmi.objectives.01.id", "401"),
        ("2004", "adl.nav.request_valid.choice.{target=}", "401"),
    ],
)
def test_placeholders_and_padded_indices_are_not_element_names(harness, version, name, code):
    harness.start(version, LAUNCH_12 if version == "1.2" else LAUNCH_2004)
    harness.call("LMSInitialize" if version == "1.2" else "Initialize", "")
    expect_error(harness.call("LMSGetValue" if version == "1.2" else "GetValue", name), version, code, result="")
    expect_error(harness.call("LMSSetValue" if version == "1.2" else "SetValue", name, "x"), version, code)


# --- the run-time and the server validator read the spec alike -------------------------------

SAMPLE_VALUES = ["", "x", "a b", "1", "-5", "0.5", "150", "true", "passed", "completed", "suspend", "PT1S",
                 "0000:00:01", "12:30:00", "2026-11-27T10:00:00", "{lang=en}hi", "{lang=}hi", "a[,]b", "a[.]b", "1[:]5"]
RESPONSE_SAMPLES = SAMPLE_VALUES + ["a[,]a", "[.]", "{case_matters=true}x", "{order_matters=false}a[.]b", "5[:]1", "x" * 251]


def _concrete(name: str) -> str:
    return name.replace(".n.", ".0.").replace("{target=}", "{target=item_1}")


def _codes_in_browser(harness, version: str, cases: list[list]) -> list[str]:
    """The SetValue code of each [name, value, launch values] case, each on a fresh session."""
    return harness.js(
        """([version, cases]) => cases.map(([name, value, launch]) => {
            window.harness.start(version, launch, {}, [], null);
            const api = window.harness.captured;
            if (version === "2004") { api.Initialize(""); api.SetValue(name, value); return api.GetLastError(); }
            api.LMSInitialize(""); api.LMSSetValue(name, value); return api.LMSGetLastError();
        })""",
        [version, cases],
    )


@pytest.mark.parametrize("version", ["1.2", "2004"])
def test_set_value_codes_agree_with_the_server_validator(harness, version):
    from lms_app.services import scorm_datamodel

    cases = [[_concrete(name), value, {}] for name in SPEC[version]["elements"] for value in SAMPLE_VALUES]
    interaction_types = SPEC[version]["types"][SPEC[version]["elements"]["cmi.interactions.n.type"]["type"]]["values"]
    response_fields = [
        _concrete(name)
        for name in ("cmi.interactions.n.correct_responses.n.pattern", "cmi.interactions.n.learner_response", "cmi.interactions.n.student_response")
        if name in SPEC[version]["elements"]
    ]
    for interaction_type in interaction_types:
        launch = {"cmi.interactions.0.id": "q1", "cmi.interactions.0.type": interaction_type}
        cases += [[field, value, launch] for field in response_fields for value in RESPONSE_SAMPLES]
    browser_codes = _codes_in_browser(harness, version, cases)
    disagreements = [
        (name, value, launch.get("cmi.interactions.0.type"), code, scorm_datamodel.set_value_error(version, name, value, launch))
        for (name, value, launch), code in zip(cases, browser_codes)
        if code != scorm_datamodel.set_value_error(version, name, value, launch)
    ]
    assert disagreements == []
    assert len(set(browser_codes)) > 4  # the corpus reaches several error codes


@pytest.mark.parametrize(
    ("version", "launch", "calls"),
    [
        ("1.2", LAUNCH_12, [
            ("cmi.core.lesson_status", "passed"), ("cmi.core.score.raw", "90"), ("cmi.core.exit", "suspend"),
            ("cmi.core.session_time", "0000:12:30.5"), ("cmi.interactions.0.id", "q1"), ("cmi.interactions.0.type", "choice"),
            ("cmi.interactions.0.student_response", "a"), ("cmi.interactions.0.result", "correct"), ("cmi.objectives.0.id", "o1"),
            ("cmi.objectives.0.status", "passed"),
        ]),
        ("2004", LAUNCH_2004, [
            ("cmi.completion_status", "completed"), ("cmi.success_status", "passed"), ("cmi.score.scaled", "0.9"),
            ("cmi.session_time", "PT12M30.5S"), ("cmi.exit", "normal"), ("cmi.interactions.0.id", "urn:lms:q1"),
            ("cmi.interactions.0.type", "matching"), ("cmi.interactions.0.learner_response", "a[.]x[,]b[.]y"),
            ("cmi.interactions.0.correct_responses.0.pattern", "a[.]x[,]b[.]y"), ("cmi.objectives.0.id", "o1"),
            ("cmi.objectives.0.success_status", "passed"), ("adl.nav.request", "continue"),
        ]),
    ],
)
def test_committed_values_pass_the_server_validator(harness, version, launch, calls):
    from lms_app.services import scorm_datamodel

    harness.start(version, launch)
    prefix = "LMS" if version == "1.2" else ""
    harness.call(prefix + "Initialize", "")
    for name, value in calls:
        expect(harness.call(prefix + "SetValue", name, value), "true", "0")
    expect(harness.call(prefix + "Commit", ""), "true", "0")
    harness.flush()
    values = harness.wait_for_commits(1)[0]["body"]["values"]
    assert {name: value for name, value in calls}.items() <= values.items()
    assert scorm_datamodel.validate_commit(version, values) == values


def test_2004_status_is_evaluated_against_the_lms_threshold_and_passing_score(harness):
    harness.start("2004", {**LAUNCH_2004, "cmi.completion_threshold": "0.8", "cmi.scaled_passing_score": "0.6"})
    harness.call("Initialize", "")
    harness.call("SetValue", "cmi.completion_status", "completed")
    harness.call("SetValue", "cmi.success_status", "passed")
    expect(harness.call("GetValue", "cmi.completion_status"), "unknown", "0")  # no progress_measure yet
    expect(harness.call("GetValue", "cmi.success_status"), "unknown", "0")  # no score.scaled yet
    harness.call("SetValue", "cmi.progress_measure", "0.5")
    harness.call("SetValue", "cmi.score.scaled", "0.59")
    expect(harness.call("GetValue", "cmi.completion_status"), "incomplete", "0")
    expect(harness.call("GetValue", "cmi.success_status"), "failed", "0")
    harness.call("SetValue", "cmi.progress_measure", "0.8")
    harness.call("SetValue", "cmi.score.scaled", "0.6")
    expect(harness.call("GetValue", "cmi.completion_status"), "completed", "0")
    expect(harness.call("GetValue", "cmi.success_status"), "passed", "0")


def test_2004_status_is_the_scos_without_threshold(harness):
    harness.start("2004", LAUNCH_2004)
    harness.call("Initialize", "")
    harness.call("SetValue", "cmi.progress_measure", "0.1")
    harness.call("SetValue", "cmi.completion_status", "completed")
    expect(harness.call("GetValue", "cmi.completion_status"), "completed", "0")


@pytest.mark.parametrize(("version", "code"), [("1.2", SPEC["1.2"]["limits"]["error_codes"]["commit_failure"]), ("2004", SPEC["2004"]["limits"]["error_codes"]["commit_failure"])])
def test_commit_fails_while_the_server_cannot_be_reached(harness, version, code):
    harness.page.route("**" + harness.commit_url, lambda route: route.abort())
    prefix = "LMS" if version == "1.2" else ""
    harness.start(version, LAUNCH_12 if version == "1.2" else LAUNCH_2004)
    harness.call(prefix + "Initialize", "")
    harness.call(prefix + "SetValue", "cmi.suspend_data", "s1")
    expect(harness.call(prefix + "Commit", ""), "true", "0")
    harness.flush()
    assert harness.js("() => window.harness.commitErrors") == ["the server could not be reached."]
    outcome = harness.call(prefix + "Commit", "")
    expect_error(outcome, version, code)
    assert "could not be reached" in outcome["diagnostic"]
    harness.flush()
    harness.page.unroute("**" + harness.commit_url)
    expect_error(harness.call(prefix + "Commit", ""), version, code)  # the retry failed too
    harness.flush()
    expect(harness.call(prefix + "Commit", ""), "true", "0")  # this one reaches the server
    harness.flush()
    assert harness.wait_for_commits(1)[0]["body"]["values"]["cmi.suspend_data"] == "s1"
