"""The SCORM 1.2 and 2004 (4th edition) run-time data model, read from one spec file.

`assets/scorm/datamodel.json` is the single description of every data-model element,
type rule, error string and limit. The browser run-time (`assets/scorm/runtime.js`)
validates each SetValue with it; this module applies the same rules to what a SCO
committed, so the browser and the server cannot disagree about what is valid.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from lms_app.services.errors import Invalid

SPEC_PATH = Path(__file__).resolve().parents[2] / "assets" / "scorm" / "datamodel.json"
VERSIONS = ("1.2", "2004")

_INDEX = re.compile(r"0|[1-9][0-9]*")
_NAV_TARGET = re.compile(r"^(adl\.nav\.request_valid\.(?:choice|jump))\.\{target=[^{}\s]+\}$")
_SHOWN_VALUE_LENGTH = 60
_SECONDS_PER_UNIT_2004 = {"Y": 365 * 86400, "MO": 30 * 86400, "D": 86400, "H": 3600, "MI": 60}


@lru_cache(maxsize=1)
def _load() -> dict:
    with SPEC_PATH.open(encoding="utf-8") as handle:
        return json.load(handle)


def _version_spec(version: str) -> dict:
    if version not in VERSIONS:
        raise Invalid(f"Unknown SCORM version {version!r}: expected 1.2 or 2004.")
    return _load()[version]


def spec(version: str) -> dict:
    """The data-model spec of one version ("1.2" or "2004"): errors, types, elements, limits."""
    return copy.deepcopy(_version_spec(version))


class _Refused(Exception):
    """One value broke one rule; `kind` names the rule (a key of limits.error_codes)."""

    def __init__(self, kind: str, reason: str):
        super().__init__(reason)
        self.kind = kind
        self.reason = reason


def _shown(value: str) -> str:
    if len(value) > _SHOWN_VALUE_LENGTH:
        return repr(value[:_SHOWN_VALUE_LENGTH] + "...")
    return repr(value)


def _number_text(number: float) -> str:
    return f"{number:g}"


def _locate(version_spec: dict, name: str) -> tuple[str, list[int]] | None:
    """The spec key of a concrete element name (indices become `n`) and its indices, or None."""
    elements = version_spec["elements"]
    target = _NAV_TARGET.match(name)
    if target:
        key = target.group(1) + ".{target=}"
        return (key, []) if key in elements else None
    parts = name.split(".")
    if "n" in parts or "{target=}" in parts:  # the spec's placeholders are not element names
        return None
    indices = []
    for position, part in enumerate(parts):
        if _INDEX.fullmatch(part):
            indices.append(int(part))
            parts[position] = "n"
    key = ".".join(parts)
    return (key, indices) if key in elements else None


def _fill_indices(pattern: str, indices: list[int]) -> str:
    parts = pattern.split(".")
    remaining = iter(indices)
    return ".".join(str(next(remaining)) if part == "n" else part for part in parts)


# ---------------------------------------------------------------- type rules


def _check_rule(types: dict, rule: dict, value: str, label: str, context: dict) -> None:
    """Apply one declarative rule of the spec to a value; raise _Refused if it fails."""
    if "ref" in rule:
        _check_rule(types, types[rule["ref"]], value, rule["ref"], context)
        return
    kind = rule["kind"]
    description = rule.get("description", label)
    if kind == "string":
        _check_length(value, rule["max"])
    elif kind == "pattern":
        if "max" in rule:
            _check_length(value, rule["max"])
        if not re.fullmatch(rule["regex"], value):
            raise _Refused("type_mismatch", f"{_shown(value)} is not a valid {description}")
    elif kind in ("decimal", "integer"):
        if value == "" and rule.get("blank"):
            return
        if not re.fullmatch(rule["regex"], value):
            noun = "a number" if kind == "decimal" else "a whole number"
            raise _Refused("type_mismatch", f"{_shown(value)} is not {noun}")
        number = float(value)
        if "min" in rule and number < rule["min"]:
            raise _Refused("out_of_range", f"{value} is below {_number_text(rule['min'])}")
        if "max" in rule and number > rule["max"]:
            raise _Refused("out_of_range", f"{value} is above {_number_text(rule['max'])}")
    elif kind == "vocabulary":
        if value in rule["values"] and value not in rule.get("not_writable", []):
            return
        if "decimal" in rule and re.fullmatch(rule["decimal"], value):
            return
        allowed = [shown for shown in rule["values"] if shown not in rule.get("not_writable", [])]
        choices = ", ".join(repr(choice) for choice in allowed)
        extra = " or a number" if "decimal" in rule else ""
        raise _Refused("type_mismatch", f"{_shown(value)} is not one of {choices}{extra}")
    elif kind == "localized":
        _check_localized(rule, value)
    elif kind == "interaction_response":
        interaction_type = context.get("interaction_type")
        if not interaction_type:
            raise _Refused("dependency", "the interaction's type must be set first")
        _check_rule(types, rule["formats"][interaction_type], value, f"{interaction_type} response", context)
    elif kind == "list":
        _check_list(types, rule, value, label, context)
    elif kind == "pair":
        _check_pair(types, rule, value, label, context)
    elif kind == "range":
        _check_range(rule, value)
    else:
        raise ValueError(f"datamodel.json uses an unknown rule kind {kind!r}")


def _check_length(value: str, maximum: int) -> None:
    if len(value) > maximum:
        raise _Refused("too_long", f"{len(value)} characters; the limit is {maximum}")


def _check_localized(rule: dict, value: str) -> None:
    text = value
    if value.startswith(rule["lang_start"]):
        delimiter = re.match(rule["lang_regex"], value)
        if not delimiter:
            raise _Refused("type_mismatch", f"{_shown(value)} has a malformed {{lang=...}} delimiter")
        text = value[delimiter.end():]
    _check_length(text, rule["max"])


def _strip_flags(rule: dict, value: str) -> str:
    """Remove the leading {case_matters=..}/{order_matters=..} delimiters, each at most once."""
    seen = set()
    progress = True
    while progress and value.startswith("{"):
        progress = False
        for flag in rule.get("flags", []):
            found = re.match(flag["regex"], value)
            if found and flag["name"] not in seen:
                seen.add(flag["name"])
                value = value[found.end():]
                progress = True
                break
    return value


def _check_list(types: dict, rule: dict, value: str, label: str, context: dict) -> None:
    body = _strip_flags(rule, value)
    if body == "":
        if rule["min_items"] == 0:
            return
        raise _Refused("type_mismatch", f"{_shown(value)}: a {label} needs at least one entry")
    items = body.split(rule["separator"]) if rule["separator"] else [body]
    if len(items) > rule["max_items"]:
        raise _Refused("type_mismatch", f"{len(items)} entries; a {label} allows {rule['max_items']}")
    for item in items:
        _check_rule(types, rule["item"], item, label, context)
    if rule.get("unique") and len(set(items)) != len(items):
        raise _Refused("type_mismatch", f"{_shown(value)} repeats an entry")


def _check_pair(types: dict, rule: dict, value: str, label: str, context: dict) -> None:
    if rule["separator"] not in value:
        raise _Refused("type_mismatch", f"{_shown(value)} lacks the {rule['separator']} separator")
    left, right = value.split(rule["separator"], 1)
    if rule["optional"] == "either":
        if left == "" and right == "":
            raise _Refused("type_mismatch", f"{_shown(value)} has neither a name nor an answer")
    if left != "" or rule["optional"] == "none":
        _check_rule(types, rule["left"], left, label, context)
    if right != "" or rule["optional"] == "none":
        _check_rule(types, rule["right"], right, label, context)


def _check_range(rule: dict, value: str) -> None:
    if rule["separator"] not in value:
        if rule.get("bare_allowed") and re.fullmatch(rule["regex"], value):
            return
        raise _Refused("type_mismatch", f"{_shown(value)} is not a range min{rule['separator']}max")
    low, high = value.split(rule["separator"], 1)
    for bound in (low, high):
        if bound != "" and not re.fullmatch(rule["regex"], bound):
            raise _Refused("type_mismatch", f"{_shown(bound)} is not a number")
    if low != "" and high != "" and float(low) > float(high):
        raise _Refused("type_mismatch", f"the range {_shown(value)} has its minimum above its maximum")


def type_error(version: str, type_name: str, value: str, *, interaction_type: str | None = None) -> str | None:
    """Why `value` is not a valid `type_name` of the version's spec, or None when it is.

    `interaction_type` is needed by the 2004 response types, whose format depends on it.
    """
    types = _version_spec(version)["types"]
    try:
        _check_rule(types, types[type_name], value, type_name, {"interaction_type": interaction_type})
    except _Refused as refusal:
        return refusal.reason
    return None


# ---------------------------------------------------------------- commit validation


def _array_paths(version_spec: dict, name: str, key: str, indices: list[int]) -> list[tuple[str, int]]:
    """Every (concrete array path, index) the element name sits in, outermost first."""
    found = []
    for array_pattern in sorted(version_spec["limits"]["arrays"], key=lambda pattern: pattern.count(".")):
        prefix = array_pattern + ".n."
        if key.startswith(prefix):
            depth = array_pattern.count(".n") + 1
            concrete = _fill_indices(array_pattern, indices[: depth - 1])
            found.append((concrete, indices[depth - 1]))
    return found


def _check_element(version_spec: dict, name: str, key: str, indices: list[int], value: str, merged: dict) -> None:
    element = version_spec["elements"][key]
    if element.get("keyword"):
        raise _Refused("keyword_set", f"{key.rsplit('.', 1)[-1]} is a keyword the SCO cannot set")
    if element["access"] == "ro":
        raise _Refused("read_only", "read-only element")
    limits = version_spec["limits"]
    for dependency in limits["dependencies"]:
        pattern = dependency["elements"]
        applies = key.startswith(pattern[:-1]) if pattern.endswith("*") else key == pattern
        if applies and key != dependency["requires"]:
            required = _fill_indices(dependency["requires"], indices)
            if merged.get(required, "") == "":
                raise _Refused("dependency", f"{required} must be set first")
    context = {}
    if key.startswith("cmi.interactions.n."):
        context["interaction_type"] = merged.get(f"cmi.interactions.{indices[0]}.type")
    _check_rule(version_spec["types"], version_spec["types"][element["type"]], value, element["type"], context)
    if key == "cmi.suspend_data":
        _check_length(value, limits["suspend_data"])


def _check_arrays(version_spec: dict, located: dict[str, tuple[str, list[int]]], merged: dict) -> None:
    present: dict[str, set[int]] = {}
    for name in merged:
        found = located.get(name) or _locate(version_spec, name)
        if found:
            for path, index in _array_paths(version_spec, name, *found):
                present.setdefault(path, set()).add(index)
    for name, (key, indices) in located.items():
        for path, index in _array_paths(version_spec, name, key, indices):
            if index > 0 and index - 1 not in present.get(path, set()):
                raise Invalid(f"{name}: {path}.{index - 1} is missing (array entries must be consecutive)")


def _check_collections(version_spec: dict, committed: dict, merged: dict, stored: dict) -> None:
    limits = version_spec["limits"]
    for rule in limits["immutable"]:
        for name in committed:
            found = _locate(version_spec, name)
            if found and found[0] == rule["element"] and stored.get(name, committed[name]) != committed[name]:
                raise Invalid(f"{name}: {rule['why']} (was {_shown(stored[name])})")
    for rule in limits["unique"]:
        groups: dict[tuple, dict[str, str]] = {}
        for name, value in merged.items():
            found = _locate(version_spec, name)
            if not found or found[0] != rule["element"]:
                continue
            key, indices = found
            if "when_type" in rule:
                if merged.get(f"cmi.interactions.{indices[0]}.type") not in rule["when_type"]:
                    continue
            parent = tuple(indices[:-1])
            groups.setdefault(parent, {})
            if value in groups[parent].values():
                raise Invalid(f"{name}: {_shown(value)} is already used in {_fill_indices(rule['within'], list(parent))}")
            groups[parent][name] = value
    maxima = limits["correct_responses_max"]
    patterns: dict[int, int] = {}
    for name in merged:
        found = _locate(version_spec, name)
        if found and found[0] == "cmi.interactions.n.correct_responses.n.pattern":
            patterns[found[1][0]] = patterns.get(found[1][0], 0) + 1
    for interaction, total in patterns.items():
        interaction_type = merged.get(f"cmi.interactions.{interaction}.type")
        if interaction_type in maxima and total > maxima[interaction_type]:
            raise Invalid(
                f"cmi.interactions.{interaction}.correct_responses: a {interaction_type} interaction "
                f"takes {maxima[interaction_type]} correct response, not {total}"
            )


def validate_commit(version: str, values: dict[str, str], *, stored: dict[str, str] | None = None) -> dict[str, str]:
    """Check what a SCO committed and return it cleaned (element name -> string value).

    `values` uses concrete indices (`cmi.interactions.0.id`). `stored` is what the attempt
    already holds from earlier commits, so a batch may add `cmi.interactions.3.*` when 0-2
    were committed before. Raises Invalid naming the element and the reason for any unknown
    element, read-only or keyword element, wrong type, value out of range, over-long text,
    dependency not established (2004: an interaction's id before its fields), gap in an array
    or repeated identifier.
    """
    version_spec = _version_spec(version)
    stored = dict(stored or {})
    cleaned: dict[str, str] = {}
    located: dict[str, tuple[str, list[int]]] = {}
    for name, value in values.items():
        if not isinstance(value, str):
            raise Invalid(f"{name}: SCORM values are text, not {type(value).__name__}")
        found = _locate(version_spec, name)
        if found is None:
            raise Invalid(f"{name}: not a SCORM {version} data-model element")
        located[name] = found
        cleaned[name] = value
    merged = {**stored, **cleaned}
    for name, (key, indices) in located.items():
        try:
            _check_element(version_spec, name, key, indices, cleaned[name], merged)
        except _Refused as refusal:
            raise Invalid(f"{name}: {refusal.reason}") from None
    _check_arrays(version_spec, located, merged)
    _check_collections(version_spec, cleaned, merged, stored)
    return cleaned


def set_value_error(version: str, name: str, value: str, current: dict[str, str]) -> str:
    """The error code SetValue must answer for `name`=`value` given the current data model ("0" if accepted).

    Mirrors what the browser run-time does for one call, so the spec file can be checked
    against each version's error table without a browser.
    """
    version_spec = _version_spec(version)
    codes = version_spec["limits"]["error_codes"]
    found = _locate(version_spec, name)
    if found is None:
        return codes["undefined_element"]
    key, indices = found
    # A call may add the next record of the innermost array only; outer records must exist.
    arrays = _array_paths(version_spec, name, key, indices)
    for depth, (path, index) in enumerate(arrays):
        count = len(_indices_in(version_spec, current, path))
        innermost = depth == len(arrays) - 1
        if index > count or (index == count and not innermost):
            return codes["index_gap"]
    try:
        _check_element(version_spec, name, key, indices, value, {**current, name: value})
    except _Refused as refusal:
        return codes[refusal.kind]
    return "0"


def _indices_in(version_spec: dict, current: dict[str, str], path: str) -> set[int]:
    found = set()
    for name in current:
        located = _locate(version_spec, name)
        if located:
            for array_path, index in _array_paths(version_spec, name, *located):
                if array_path == path:
                    found.add(index)
    return found


# ---------------------------------------------------------------- time


# Parsing only: whether a text is a valid timespan is decided by the spec file's type rule.
_TIMESPAN_12_PARTS = re.compile(r"([0-9]+):([0-9]+):([0-9.]+)")
_DURATION_2004_PARTS = re.compile(
    r"P(?:([0-9]+)Y)?(?:([0-9]+)M)?(?:([0-9]+)D)?(?:T(?:([0-9]+)H)?(?:([0-9]+)M)?(?:([0-9.]+)S)?)?"
)
_TIMESPAN_TYPE = {"1.2": "CMITimespan", "2004": "timeinterval"}


def timespan_seconds(version: str, text: str) -> float:
    """Seconds in a SCORM timespan: 1.2 `HHHH:MM:SS.SS`, 2004 ISO 8601 duration (a year counts 365 days, a month 30)."""
    _version_spec(version)
    problem = type_error(version, _TIMESPAN_TYPE[version], text)
    if problem:
        raise Invalid(f"Not a SCORM {version} timespan: {problem}.")
    if version == "1.2":
        hours, minutes, seconds = _TIMESPAN_12_PARTS.fullmatch(text).groups()
        return int(hours) * 3600 + int(minutes) * 60 + float(seconds)
    years, months, days, hours, minutes, seconds = _DURATION_2004_PARTS.fullmatch(text).groups()
    total = float(seconds or 0)
    for amount, unit in ((years, "Y"), (months, "MO"), (days, "D"), (hours, "H"), (minutes, "MI")):
        total += int(amount or 0) * _SECONDS_PER_UNIT_2004[unit]
    return total


def format_timespan(version: str, seconds: float) -> str:
    """A number of seconds as a SCORM timespan of the version (hundredths of a second)."""
    _version_spec(version)
    if seconds < 0:
        raise Invalid("A SCORM timespan cannot be negative.")
    hundredths = round(seconds * 100)
    hours, rest = divmod(hundredths, 360000)
    minutes, rest = divmod(rest, 6000)
    whole, fraction = divmod(rest, 100)
    if version == "1.2":
        if hours > 9999:  # CMITimespan has four hour digits
            return "9999:59:59.99"
        return f"{hours:04d}:{minutes:02d}:{whole:02d}.{fraction:02d}"
    second_text = f"{whole}.{fraction:02d}".rstrip("0").rstrip(".") if fraction else str(whole)
    return f"PT{hours}H{minutes}M{second_text}S"


def add_session_time(version: str, total: str | None, session: str | None) -> str:
    """The new total_time: the stored total plus the session time a SCO reported (either may be empty)."""
    seconds = 0.0
    for text in (total, session):
        if text:
            seconds += timespan_seconds(version, text)
    return format_timespan(version, seconds)


# ---------------------------------------------------------------- results


@dataclass(frozen=True)
class Results:
    """What an attempt means to the LMS: completion, success, score and the label shown."""

    completed: bool
    passed: bool | None
    score_scaled: float | None
    score_raw: float | None
    score_max: float | None
    status_label: str


def _number(values: dict[str, str], name: str) -> float | None:
    text = values.get(name, "")
    try:
        return float(text) if text != "" else None
    except ValueError:
        return None


def _clamp_unit(number: float) -> float:
    return min(1.0, max(0.0, number))


_LABELS_12 = {
    "passed": "Passed",
    "failed": "Failed",
    "completed": "Completed",
    "incomplete": "Incomplete",
    "browsed": "Browsed",
    "not attempted": "Not attempted",
}
# 1.2: statuses a mastery score may turn into passed/failed (the SCO did not say it is still working).
_MASTERY_APPLIES_12 = {"completed", "passed", "failed", "not attempted"}


def results(
    version: str,
    values: dict[str, str],
    *,
    mastery_score: float | None = None,
    scaled_passing_score: float | None = None,
    completion_threshold: float | None = None,
    credit: bool = True,
) -> Results:
    """Map an attempt's data model to completion, success and score as the specs say.

    1.2: lesson_status; with a mastery score, credit and a raw score, raw >= mastery means
    passed (else failed) unless the SCO reported incomplete or browsed; score_scaled is
    raw / max (max 100 when unset). 2004: a completion threshold with a progress measure
    decides completion (without a progress measure completion is unknown); a scaled passing
    score with score.scaled decides success (without score.scaled success is unknown);
    otherwise what the SCO reported.
    """
    _version_spec(version)
    if version == "1.2":
        return _results_12(values, mastery_score, credit)
    return _results_2004(values, scaled_passing_score, completion_threshold)


def _results_12(values: dict[str, str], mastery_score: float | None, credit: bool) -> Results:
    status = values.get("cmi.core.lesson_status") or "not attempted"
    raw = _number(values, "cmi.core.score.raw")
    maximum = _number(values, "cmi.core.score.max")
    if mastery_score is not None and credit and raw is not None and status in _MASTERY_APPLIES_12:
        status = "passed" if raw >= mastery_score else "failed"
    scale = maximum if maximum is not None else 100.0
    scaled = _clamp_unit(raw / scale) if raw is not None and scale > 0 else None
    passed = {"passed": True, "failed": False}.get(status)
    return Results(
        completed=status in ("passed", "failed", "completed"),
        passed=passed,
        score_scaled=scaled,
        score_raw=raw,
        score_max=maximum,
        status_label=_LABELS_12.get(status, status),
    )


def _results_2004(
    values: dict[str, str], scaled_passing_score: float | None, completion_threshold: float | None
) -> Results:
    completion = values.get("cmi.completion_status") or "unknown"
    success = values.get("cmi.success_status") or "unknown"
    progress = _number(values, "cmi.progress_measure")
    scaled = _number(values, "cmi.score.scaled")
    raw = _number(values, "cmi.score.raw")
    minimum = _number(values, "cmi.score.min")
    maximum = _number(values, "cmi.score.max")
    if completion_threshold is not None:
        if progress is None:
            completion = "unknown"
        else:
            completion = "completed" if progress >= completion_threshold else "incomplete"
    if scaled_passing_score is not None:
        if scaled is None:
            success = "unknown"
        else:
            success = "passed" if scaled >= scaled_passing_score else "failed"
    score_scaled = None
    if scaled is not None:
        score_scaled = _clamp_unit(scaled)
    elif raw is not None and maximum is not None:
        low = minimum or 0.0
        if maximum > low:
            score_scaled = _clamp_unit((raw - low) / (maximum - low))
    passed = {"passed": True, "failed": False}.get(success)
    if passed is True:
        label = "Passed"
    elif passed is False:
        label = "Failed"
    else:
        label = {"completed": "Completed", "incomplete": "Incomplete", "not attempted": "Not attempted"}.get(
            completion, "Unknown"
        )
    return Results(
        completed=completion == "completed",
        passed=passed,
        score_scaled=score_scaled,
        score_raw=raw,
        score_max=maximum,
        status_label=label,
    )


# ---------------------------------------------------------------- arrays as rows


def _indexed(values: dict[str, str], prefix: str) -> list[int]:
    pattern = re.compile(re.escape(prefix) + r"\.(0|[1-9][0-9]*)\.")
    return sorted({int(found.group(1)) for name in values if (found := pattern.match(name))})


def interactions(version: str, values: dict[str, str]) -> list[dict]:
    """The interactions array as rows: index, id, type, timestamp, weighting, learner_response,
    correct_responses (list), result, latency, description, objectives (list of ids)."""
    _version_spec(version)
    response_field = "student_response" if version == "1.2" else "learner_response"
    time_field = "time" if version == "1.2" else "timestamp"
    rows = []
    for index in _indexed(values, "cmi.interactions"):
        base = f"cmi.interactions.{index}"
        rows.append(
            {
                "index": index,
                "id": values.get(f"{base}.id", ""),
                "type": values.get(f"{base}.type", ""),
                "timestamp": values.get(f"{base}.{time_field}", ""),
                "weighting": values.get(f"{base}.weighting", ""),
                "learner_response": values.get(f"{base}.{response_field}", ""),
                "correct_responses": [
                    values.get(f"{base}.correct_responses.{n}.pattern", "")
                    for n in _indexed(values, f"{base}.correct_responses")
                ],
                "result": values.get(f"{base}.result", ""),
                "latency": values.get(f"{base}.latency", ""),
                "description": values.get(f"{base}.description", ""),
                "objectives": [
                    values.get(f"{base}.objectives.{n}.id", "") for n in _indexed(values, f"{base}.objectives")
                ],
            }
        )
    return rows


def objectives(version: str, values: dict[str, str]) -> list[dict]:
    """The objectives array as rows: index, id, score_scaled, score_raw, score_min, score_max,
    success_status and completion_status (1.2: both derived from status), progress_measure, description."""
    _version_spec(version)
    rows = []
    for index in _indexed(values, "cmi.objectives"):
        base = f"cmi.objectives.{index}"
        if version == "1.2":
            status = values.get(f"{base}.status", "")
            success = {"passed": "passed", "failed": "failed"}.get(status, "unknown")
            completion = "completed" if status in ("passed", "failed", "completed") else status
        else:
            success = values.get(f"{base}.success_status", "")
            completion = values.get(f"{base}.completion_status", "")
        rows.append(
            {
                "index": index,
                "id": values.get(f"{base}.id", ""),
                "score_scaled": values.get(f"{base}.score.scaled", ""),
                "score_raw": values.get(f"{base}.score.raw", ""),
                "score_min": values.get(f"{base}.score.min", ""),
                "score_max": values.get(f"{base}.score.max", ""),
                "success_status": success,
                "completion_status": completion,
                "progress_measure": values.get(f"{base}.progress_measure", ""),
                "description": values.get(f"{base}.description", ""),
            }
        )
    return rows
