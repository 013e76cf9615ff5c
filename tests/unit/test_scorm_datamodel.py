"""The SCORM 1.2 / 2004 4th edition data model: the spec file against independent lists of
each version's elements, types and error strings; the validator of what a SCO commits; the
SetValue error code of each condition; timespans; result mapping; interactions and objectives rows."""

from __future__ import annotations

import dataclasses
import functools
import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from lms_app.services import scorm_datamodel as dm
from lms_app.services.errors import Invalid

# ---------------------------------------------------------------- independent lists from the specs

# SCORM 1.2 RTE section 3.4: element -> (access, children string for _children).
ELEMENTS_12 = {
    "cmi._version": "ro",
    "cmi.core._children": "ro",
    "cmi.core.student_id": "ro",
    "cmi.core.student_name": "ro",
    "cmi.core.lesson_location": "rw",
    "cmi.core.credit": "ro",
    "cmi.core.lesson_status": "rw",
    "cmi.core.entry": "ro",
    "cmi.core.score._children": "ro",
    "cmi.core.score.raw": "rw",
    "cmi.core.score.max": "rw",
    "cmi.core.score.min": "rw",
    "cmi.core.total_time": "ro",
    "cmi.core.lesson_mode": "ro",
    "cmi.core.exit": "wo",
    "cmi.core.session_time": "wo",
    "cmi.suspend_data": "rw",
    "cmi.launch_data": "ro",
    "cmi.comments": "rw",
    "cmi.comments_from_lms": "ro",
    "cmi.objectives._children": "ro",
    "cmi.objectives._count": "ro",
    "cmi.objectives.n.id": "rw",
    "cmi.objectives.n.score._children": "ro",
    "cmi.objectives.n.score.raw": "rw",
    "cmi.objectives.n.score.max": "rw",
    "cmi.objectives.n.score.min": "rw",
    "cmi.objectives.n.status": "rw",
    "cmi.student_data._children": "ro",
    "cmi.student_data.mastery_score": "ro",
    "cmi.student_data.max_time_allowed": "ro",
    "cmi.student_data.time_limit_action": "ro",
    "cmi.student_preference._children": "ro",
    "cmi.student_preference.audio": "rw",
    "cmi.student_preference.language": "rw",
    "cmi.student_preference.speed": "rw",
    "cmi.student_preference.text": "rw",
    "cmi.interactions._children": "ro",
    "cmi.interactions._count": "ro",
    "cmi.interactions.n.id": "wo",
    "cmi.interactions.n.objectives._count": "ro",
    "cmi.interactions.n.objectives.n.id": "wo",
    "cmi.interactions.n.time": "wo",
    "cmi.interactions.n.type": "wo",
    "cmi.interactions.n.correct_responses._count": "ro",
    "cmi.interactions.n.correct_responses.n.pattern": "wo",
    "cmi.interactions.n.weighting": "wo",
    "cmi.interactions.n.student_response": "wo",
    "cmi.interactions.n.result": "wo",
    "cmi.interactions.n.latency": "wo",
}

# SCORM 2004 4th edition RTE chapter 4 (cmi.*) and ADL navigation / data (adl.*).
ELEMENTS_2004 = {
    "cmi._version": "ro",
    "cmi.comments_from_learner._children": "ro",
    "cmi.comments_from_learner._count": "ro",
    "cmi.comments_from_learner.n.comment": "rw",
    "cmi.comments_from_learner.n.location": "rw",
    "cmi.comments_from_learner.n.timestamp": "rw",
    "cmi.comments_from_lms._children": "ro",
    "cmi.comments_from_lms._count": "ro",
    "cmi.comments_from_lms.n.comment": "ro",
    "cmi.comments_from_lms.n.location": "ro",
    "cmi.comments_from_lms.n.timestamp": "ro",
    "cmi.completion_status": "rw",
    "cmi.completion_threshold": "ro",
    "cmi.credit": "ro",
    "cmi.entry": "ro",
    "cmi.exit": "wo",
    "cmi.interactions._children": "ro",
    "cmi.interactions._count": "ro",
    "cmi.interactions.n.id": "rw",
    "cmi.interactions.n.type": "rw",
    "cmi.interactions.n.objectives._count": "ro",
    "cmi.interactions.n.objectives.n.id": "rw",
    "cmi.interactions.n.timestamp": "rw",
    "cmi.interactions.n.correct_responses._count": "ro",
    "cmi.interactions.n.correct_responses.n.pattern": "rw",
    "cmi.interactions.n.weighting": "rw",
    "cmi.interactions.n.learner_response": "rw",
    "cmi.interactions.n.result": "rw",
    "cmi.interactions.n.latency": "rw",
    "cmi.interactions.n.description": "rw",
    "cmi.launch_data": "ro",
    "cmi.learner_id": "ro",
    "cmi.learner_name": "ro",
    "cmi.learner_preference._children": "ro",
    "cmi.learner_preference.audio_level": "rw",
    "cmi.learner_preference.language": "rw",
    "cmi.learner_preference.delivery_speed": "rw",
    "cmi.learner_preference.audio_captioning": "rw",
    "cmi.location": "rw",
    "cmi.max_time_allowed": "ro",
    "cmi.mode": "ro",
    "cmi.objectives._children": "ro",
    "cmi.objectives._count": "ro",
    "cmi.objectives.n.id": "rw",
    "cmi.objectives.n.score._children": "ro",
    "cmi.objectives.n.score.scaled": "rw",
    "cmi.objectives.n.score.raw": "rw",
    "cmi.objectives.n.score.min": "rw",
    "cmi.objectives.n.score.max": "rw",
    "cmi.objectives.n.success_status": "rw",
    "cmi.objectives.n.completion_status": "rw",
    "cmi.objectives.n.progress_measure": "rw",
    "cmi.objectives.n.description": "rw",
    "cmi.progress_measure": "rw",
    "cmi.scaled_passing_score": "ro",
    "cmi.score._children": "ro",
    "cmi.score.scaled": "rw",
    "cmi.score.raw": "rw",
    "cmi.score.min": "rw",
    "cmi.score.max": "rw",
    "cmi.session_time": "wo",
    "cmi.success_status": "rw",
    "cmi.suspend_data": "rw",
    "cmi.time_limit_action": "ro",
    "cmi.total_time": "ro",
    "adl.nav.request": "rw",
    "adl.nav.request_valid.continue": "ro",
    "adl.nav.request_valid.previous": "ro",
    "adl.nav.request_valid.choice.{target=}": "ro",
    "adl.nav.request_valid.jump.{target=}": "ro",
    "adl.data._children": "ro",
    "adl.data._count": "ro",
    "adl.data.n.id": "ro",
    "adl.data.n.store": "rw",
}

CHILDREN = {
    "1.2": {
        "cmi.core._children": "student_id,student_name,lesson_location,credit,lesson_status,entry,score,"
        "total_time,lesson_mode,exit,session_time",
        "cmi.core.score._children": "raw,min,max",
        "cmi.objectives._children": "id,score,status",
        "cmi.objectives.n.score._children": "raw,min,max",
        "cmi.student_data._children": "mastery_score,max_time_allowed,time_limit_action",
        "cmi.student_preference._children": "audio,language,speed,text",
        "cmi.interactions._children": "id,objectives,time,type,correct_responses,weighting,student_response,"
        "result,latency",
    },
    "2004": {
        "cmi.comments_from_learner._children": "comment,location,timestamp",
        "cmi.comments_from_lms._children": "comment,location,timestamp",
        "cmi.interactions._children": "id,type,objectives,timestamp,correct_responses,weighting,"
        "learner_response,result,latency,description",
        "cmi.learner_preference._children": "audio_level,language,delivery_speed,audio_captioning",
        "cmi.objectives._children": "id,score,success_status,completion_status,progress_measure,description",
        "cmi.objectives.n.score._children": "scaled,raw,min,max",
        "cmi.score._children": "scaled,raw,min,max",
        "adl.data._children": "id,store",
    },
}

ERRORS = {
    "1.2": {
        "0": "No error",
        "101": "General Exception",
        "201": "Invalid argument error",
        "202": "Element cannot have children",
        "203": "Element not an array - cannot have count",
        "301": "Not initialized",
        "401": "Not implemented error",
        "402": "Invalid set value, element is a keyword",
        "403": "Element is read only",
        "404": "Element is write only",
        "405": "Incorrect Data Type",
    },
    "2004": {
        "0": "No Error",
        "101": "General Exception",
        "102": "General Initialization Failure",
        "103": "Already Initialized",
        "104": "Content Instance Terminated",
        "111": "General Termination Failure",
        "112": "Termination Before Initialization",
        "113": "Termination After Termination",
        "122": "Retrieve Data Before Initialization",
        "123": "Retrieve Data After Termination",
        "132": "Store Data Before Initialization",
        "133": "Store Data After Termination",
        "142": "Commit Before Initialization",
        "143": "Commit After Termination",
        "201": "General Argument Error",
        "301": "General Get Failure",
        "351": "General Set Failure",
        "391": "General Commit Failure",
        "401": "Undefined Data Model Element",
        "402": "Unimplemented Data Model Element",
        "403": "Data Model Element Value Not Initialized",
        "404": "Data Model Element Is Read Only",
        "405": "Data Model Element Is Write Only",
        "406": "Data Model Element Type Mismatch",
        "407": "Data Model Element Value Out Of Range",
        "408": "Data Model Dependency Not Established",
    },
}

LONG = "x" * 5000

# type -> (valid values, invalid values)
TYPE_SAMPLES = {
    "1.2": {
        "CMIBlank": ([""], ["x", " "]),
        "CMIBoolean": (["true", "false"], ["True", "1", ""]),
        "CMIDecimal": (["0", "-1.5", "3.25", ".5", "100", "12345.678"], ["abc", "1e3", "1,5", "", " 1", "--1"]),
        "CMIScore": (["0", "100", "55.5", ""], ["-1", "100.01", "x"]),
        "CMIFeedback": (["a", "x" * 255], ["x" * 256]),
        "CMIIdentifier": (["q1", "obj_1-a", "x" * 255], ["", "has space", "tab\tbed", "x" * 256]),
        "CMIInteger": (["0", "65536"], ["-1", "65537", "1.5", ""]),
        "CMISInteger": (["-32768", "32768", "0", "+5"], ["-32769", "32769", "a", "1.0"]),
        "CMISIntegerAudio": (["-1", "0", "100"], ["-2", "101"]),
        "CMISIntegerSpeed": (["-100", "100"], ["-101", "101"]),
        "CMISIntegerText": (["-1", "0", "1"], ["2", "-2"]),
        "CMIString255": (["", "x" * 255], ["x" * 256]),
        "CMIString4096": (["", "x" * 4096], ["x" * 4097]),
        "CMITime": (["00:00:00", "23:59:59.99", "12:30:00.5"], ["24:00:00", "12:60:00", "1:00:00", "12:00:00.123"]),
        "CMITimespan": (
            ["0000:00:00.00", "00:00:00", "9999:59:59.99", "12:30:05.5"],
            ["00:00:60", "0:00:00", "00:60:00", "00000:00:00", "00:00:00.123", "PT1S"],
        ),
        "CMIVocabularyMode": (["normal", "review", "browse"], ["Normal", ""]),
        "CMIVocabularyStatus": (
            ["passed", "completed", "failed", "incomplete", "browsed", "not attempted"],
            ["Passed", "unknown", ""],
        ),
        "CMIVocabularyLessonStatus": (
            ["passed", "completed", "failed", "incomplete", "browsed"],
            ["not attempted", "Passed", "unknown", ""],
        ),
        "CMIVocabularyExit": (["time-out", "suspend", "logout", ""], ["normal", "exit"]),
        "CMIVocabularyCredit": (["credit", "no-credit"], ["nocredit"]),
        "CMIVocabularyEntry": (["ab-initio", "resume", ""], ["ab_initio"]),
        "CMIVocabularyInteraction": (
            ["true-false", "choice", "fill-in", "matching", "performance", "sequencing", "likert", "numeric"],
            ["long-fill-in", "other", "truefalse"],
        ),
        "CMIVocabularyResult": (["correct", "wrong", "unanticipated", "neutral", "0.5", "-2"], ["incorrect", "x"]),
        "CMIVocabularyTimeLimitAction": (
            ["exit,message", "exit,no message", "continue,message", "continue,no message"],
            ["exit", "continue, message"],
        ),
        "CMIKeywordChildren": (["raw,min,max"], ["x" * 256]),
        "CMIKeywordCount": (["0", "12"], ["-1", "x"]),
        "CMIKeywordVersion": (["3.4"], ["x" * 256]),
    },
    "2004": {
        "characterstring_250": (["", "x" * 250], ["x" * 251]),
        "characterstring_1000": (["x" * 1000], ["x" * 1001]),
        "characterstring_4000": (["x" * 4000], ["x" * 4001]),
        "characterstring_64000": (["x" * 64000], ["x" * 64001]),
        "localized_250": (
            ["{lang=en}" + "x" * 250, "x" * 250, "{lang=en-US}hello", "plain", ""],
            ["{lang=}x", "{lang=en x", "{lang=toolonglanguage}x", "x" * 251, "{lang=en}" + "x" * 251],
        ),
        "localized_4000": (["{lang=fr}" + "x" * 4000, "{lang=en}text"], ["x" * 4001, "{lang=e n}x"]),
        "long_identifier": (
            ["urn:ADL:interaction-1", "q1", "http://example.com/q?a=1", "x" * 4000],
            ["", "has space", "urn:", "urn:ADL:", "x" * 4001],
        ),
        "short_identifier": (["urn:ADL:choice-a", "a", "x" * 250], ["", "a b", "x" * 251]),
        "language": (
            ["", "en", "en-US", "fra", "i-klingon", "x-private", "zh-Hant-TW"],
            ["english language", "en_US", "toolonglang", "e", "frog", "en-"],
        ),
        "real": (["0", "-1.5", "123456.1234567", ".5"], ["x", "", "1e5", "1.2.3"]),
        "real_scaled": (["-1", "1", "0.25", "0"], ["-1.01", "1.5", "x"]),
        "real_unit": (["0", "1", "0.5"], ["-0.1", "1.1"]),
        "real_nonnegative": (["0", "2.5", "100"], ["-0.5", "x"]),
        "time": (
            [
                "2026-11-27T10:00:00.5+01:00",
                "2026",
                "2026-11",
                "2026-11-27",
                "2026-11-27T10",
                "2026-11-27T10:00Z",
                "1970-01-01T00:00:00",
                "2026-11-27T10:00:00.25-05",
                "2038-01-19T03:14:07Z",
                "2026-11-27T10:00:00.123456",
            ],
            [
                "2026-13-01",
                "1969-12-31",
                "2039-01-01",
                "2026-11-27T24:00:00",
                "2026-11-27 10:00:00",
                "2026-11-27T10:00:00.",
                "2026-11-27T10:00:00+25:00",
                "2026-11-27T10:00:00.5+01:00x",
                "27/11/2026",
                "",
            ],
        ),
        "timeinterval": (
            ["PT1H30M5.5S", "P1D", "PT0S", "P1Y2M3DT4H5M6.78S", "PT0H0M0S", "P10Y", "PT5.555S"],
            ["P1DT", "P", "PT", "PT1.5H", "PT5.S", "1H", "P-1D", "P1W", "pt1s", ""],
        ),
        "completion_status": (["completed", "incomplete", "not attempted", "unknown"], ["passed", ""]),
        "success_status": (["passed", "failed", "unknown"], ["completed", ""]),
        "credit": (["credit", "no-credit"], ["no credit"]),
        "entry": (["ab-initio", "resume", ""], ["ab_initio"]),
        "exit": (["time-out", "suspend", "logout", "normal", ""], ["exit", "Suspend"]),
        "mode": (["browse", "normal", "review"], ["Review"]),
        "time_limit_action": (
            ["exit,message", "continue,message", "exit,no message", "continue,no message"],
            ["exit,nomessage"],
        ),
        "audio_captioning": (["-1", "0", "1"], ["2", "-1.0", "on"]),
        "interaction_type": (
            ["true-false", "choice", "fill-in", "long-fill-in", "matching", "performance", "sequencing",
             "likert", "numeric", "other"],
            ["true_false", "essay", ""],
        ),
        "result": (["correct", "incorrect", "unanticipated", "neutral", "0.5", "-3"], ["wrong", "x"]),
        "nav_request": (
            ["continue", "previous", "exit", "exitAll", "abandon", "abandonAll", "suspendAll", "_none_",
             "{target=sco-2}choice", "{target=urn:x:sco2}jump"],
            ["Continue", "choice", "{target=}choice", "{target=a b}choice", "start", "{target=a}resume"],
        ),
        "nav_request_valid": (["true", "false", "unknown"], ["yes"]),
        "keyword_children": (["scaled,raw,min,max"], ["x" * 4001]),
        "keyword_count": (["0", "3"], ["-1"]),
        "keyword_version": (["1.0"], ["x" * 251]),
    },
}

# (interaction type, response role, value, valid?) for the 2004 response formats.
RESPONSES = [
    ("true-false", "correct", "true", True),
    ("true-false", "learner", "false", True),
    ("true-false", "learner", "yes", False),
    ("choice", "correct", "a[,]b[,]c", True),
    ("choice", "correct", "", True),
    ("choice", "correct", "a[,]a", False),
    ("choice", "learner", "a b", False),
    ("choice", "learner", "urn:x:a[,]urn:x:b", True),
    ("fill-in", "correct", "{case_matters=true}{order_matters=false}{lang=en}Paris[,]London", True),
    ("fill-in", "correct", "{order_matters=true}{case_matters=false}x", True),
    ("fill-in", "correct", "{case_matters=maybe}x", True),  # not a flag: the text itself
    ("fill-in", "correct", "{lang=}Paris", False),
    ("fill-in", "correct", "[,]".join(["w"] * 11), False),
    ("fill-in", "learner", "{lang=de}Berlin", True),
    ("fill-in", "learner", "x" * 251, False),
    ("long-fill-in", "correct", "{case_matters=true}a long answer, with commas [,] kept", True),
    ("long-fill-in", "learner", "x" * 4000, True),
    ("long-fill-in", "learner", "x" * 4001, False),
    ("likert", "correct", "agree", True),
    ("likert", "learner", "strongly agree", False),
    ("matching", "correct", "a[.]1[,]b[.]2", True),
    ("matching", "learner", "a[.]1", True),
    ("matching", "learner", "a[.]", False),
    ("matching", "learner", "a-1", False),
    ("performance", "correct", "{order_matters=true}step1[.]answer[,][.]42[,]step3[.]", True),
    ("performance", "correct", "[.]", False),
    ("performance", "learner", "step1[.]5[:]7", True),
    ("sequencing", "correct", "a[,]b[,]c", True),
    ("sequencing", "learner", "", False),
    ("numeric", "correct", "1.5[:]3", True),
    ("numeric", "correct", "[:]10", True),
    ("numeric", "correct", "7", True),
    ("numeric", "correct", "5[:]1", False),
    ("numeric", "correct", "a[:]b", False),
    ("numeric", "learner", "2.5", True),
    ("numeric", "learner", "two", False),
    ("other", "correct", "anything at all", True),
    ("other", "learner", "x" * 4001, False),
]


def _element_cases(expected: dict) -> list:
    return [pytest.param(name, access, id=name) for name, access in expected.items()]


# ---------------------------------------------------------------- the spec file


def test_spec_file_is_the_served_asset_and_has_both_versions():
    assert dm.SPEC_PATH.parts[-3:] == ("assets", "scorm", "datamodel.json")
    data = json.loads(dm.SPEC_PATH.read_text(encoding="utf-8"))
    assert set(data) == {"1.2", "2004"}
    for version in data:
        assert set(data[version]) == {"errors", "types", "elements", "limits"}
    with pytest.raises(Invalid):
        dm.spec("2004 3rd")


@pytest.mark.parametrize("version", ["1.2", "2004"])
def test_error_strings_are_exactly_the_specs(version):
    assert dm.spec(version)["errors"] == ERRORS[version]


@pytest.mark.parametrize("name,access", _element_cases(ELEMENTS_12))
def test_element_12(name, access):
    element = dm.spec("1.2")["elements"].get(name)
    assert element is not None, f"{name} is missing from the 1.2 spec"
    assert element["access"] == access
    assert element["type"] in dm.spec("1.2")["types"]


@pytest.mark.parametrize("name,access", _element_cases(ELEMENTS_2004))
def test_element_2004(name, access):
    element = dm.spec("2004")["elements"].get(name)
    assert element is not None, f"{name} is missing from the 2004 spec"
    assert element["access"] == access
    assert element["type"] in dm.spec("2004")["types"]


def _spec_elements() -> list:
    return [
        pytest.param(version, name, id=f"{version}-{name}")
        for version in ("1.2", "2004")
        for name in json.loads(dm.SPEC_PATH.read_text(encoding="utf-8"))[version]["elements"]
    ]


@pytest.mark.parametrize("version,name", _spec_elements())
def test_spec_element_is_well_formed(version, name):
    """Each element of the spec file has a known access and type, and its default is a valid value."""
    version_spec = dm.spec(version)
    element = version_spec["elements"][name]
    assert element["access"] in ("ro", "wo", "rw")
    rule = version_spec["types"][element["type"]]
    assert set(element) <= {"access", "type", "keyword", "children", "value", "lms", "default"}
    assert ("children" in element) == (element.get("keyword") == "_children")
    if "default" in element:
        assert element["access"] != "wo", "a write-only element has no value to read"
        default = element["default"]
        blank_in_12 = version == "1.2" and default == ""  # 1.2 answers "" for anything not set
        if rule["kind"] == "vocabulary":
            assert default in rule["values"] or blank_in_12
        else:
            assert blank_in_12 or dm.type_error(version, element["type"], default) is None


@pytest.mark.parametrize("version,expected", [("1.2", ELEMENTS_12), ("2004", ELEMENTS_2004)])
def test_spec_has_no_element_the_standard_does_not_name(version, expected):
    assert set(dm.spec(version)["elements"]) == set(expected)


@pytest.mark.parametrize(
    "version,name,children",
    [pytest.param(v, n, c, id=f"{v}-{n}") for v, table in CHILDREN.items() for n, c in table.items()],
)
def test_children_strings(version, name, children):
    element = dm.spec(version)["elements"][name]
    assert element["keyword"] == "_children"
    assert element["children"] == children


@pytest.mark.parametrize("version", ["1.2", "2004"])
def test_keywords_are_marked_and_every_children_list_names_real_elements(version):
    elements = dm.spec(version)["elements"]
    for name, element in elements.items():
        suffix = name.rsplit(".", 1)[-1]
        if suffix in ("_children", "_count", "_version"):
            assert element.get("keyword") == suffix, name
            assert element["access"] == "ro", name
        if suffix == "_children":
            parent = name[: -len("._children")]
            if parent + "._count" in elements:
                parent += ".n"
            for child in element["children"].split(","):
                assert any(key == f"{parent}.{child}" or key.startswith(f"{parent}.{child}.") for key in elements), (
                    name,
                    child,
                )
    assert elements["cmi._version"]["value"] == {"1.2": "3.4", "2004": "1.0"}[version]


@pytest.mark.parametrize(
    "version,name",
    [
        ("1.2", "cmi.core.student_id"),
        ("1.2", "cmi.core.entry"),
        ("1.2", "cmi.core.credit"),
        ("1.2", "cmi.core.lesson_mode"),
        ("1.2", "cmi.launch_data"),
        ("1.2", "cmi.core.total_time"),
        ("1.2", "cmi.student_data.mastery_score"),
        ("1.2", "cmi.student_data.max_time_allowed"),
        ("1.2", "cmi.student_data.time_limit_action"),
        ("2004", "cmi.learner_id"),
        ("2004", "cmi.entry"),
        ("2004", "cmi.credit"),
        ("2004", "cmi.mode"),
        ("2004", "cmi.launch_data"),
        ("2004", "cmi.total_time"),
        ("2004", "cmi.max_time_allowed"),
        ("2004", "cmi.time_limit_action"),
        ("2004", "cmi.completion_threshold"),
        ("2004", "cmi.scaled_passing_score"),
        ("2004", "cmi.learner_preference.audio_level"),
    ],
)
def test_lms_set_elements_are_marked(version, name):
    assert dm.spec(version)["elements"][name].get("lms") is True


@pytest.mark.parametrize("version", ["1.2", "2004"])
def test_every_type_has_test_samples(version):
    assert set(dm.spec(version)["types"]) - {"correct_response", "learner_response"} == set(TYPE_SAMPLES[version])


@pytest.mark.parametrize("version", ["1.2", "2004"])
def test_regexes_mean_the_same_in_python_and_javascript(version):
    """No construct that Python `re` and JS RegExp read differently, and every regex compiles."""
    text = json.dumps(dm.spec(version))
    regexes = re.findall(r'"(?:regex|lang_regex|item_regex|decimal)": "((?:[^"\\]|\\.)*)"', text)
    assert regexes
    for source in regexes:
        pattern = json.loads(f'"{source}"')
        re.compile(pattern)
        for banned in ("(?<", "(?P", "(?>", "\\Z", "\\A", "*+", "++", "?+", "\\d", "\\w", "\\s"):
            assert banned not in pattern, (pattern, banned)


@pytest.mark.parametrize(
    "version,type_name,value",
    [
        pytest.param(v, t, value, id=f"{v}-{t}-{value[:30]!r}")
        for v, table in TYPE_SAMPLES.items()
        for t, (good, _bad) in table.items()
        for value in good
    ],
)
def test_type_accepts(version, type_name, value):
    assert dm.type_error(version, type_name, value) is None


@pytest.mark.parametrize(
    "version,type_name,value",
    [
        pytest.param(v, t, value, id=f"{v}-{t}-{value[:30]!r}")
        for v, table in TYPE_SAMPLES.items()
        for t, (_good, bad) in table.items()
        for value in bad
    ],
)
def test_type_refuses(version, type_name, value):
    assert dm.type_error(version, type_name, value)


@pytest.mark.parametrize(
    "interaction_type,role,value,valid",
    [pytest.param(*case, id=f"{case[0]}-{case[1]}-{case[2][:30]!r}") for case in RESPONSES],
)
def test_2004_interaction_response_formats(interaction_type, role, value, valid):
    type_name = "correct_response" if role == "correct" else "learner_response"
    reason = dm.type_error("2004", type_name, value, interaction_type=interaction_type)
    assert (reason is None) is valid, reason


def test_every_2004_interaction_type_has_both_response_formats():
    types = dm.spec("2004")["types"]
    vocabulary = set(types["interaction_type"]["values"])
    assert set(types["correct_response"]["formats"]) == vocabulary
    assert set(types["learner_response"]["formats"]) == vocabulary
    covered = {(case[0], case[1]) for case in RESPONSES}
    assert {(t, r) for t in vocabulary for r in ("correct", "learner")} <= covered


# ---------------------------------------------------------------- commit validation, element by element

# A valid value for every SCO-writable element, with what must be committed first.
PREREQUISITES = {
    "2004": {
        "cmi.interactions.0.": {"cmi.interactions.0.id": "q1", "cmi.interactions.0.type": "choice"},
        "cmi.objectives.0.": {"cmi.objectives.0.id": "obj1"},
    },
    "1.2": {},
}


def _sample_for(version: str, key: str) -> str:
    element = dm.spec(version)["elements"][key]
    if element["type"] in ("correct_response", "learner_response"):
        return "a[,]b"
    if key.endswith(".id") or element["type"] in ("CMIIdentifier",):
        return "id1"
    good, _bad = TYPE_SAMPLES[version][element["type"]]
    return good[0]


def _writable(version: str, expected: dict) -> list:
    return [pytest.param(name, id=name) for name, access in expected.items() if access in ("rw", "wo")]


def _commit_one(version: str, key: str, value: str) -> dict:
    name = key.replace(".n.", ".0.")
    values = {}
    for prefix, needed in PREREQUISITES[version].items():
        if name.startswith(prefix):
            values.update(needed)
    values[name] = value
    return dm.validate_commit(version, values)


@pytest.mark.parametrize("key", _writable("1.2", ELEMENTS_12))
def test_commit_accepts_writable_element_12(key):
    value = _sample_for("1.2", key)
    assert _commit_one("1.2", key, value)[key.replace(".n.", ".0.")] == value


@pytest.mark.parametrize("key", _writable("2004", ELEMENTS_2004))
def test_commit_accepts_writable_element_2004(key):
    value = _sample_for("2004", key)
    assert _commit_one("2004", key, value)[key.replace(".n.", ".0.")] == value


@pytest.mark.parametrize(
    "version,key",
    [pytest.param("1.2", k, id=f"1.2-{k}") for k, a in ELEMENTS_12.items() if a == "ro"]
    + [pytest.param("2004", k, id=f"2004-{k}") for k, a in ELEMENTS_2004.items() if a == "ro"],
)
def test_commit_refuses_read_only_and_keyword_elements(version, key):
    name = key.replace(".n.", ".0.").replace("{target=}", "{target=sco1}")
    with pytest.raises(Invalid) as refused:
        dm.validate_commit(version, {name: "x"})
    assert refused.value.message.startswith(f"{name}: ")


@pytest.mark.parametrize(
    "version,values,message",
    [
        ("1.2", {"cmi.core.score.raw": "120"}, "cmi.core.score.raw: 120 is above 100"),
        ("1.2", {"cmi.core.score.raw": "-1"}, "cmi.core.score.raw: -1 is below 0"),
        ("1.2", {"cmi.core.lesson_status": "not attempted"}, "cmi.core.lesson_status: 'not attempted' is not one of"),
        ("1.2", {"cmi.core.session_time": "00:00:60"}, "cmi.core.session_time: '00:00:60' is not a valid"),
        ("1.2", {"cmi.core.foo": "1"}, "cmi.core.foo: not a SCORM 1.2 data-model element"),
        ("1.2", {"cmi.learner_id": "1"}, "cmi.learner_id: not a SCORM 1.2 data-model element"),
        ("1.2", {"cmi.core.exit": "normal"}, "cmi.core.exit: 'normal' is not one of"),
        ("1.2", {"cmi.core._children": "x"}, "cmi.core._children: _children is a keyword"),
        ("1.2", {"cmi.interactions.1.id": "q2"}, "cmi.interactions.1.id: cmi.interactions.0 is missing"),
        ("1.2", {"cmi.interactions.01.id": "q2"}, "cmi.interactions.01.id: not a SCORM 1.2"),
        ("1.2", {"cmi.suspend_data": "x" * 4097}, "cmi.suspend_data: 4097 characters; the limit is 4096"),
        ("1.2", {"cmi.core.lesson_location": 5}, "cmi.core.lesson_location: SCORM values are text"),
        ("2004", {"cmi.interactions.n.id": "q"}, "cmi.interactions.n.id: not a SCORM 2004 data-model element"),
        ("2004", {"cmi.score.scaled": "1.5"}, "cmi.score.scaled: 1.5 is above 1"),
        ("2004", {"cmi.score.scaled": "-1.01"}, "cmi.score.scaled: -1.01 is below -1"),
        ("2004", {"cmi.progress_measure": "1.2"}, "cmi.progress_measure: 1.2 is above 1"),
        ("2004", {"cmi.session_time": "P1DT"}, "cmi.session_time: 'P1DT' is not a valid ISO 8601 duration"),
        ("2004", {"cmi.suspend_data": "x" * 64001}, "cmi.suspend_data: 64001 characters; the limit is 64000"),
        ("2004", {"cmi.interactions.0.type": "choice"}, "cmi.interactions.0.type: cmi.interactions.0.id must be set first"),
        ("2004", {"cmi.objectives.0.score.raw": "5"}, "cmi.objectives.0.score.raw: cmi.objectives.0.id must be set first"),
        (
            "2004",
            {"cmi.interactions.0.id": "q1", "cmi.interactions.0.learner_response": "a"},
            "cmi.interactions.0.learner_response: cmi.interactions.0.type must be set first",
        ),
        (
            "2004",
            {"cmi.interactions.0.id": "q1", "cmi.interactions.0.objectives.1.id": "o"},
            "cmi.interactions.0.objectives.1.id: cmi.interactions.0.objectives.0 is missing",
        ),
        (
            "2004",
            {"cmi.objectives.0.id": "same", "cmi.objectives.1.id": "same"},
            "is already used in cmi.objectives",
        ),
        (
            "2004",
            {
                "cmi.interactions.0.id": "q1",
                "cmi.interactions.0.objectives.0.id": "o1",
                "cmi.interactions.0.objectives.1.id": "o1",
            },
            "is already used in cmi.interactions.0.objectives",
        ),
        (
            "2004",
            {
                "cmi.interactions.0.id": "q1",
                "cmi.interactions.0.type": "true-false",
                "cmi.interactions.0.correct_responses.0.pattern": "true",
                "cmi.interactions.0.correct_responses.1.pattern": "false",
            },
            "a true-false interaction takes 1 correct response, not 2",
        ),
        (
            "2004",
            {
                "cmi.interactions.0.id": "q1",
                "cmi.interactions.0.type": "choice",
                "cmi.interactions.0.correct_responses.0.pattern": "a",
                "cmi.interactions.0.correct_responses.1.pattern": "a",
            },
            "is already used in cmi.interactions.0.correct_responses",
        ),
        ("2004", {"adl.nav.request": "{target=}choice"}, "adl.nav.request: '{target=}choice' is not a valid"),
        ("2004", {"cmi.comments_from_learner.0.comment": "{lang=}x"}, "malformed {lang=...} delimiter"),
    ],
)
def test_commit_refusals_name_the_element_and_reason(version, values, message):
    with pytest.raises(Invalid) as refused:
        dm.validate_commit(version, values)
    assert message in refused.value.message


@pytest.mark.parametrize("version,limit", [("1.2", 4096), ("2004", 64000)])
def test_suspend_data_limit_boundary(version, limit):
    assert dm.spec(version)["limits"]["suspend_data"] == limit
    assert dm.validate_commit(version, {"cmi.suspend_data": "é" * limit})["cmi.suspend_data"] == "é" * limit
    with pytest.raises(Invalid):
        dm.validate_commit(version, {"cmi.suspend_data": "é" * (limit + 1)})


def test_commit_may_continue_arrays_and_rely_on_ids_stored_before():
    stored = {
        "cmi.interactions.0.id": "q1",
        "cmi.interactions.0.type": "numeric",
        "cmi.objectives.0.id": "obj1",
    }
    later = {
        "cmi.interactions.0.learner_response": "4",
        "cmi.interactions.1.id": "q2",
        "cmi.objectives.0.success_status": "passed",
    }
    assert dm.validate_commit("2004", later, stored=stored) == later
    with pytest.raises(Invalid, match="cmi.interactions.2.id: cmi.interactions.1 is missing"):
        dm.validate_commit("2004", {"cmi.interactions.2.id": "q3"}, stored=stored)


def test_commit_refuses_changing_a_stored_objective_id_but_allows_resending_it():
    stored = {"cmi.objectives.0.id": "obj1"}
    assert dm.validate_commit("2004", {"cmi.objectives.0.id": "obj1"}, stored=stored)
    with pytest.raises(Invalid, match="cmi.objectives.0.id: an objective's id cannot change"):
        dm.validate_commit("2004", {"cmi.objectives.0.id": "obj2"}, stored=stored)


def test_commit_returns_a_full_realistic_session_unchanged():
    session = {
        "cmi.location": "page-3",
        "cmi.suspend_data": '{"answers":[1,2]}',
        "cmi.completion_status": "completed",
        "cmi.success_status": "passed",
        "cmi.score.scaled": "0.85",
        "cmi.score.raw": "85",
        "cmi.score.min": "0",
        "cmi.score.max": "100",
        "cmi.session_time": "PT12M30.5S",
        "cmi.exit": "normal",
        "cmi.interactions.0.id": "urn:golf:q1",
        "cmi.interactions.0.type": "choice",
        "cmi.interactions.0.learner_response": "b",
        "cmi.interactions.0.correct_responses.0.pattern": "b",
        "cmi.interactions.0.result": "correct",
        "cmi.interactions.0.timestamp": "2026-11-27T10:00:00Z",
        "cmi.interactions.0.latency": "PT5S",
        "adl.nav.request": "continue",
    }
    assert dm.validate_commit("2004", session) == session


# ---------------------------------------------------------------- SetValue error codes

# (id, version, element, value, data model before the call, SetValue error code)
SET_ERRORS = [
    ("1.2-undefined-element", "1.2", "cmi.core.foo", "1", {}, "201"),
    ("1.2-keyword-children", "1.2", "cmi.core._children", "x", {}, "402"),
    ("1.2-keyword-count", "1.2", "cmi.interactions._count", "1", {}, "402"),
    ("1.2-keyword-version", "1.2", "cmi._version", "1", {}, "402"),
    ("1.2-read-only", "1.2", "cmi.core.student_id", "x", {}, "403"),
    ("1.2-type-mismatch", "1.2", "cmi.core.score.raw", "abc", {}, "405"),
    ("1.2-out-of-range", "1.2", "cmi.core.score.raw", "101", {}, "405"),
    ("1.2-not-attempted", "1.2", "cmi.core.lesson_status", "not attempted", {}, "405"),
    ("1.2-too-long", "1.2", "cmi.suspend_data", "x" * 4097, {}, "405"),
    ("1.2-index-gap", "1.2", "cmi.interactions.1.id", "q", {}, "201"),
    ("1.2-new-index", "1.2", "cmi.interactions.0.id", "q", {}, "0"),
    ("1.2-nested-without-parent", "1.2", "cmi.interactions.0.objectives.0.id", "o", {}, "201"),
    ("1.2-write-only-set", "1.2", "cmi.core.exit", "suspend", {}, "0"),
    ("2004-undefined-element", "2004", "cmi.foo", "1", {}, "401"),
    ("2004-placeholder-name", "2004", "cmi.interactions.n.id", "q", {}, "401"),
    ("2004-keyword-version", "2004", "cmi._version", "1", {}, "404"),
    ("2004-keyword-count", "2004", "cmi.objectives._count", "1", {}, "404"),
    ("2004-read-only", "2004", "cmi.learner_id", "x", {}, "404"),
    ("2004-type-mismatch", "2004", "cmi.score.scaled", "x", {}, "406"),
    ("2004-out-of-range", "2004", "cmi.score.scaled", "2", {}, "407"),
    ("2004-interaction-id-first", "2004", "cmi.interactions.0.type", "choice", {}, "408"),
    ("2004-objective-id-first", "2004", "cmi.objectives.0.description", "x", {}, "408"),
    ("2004-interaction-type-first", "2004", "cmi.interactions.0.learner_response", "a", {"cmi.interactions.0.id": "q"}, "408"),
    ("2004-index-gap", "2004", "cmi.interactions.1.id", "q", {}, "351"),
    ("2004-next-index", "2004", "cmi.interactions.1.id", "q", {"cmi.interactions.0.id": "p"}, "0"),
    ("2004-nested-without-parent", "2004", "cmi.interactions.0.objectives.0.id", "o", {}, "351"),
    ("2004-too-long", "2004", "cmi.suspend_data", "x" * 64001, {}, "351"),
    ("2004-nav-choice", "2004", "adl.nav.request", "{target=sco2}choice", {}, "0"),
]


@pytest.mark.parametrize(
    "version,name,value,current,code",
    [pytest.param(*case[1:], id=case[0]) for case in SET_ERRORS],
)
def test_set_value_error_codes(version, name, value, current, code):
    assert dm.set_value_error(version, name, value, current) == code
    assert code in dm.spec(version)["errors"]


# ---------------------------------------------------------------- time


@pytest.mark.parametrize(
    "version,text,seconds",
    [
        ("1.2", "0000:00:00.00", 0),
        ("1.2", "0001:30:05.50", 5405.5),
        ("1.2", "12:00:00", 43200),
        ("2004", "PT1H30M5.5S", 5405.5),
        ("2004", "P1DT2H", 93600),
        ("2004", "P1Y", 365 * 86400),
        ("2004", "P1M", 30 * 86400),
        ("2004", "PT0S", 0),
    ],
)
def test_timespan_seconds(version, text, seconds):
    assert dm.timespan_seconds(version, text) == pytest.approx(seconds)


@pytest.mark.parametrize("version,text", [("1.2", "00:00:60"), ("1.2", "PT1S"), ("2004", "P1DT"), ("2004", "01:00:00")])
def test_timespan_seconds_refuses_malformed(version, text):
    with pytest.raises(Invalid):
        dm.timespan_seconds(version, text)


@pytest.mark.parametrize(
    "version,seconds,text",
    [
        ("1.2", 0, "0000:00:00.00"),
        ("1.2", 5405.5, "0001:30:05.50"),
        ("1.2", 59.999, "0000:01:00.00"),
        ("1.2", 10**9, "9999:59:59.99"),
        ("2004", 0, "PT0H0M0S"),
        ("2004", 5405.5, "PT1H30M5.5S"),
        ("2004", 90000.25, "PT25H0M0.25S"),
    ],
)
def test_format_timespan(version, seconds, text):
    formatted = dm.format_timespan(version, seconds)
    assert formatted == text
    type_name = "CMITimespan" if version == "1.2" else "timeinterval"
    assert dm.type_error(version, type_name, formatted) is None


def test_format_timespan_refuses_negative():
    with pytest.raises(Invalid):
        dm.format_timespan("2004", -1)


@pytest.mark.parametrize(
    "version,total,session,expected",
    [
        ("1.2", None, None, "0000:00:00.00"),
        ("1.2", None, "00:10:00", "0000:10:00.00"),
        ("1.2", "0001:30:00.00", "00:45:30.5", "0002:15:30.50"),
        ("2004", None, "PT5M", "PT0H5M0S"),
        ("2004", "PT1H", "PT30M5.55S", "PT1H30M5.55S"),
        ("2004", "PT23H59M59S", "PT1S", "PT24H0M0S"),
        ("2004", "PT1H", "", "PT1H0M0S"),
    ],
)
def test_add_session_time(version, total, session, expected):
    assert dm.add_session_time(version, total, session) == expected


# ---------------------------------------------------------------- results


@pytest.mark.parametrize(
    "values,kwargs,completed,passed,label",
    [
        ({"cmi.core.lesson_status": "passed"}, {}, True, True, "Passed"),
        ({"cmi.core.lesson_status": "failed"}, {}, True, False, "Failed"),
        ({"cmi.core.lesson_status": "completed"}, {}, True, None, "Completed"),
        ({"cmi.core.lesson_status": "incomplete"}, {}, False, None, "Incomplete"),
        ({"cmi.core.lesson_status": "browsed"}, {}, False, None, "Browsed"),
        ({}, {}, False, None, "Not attempted"),
        ({"cmi.core.lesson_status": "completed", "cmi.core.score.raw": "85"}, {"mastery_score": 80}, True, True, "Passed"),
        ({"cmi.core.lesson_status": "completed", "cmi.core.score.raw": "80"}, {"mastery_score": 80}, True, True, "Passed"),
        ({"cmi.core.lesson_status": "completed", "cmi.core.score.raw": "70"}, {"mastery_score": 80}, True, False, "Failed"),
        ({"cmi.core.lesson_status": "passed", "cmi.core.score.raw": "70"}, {"mastery_score": 80}, True, False, "Failed"),
        ({"cmi.core.score.raw": "90"}, {"mastery_score": 80}, True, True, "Passed"),
        ({"cmi.core.lesson_status": "incomplete", "cmi.core.score.raw": "90"}, {"mastery_score": 80}, False, None, "Incomplete"),
        (
            {"cmi.core.lesson_status": "completed", "cmi.core.score.raw": "90"},
            {"mastery_score": 80, "credit": False},
            True,
            None,
            "Completed",
        ),
    ],
)
def test_results_12(values, kwargs, completed, passed, label):
    result = dm.results("1.2", values, **kwargs)
    assert (result.completed, result.passed, result.status_label) == (completed, passed, label)


@pytest.mark.parametrize(
    "values,scaled,raw,maximum",
    [
        ({"cmi.core.score.raw": "45"}, 0.45, 45.0, None),
        ({"cmi.core.score.raw": "15", "cmi.core.score.max": "20"}, 0.75, 15.0, 20.0),
        ({"cmi.core.score.raw": "15", "cmi.core.score.max": "0"}, None, 15.0, 0.0),
        ({}, None, None, None),
    ],
)
def test_results_12_scores(values, scaled, raw, maximum):
    result = dm.results("1.2", values)
    assert result.score_scaled == (pytest.approx(scaled) if scaled is not None else None)
    assert (result.score_raw, result.score_max) == (raw, maximum)


@pytest.mark.parametrize(
    "values,kwargs,completed,passed,label",
    [
        ({"cmi.completion_status": "completed", "cmi.success_status": "passed"}, {}, True, True, "Passed"),
        ({"cmi.completion_status": "completed", "cmi.success_status": "failed"}, {}, True, False, "Failed"),
        ({"cmi.completion_status": "completed"}, {}, True, None, "Completed"),
        ({"cmi.completion_status": "incomplete"}, {}, False, None, "Incomplete"),
        ({"cmi.completion_status": "not attempted"}, {}, False, None, "Not attempted"),
        ({}, {}, False, None, "Unknown"),
        (
            {"cmi.completion_status": "incomplete", "cmi.progress_measure": "0.9"},
            {"completion_threshold": 0.8},
            True,
            None,
            "Completed",
        ),
        (
            {"cmi.completion_status": "completed", "cmi.progress_measure": "0.5"},
            {"completion_threshold": 0.8},
            False,
            None,
            "Incomplete",
        ),
        ({"cmi.completion_status": "completed"}, {"completion_threshold": 0.8}, False, None, "Unknown"),
        (
            {"cmi.success_status": "passed", "cmi.score.scaled": "0.6"},
            {"scaled_passing_score": 0.7},
            False,
            False,
            "Failed",
        ),
        (
            {"cmi.success_status": "failed", "cmi.score.scaled": "0.7"},
            {"scaled_passing_score": 0.7},
            False,
            True,
            "Passed",
        ),
        ({"cmi.success_status": "passed"}, {"scaled_passing_score": 0.7}, False, None, "Unknown"),
    ],
)
def test_results_2004(values, kwargs, completed, passed, label):
    result = dm.results("2004", values, **kwargs)
    assert (result.completed, result.passed, result.status_label) == (completed, passed, label)


@pytest.mark.parametrize(
    "values,scaled",
    [
        ({"cmi.score.scaled": "0.85"}, 0.85),
        ({"cmi.score.scaled": "-0.5"}, 0.0),
        ({"cmi.score.raw": "8", "cmi.score.max": "10"}, 0.8),
        ({"cmi.score.raw": "15", "cmi.score.min": "10", "cmi.score.max": "20"}, 0.5),
        ({"cmi.score.raw": "8"}, None),
    ],
)
def test_results_2004_scores(values, scaled):
    result = dm.results("2004", values)
    assert result.score_scaled == (pytest.approx(scaled) if scaled is not None else None)


def test_results_is_frozen():
    result = dm.results("2004", {})
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.completed = True  # type: ignore[misc]


# ---------------------------------------------------------------- rows for the attempt view


def test_interactions_and_objectives_rows_2004():
    values = {
        "cmi.interactions.1.id": "q2",
        "cmi.interactions.1.type": "numeric",
        "cmi.interactions.1.learner_response": "4",
        "cmi.interactions.0.id": "q1",
        "cmi.interactions.0.type": "choice",
        "cmi.interactions.0.learner_response": "a[,]b",
        "cmi.interactions.0.correct_responses.0.pattern": "a[,]b",
        "cmi.interactions.0.correct_responses.1.pattern": "a",
        "cmi.interactions.0.objectives.0.id": "obj1",
        "cmi.interactions.0.result": "correct",
        "cmi.interactions.0.latency": "PT3S",
        "cmi.interactions.0.timestamp": "2026-11-27T10:00:00Z",
        "cmi.interactions.0.description": "{lang=en}First",
        "cmi.objectives.0.id": "obj1",
        "cmi.objectives.0.success_status": "passed",
        "cmi.objectives.0.score.scaled": "1",
    }
    rows = dm.interactions("2004", values)
    assert [row["id"] for row in rows] == ["q1", "q2"]
    assert rows[0]["correct_responses"] == ["a[,]b", "a"]
    assert rows[0]["objectives"] == ["obj1"]
    assert (rows[0]["result"], rows[0]["latency"], rows[0]["timestamp"]) == ("correct", "PT3S", "2026-11-27T10:00:00Z")
    assert rows[1]["learner_response"] == "4" and rows[1]["correct_responses"] == []
    objective = dm.objectives("2004", values)
    assert objective == [
        {
            "index": 0,
            "id": "obj1",
            "score_scaled": "1",
            "score_raw": "",
            "score_min": "",
            "score_max": "",
            "success_status": "passed",
            "completion_status": "",
            "progress_measure": "",
            "description": "",
        }
    ]


def test_interactions_and_objectives_rows_12():
    values = {
        "cmi.interactions.0.id": "q1",
        "cmi.interactions.0.type": "true-false",
        "cmi.interactions.0.student_response": "t",
        "cmi.interactions.0.time": "10:00:00",
        "cmi.objectives.0.id": "obj1",
        "cmi.objectives.0.status": "failed",
        "cmi.objectives.0.score.raw": "40",
    }
    (row,) = dm.interactions("1.2", values)
    assert (row["learner_response"], row["timestamp"]) == ("t", "10:00:00")
    (objective,) = dm.objectives("1.2", values)
    assert (objective["success_status"], objective["completion_status"], objective["score_raw"]) == (
        "failed",
        "completed",
        "40",
    )
    assert dm.interactions("1.2", {}) == [] and dm.objectives("1.2", {}) == []


# ---------------------------------------------------------------- the browser run-time reads the spec the same way

# Loads assets/scorm/runtime.js in Node with a minimal window, and answers, for each case
# [version, [[name, value] set before], name, value], the error code SetValue leaves.
_PARITY_HARNESS = r"""
const fs = require("fs"), vm = require("vm");
const [runtimePath, specPath, casesPath] = process.argv.slice(1);
const spec = JSON.parse(fs.readFileSync(specPath, "utf8"));
const cases = JSON.parse(fs.readFileSync(casesPath, "utf8"));
const noop = () => {};
const window = { addEventListener: noop };
const context = vm.createContext({ window, document: { addEventListener: noop, visibilityState: "visible" },
  navigator: {}, setTimeout: () => 0, clearTimeout: noop, console });
vm.runInContext(fs.readFileSync(runtimePath, "utf8"), context);
const codes = cases.map(([version, before, name, value]) => {
  window.LmsScorm.start({ version, spec: spec[version], commitUrl: "/unused" });
  const api = version === "2004" ? window.API_1484_11 : window.API;
  const call = (name12, name2004, ...args) => api[version === "2004" ? name2004 : name12](...args);
  call("LMSInitialize", "Initialize", "");
  for (const [n, v] of before) call("LMSSetValue", "SetValue", n, v);
  call("LMSSetValue", "SetValue", name, value);
  return String(call("LMSGetLastError", "GetLastError"));
});
process.stdout.write(JSON.stringify(codes));
process.exit(0);
"""


def _parity_cases() -> list[tuple[str, tuple, str, str]]:
    cases = []
    for version, expected in (("1.2", ELEMENTS_12), ("2004", ELEMENTS_2004)):
        elements = json.loads(dm.SPEC_PATH.read_text(encoding="utf-8"))[version]["elements"]
        for key, access in expected.items():
            type_name = elements[key]["type"]
            if access == "ro" or type_name not in TYPE_SAMPLES[version]:
                continue
            name = key.replace(".n.", ".0.")
            before = tuple(
                item for prefix, needed in PREREQUISITES[version].items() if name.startswith(prefix)
                for item in needed.items() if item[0] != name
            )
            good, bad = TYPE_SAMPLES[version][type_name]
            cases += [(version, before, name, value) for value in good + bad]
    for interaction_type, role, value, _valid in RESPONSES:
        element = "correct_responses.0.pattern" if role == "correct" else "learner_response"
        before = (("cmi.interactions.0.id", "q1"), ("cmi.interactions.0.type", interaction_type))
        cases.append(("2004", before, f"cmi.interactions.0.{element}", value))
    for _id, version, name, value, current, _code in SET_ERRORS:
        cases.append((version, tuple(current.items()), name, value))
    return cases


PARITY_CASES = _parity_cases()


@functools.lru_cache(maxsize=1)
def _runtime_codes() -> tuple[str, ...]:
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js is not installed: the browser run-time cannot be loaded outside a browser")
    runtime = dm.SPEC_PATH.parent / "runtime.js"
    with tempfile.TemporaryDirectory() as folder:
        cases_file = Path(folder) / "cases.json"
        cases_file.write_text(json.dumps(PARITY_CASES), encoding="utf-8")
        completed = subprocess.run(
            [node, "-e", _PARITY_HARNESS, str(runtime), str(dm.SPEC_PATH), str(cases_file)],
            capture_output=True, text=True, timeout=120, check=True,
        )
    return tuple(json.loads(completed.stdout))


@pytest.mark.parametrize(
    "position",
    [
        pytest.param(position, id=f"{case[0]}-{case[2]}-{case[3][:24]!r}-length{len(case[3])}")
        for position, case in enumerate(PARITY_CASES)
    ],
)
def test_browser_run_time_and_server_give_the_same_answer(position):
    """runtime.js and this module read the one spec file the same way, value by value."""
    version, before, name, value = PARITY_CASES[position]
    expected = dm.set_value_error(version, name, value, dict(before))
    assert _runtime_codes()[position] == expected
