"""xAPI statement rules (2.0.0, and the 1.0.3 differences): validation of what a client sends,
the identifiers a statement touches, the GET formats and statement comparison.

Every refusal is `Invalid("<path>: <reason>")`, the path naming the property in the statement
(e.g. `actor.mbox`, `context.contextActivities.parent[0].id`)."""

from __future__ import annotations

import copy
import json
import re
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

from lms_app.services.errors import Invalid

VOIDED_VERB = "http://adlnet.gov/expapi/verbs/voided"
VERSION_2 = "2.0.0"

_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:\S+$")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_SHA1 = re.compile(r"^[0-9a-fA-F]{40}$")
_SHA2 = re.compile(r"^(?:[0-9a-fA-F]{56}|[0-9a-fA-F]{64}|[0-9a-fA-F]{96}|[0-9a-fA-F]{128})$")
_MEDIA_TYPE = re.compile(r"^[A-Za-z0-9!#$&^_.+\-]+/[A-Za-z0-9!#$&^_.+\-]+(?:\s*;.*)?$")
# RFC 5646: language[-script][-region](-variant)*(-extension)*[-privateuse], or privateuse / grandfathered i-*.
_LANGUAGE_TAG = re.compile(
    r"^(?:(?:[A-Za-z]{2,3}(?:-[A-Za-z]{3}){0,3}|[A-Za-z]{4,8})(?:-[A-Za-z]{4})?(?:-(?:[A-Za-z]{2}|[0-9]{3}))?"
    r"(?:-(?:[A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3}))*(?:-[0-9A-WY-Za-wy-z](?:-[A-Za-z0-9]{2,8})+)*"
    r"(?:-[xX](?:-[A-Za-z0-9]{1,8})+)?|[xX](?:-[A-Za-z0-9]{1,8})+|[iI]-[A-Za-z]{2,8})$")
_TIMESTAMP = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|z|[+-]\d{2}:?\d{2}|[+-]\d{2})?$")
_DURATION = re.compile(
    r"^P(?!$)(?:\d+(?:\.\d+)?W|(?:\d+Y)?(?:\d+M)?(?:\d+D)?(?:T(?=\d)(?:\d+H)?(?:\d+M)?(?:\d+(?:\.\d+)?S)?)?)$")
_VERSION = {"1": re.compile(r"^1\.0(?:\.\d+)?$"), "2": re.compile(r"^(?:1\.0|2\.0)(?:\.\d+)?$")}

_IFIS = ("mbox", "mbox_sha1sum", "openid", "account")
_STATEMENT_KEYS = {"id", "actor", "verb", "object", "result", "context", "timestamp", "stored", "authority",
                   "version", "attachments"}
_SUB_STATEMENT_KEYS = {"objectType", "actor", "verb", "object", "result", "context", "timestamp", "attachments"}
_DEFINITION_KEYS = {"name", "description", "type", "moreInfo", "interactionType", "correctResponsesPattern",
                    "choices", "scale", "source", "target", "steps", "extensions"}
# Which interaction component lists each interaction type may carry.
_INTERACTION_COMPONENTS = {
    "true-false": set(), "fill-in": set(), "long-fill-in": set(), "numeric": set(), "other": set(),
    "choice": {"choices"}, "sequencing": {"choices"}, "likert": {"scale"},
    "matching": {"source", "target"}, "performance": {"steps"},
}
_COMPONENT_LISTS = ("choices", "scale", "source", "target", "steps")
_CONTEXT_ACTIVITY_KINDS = ("parent", "grouping", "category", "other")
_CONTEXT_KEYS_1 = {"registration", "instructor", "team", "contextActivities", "revision", "platform", "language",
                   "statement", "extensions"}
_CONTEXT_KEYS_2 = _CONTEXT_KEYS_1 | {"contextAgents", "contextGroups"}
_RESULT_KEYS = {"score", "success", "completion", "response", "duration", "extensions"}
_ATTACHMENT_KEYS = {"usageType", "display", "description", "contentType", "length", "sha2", "fileUrl"}


def _fail(path: str, reason: str):
    raise Invalid(f"{path}: {reason}")


def _is_2(version: str) -> bool:
    return version.startswith("2")


# ---------------------------------------------------------------- primitive types

def _object(value: Any, path: str) -> dict:
    if not isinstance(value, dict):
        _fail(path, "must be an object")
    return value


def _known(value: dict, allowed: set[str], path: str) -> None:
    unknown = sorted(set(value) - allowed)
    if unknown:
        _fail(f"{path}.{unknown[0]}" if path else unknown[0], "is not a property allowed here")


def _string(value: Any, path: str) -> str:
    if not isinstance(value, str):
        _fail(path, "must be a string")
    return value


def _iri(value: Any, path: str) -> str:
    if not isinstance(value, str) or not _IRI.match(value):
        _fail(path, "must be an IRI (absolute, with a scheme, no spaces)")
    return value


def _uuid(value: Any, path: str) -> str:
    if not isinstance(value, str) or not _UUID.match(value):
        _fail(path, "must be a UUID")
    return value


def _boolean(value: Any, path: str) -> bool:
    if not isinstance(value, bool):
        _fail(path, "must be true or false")
    return value


def _number(value: Any, path: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        _fail(path, "must be a number")
    return value


def _language_tag(value: Any, path: str) -> str:
    if not isinstance(value, str) or not _LANGUAGE_TAG.match(value):
        _fail(path, "must be an RFC 5646 language tag")
    return value


def _language_map(value: Any, path: str) -> None:
    if not isinstance(value, dict):
        _fail(path, "must be a language map")
    for tag, text in value.items():
        if not _LANGUAGE_TAG.match(tag):
            _fail(f"{path}.{tag}", "must be an RFC 5646 language tag")
        if not isinstance(text, str):
            _fail(f"{path}.{tag}", "must be a string")


def _extensions(value: Any, path: str) -> None:
    if not isinstance(value, dict):
        _fail(path, "must be an object")
    for key in value:
        if not _IRI.match(key):
            _fail(f"{path}.{key}", "extension keys must be IRIs")


def parse_timestamp(value: Any, path: str) -> datetime:
    """An ISO 8601 date and time as a UTC datetime. Both versions only recommend a time zone, so a time
    without one is read as UTC; the offset -00:00 (RFC 3339's "unknown local offset") is refused."""
    match = _TIMESTAMP.match(value) if isinstance(value, str) else None
    if not match:
        _fail(path, "must be an ISO 8601 timestamp such as 2024-05-01T12:00:00.000Z")
    zone = match.group(8)
    if zone and zone[0] == "-" and set(zone[1:].replace(":", "")) == {"0"}:
        _fail(path, "must not use the offset -00:00")
    fraction = (match.group(7) or ".0")[1:7].ljust(6, "0")
    try:
        moment = datetime(*(int(match.group(i)) for i in range(1, 7)), int(fraction))
    except ValueError:
        _fail(path, "is not a real date and time")
    if zone and zone not in ("Z", "z"):
        digits = zone[1:].replace(":", "").ljust(4, "0")
        hours, minutes = int(digits[:2]), int(digits[2:])
        if hours > 23 or minutes > 59:
            _fail(path, "has an impossible time zone offset")
        offset = timedelta(hours=hours, minutes=minutes) * (1 if zone[0] == "+" else -1)
        return (moment - offset).replace(tzinfo=timezone.utc)
    return moment.replace(tzinfo=timezone.utc)


def _duration(value: Any, path: str) -> None:
    if not isinstance(value, str) or not _DURATION.match(value):
        _fail(path, "must be an ISO 8601 duration such as PT1H30M or PT12.5S")


# ---------------------------------------------------------------- agents and groups

def agent_key(agent: dict) -> str:
    """One string for the agent's (or identified group's) inverse functional identifier:
    `mbox:mailto:...`, `mbox_sha1sum:<hex>`, `openid:<uri>`, `account:<homePage>|<name>`;
    "" when it has none (an anonymous group)."""
    if not isinstance(agent, dict):
        return ""
    if isinstance(agent.get("mbox"), str):
        return f"mbox:{agent['mbox']}"
    if isinstance(agent.get("mbox_sha1sum"), str):
        return f"mbox_sha1sum:{agent['mbox_sha1sum'].lower()}"
    if isinstance(agent.get("openid"), str):
        return f"openid:{agent['openid']}"
    account = agent.get("account")
    if isinstance(account, dict) and "homePage" in account and "name" in account:
        return f"account:{account['homePage']}|{account['name']}"
    return ""


def _ifi(agent: dict, path: str) -> None:
    """Check the inverse functional identifier the agent or group carries (at most one)."""
    present = [name for name in _IFIS if name in agent]
    if len(present) > 1:
        _fail(path, "must have exactly one of mbox, mbox_sha1sum, openid, account (found " + ", ".join(present) + ")")
    if not present:
        return
    name = present[0]
    value = agent[name]
    where = f"{path}.{name}"
    if name == "mbox":
        if not isinstance(value, str) or not re.match(r"^mailto:[^@\s]+@[^@\s]+$", value):
            _fail(where, "must be a mailto IRI")
    elif name == "mbox_sha1sum":
        if not isinstance(value, str) or not _SHA1.match(value):
            _fail(where, "must be the 40-character hexadecimal SHA-1 of a mailto IRI")
    elif name == "openid":
        _iri(value, where)
    else:
        account = _object(value, where)
        _known(account, {"homePage", "name"}, where)
        if "homePage" not in account:
            _fail(f"{where}.homePage", "is required")
        _iri(account["homePage"], f"{where}.homePage")
        if "name" not in account:
            _fail(f"{where}.name", "is required")
        _string(account["name"], f"{where}.name")


def _agent(value: Any, path: str) -> None:
    agent = _object(value, path)
    _known(agent, {"objectType", "name", *_IFIS}, path)
    if agent.get("objectType", "Agent") != "Agent":
        _fail(f"{path}.objectType", 'must be "Agent"')
    if "name" in agent:
        _string(agent["name"], f"{path}.name")
    if not any(name in agent for name in _IFIS):
        _fail(path, "must have exactly one of mbox, mbox_sha1sum, openid, account")
    _ifi(agent, path)


def _group(value: Any, path: str) -> None:
    group = _object(value, path)
    _known(group, {"objectType", "name", "member", *_IFIS}, path)
    if group.get("objectType") != "Group":
        _fail(f"{path}.objectType", 'must be "Group"')
    if "name" in group:
        _string(group["name"], f"{path}.name")
    _ifi(group, path)
    identified = any(name in group for name in _IFIS)
    if "member" in group:
        if not isinstance(group["member"], list):
            _fail(f"{path}.member", "must be an array of Agents")
        for index, member in enumerate(group["member"]):
            _agent(member, f"{path}.member[{index}]")
    if not identified and not group.get("member"):
        _fail(f"{path}.member", "an anonymous Group must list its members")


def _actor(value: Any, path: str) -> None:
    """An Agent or a Group (objectType decides; absent means Agent)."""
    actor = _object(value, path)
    kind = actor.get("objectType", "Agent")
    if kind == "Group":
        _group(actor, path)
    elif kind == "Agent":
        _agent(actor, path)
    else:
        _fail(f"{path}.objectType", 'must be "Agent" or "Group"')


def _authority(value: Any, path: str) -> None:
    """An Agent, or the anonymous two-member Group of an OAuth consumer and user."""
    authority = _object(value, path)
    _actor(authority, path)
    if authority.get("objectType") == "Group":
        if any(name in authority for name in _IFIS) or len(authority.get("member") or []) != 2:
            _fail(path, "a Group authority must be an anonymous Group of exactly two Agents (OAuth)")


# ---------------------------------------------------------------- verb, activity, objects

def _verb(value: Any, path: str) -> None:
    verb = _object(value, path)
    _known(verb, {"id", "display"}, path)
    if "id" not in verb:
        _fail(f"{path}.id", "is required")
    _iri(verb["id"], f"{path}.id")
    if "display" in verb:
        _language_map(verb["display"], f"{path}.display")


def _components(definition: dict, name: str, path: str) -> None:
    items = definition[name]
    if not isinstance(items, list):
        _fail(f"{path}.{name}", "must be an array of interaction components")
    seen: set[str] = set()
    for index, item in enumerate(items):
        where = f"{path}.{name}[{index}]"
        component = _object(item, where)
        _known(component, {"id", "description"}, where)
        if not isinstance(component.get("id"), str) or not component["id"].strip():
            _fail(f"{where}.id", "must be a non-empty string")
        if component["id"] in seen:
            _fail(f"{where}.id", "must be unique within the list")
        seen.add(component["id"])
        if "description" in component:
            _language_map(component["description"], f"{where}.description")


def _definition(value: Any, path: str) -> None:
    definition = _object(value, path)
    _known(definition, _DEFINITION_KEYS, path)
    for name in ("name", "description"):
        if name in definition:
            _language_map(definition[name], f"{path}.{name}")
    if "type" in definition:
        _iri(definition["type"], f"{path}.type")
    if "moreInfo" in definition:
        _iri(definition["moreInfo"], f"{path}.moreInfo")
    if "extensions" in definition:
        _extensions(definition["extensions"], f"{path}.extensions")
    interaction = definition.get("interactionType")
    if interaction is None:
        for name in ("correctResponsesPattern", *_COMPONENT_LISTS):
            if name in definition:
                _fail(f"{path}.{name}", "needs an interactionType")
        return
    if interaction not in _INTERACTION_COMPONENTS:
        _fail(f"{path}.interactionType", "must be one of " + ", ".join(sorted(_INTERACTION_COMPONENTS)))
    if "correctResponsesPattern" in definition:
        pattern = definition["correctResponsesPattern"]
        if not isinstance(pattern, list) or not all(isinstance(item, str) for item in pattern):
            _fail(f"{path}.correctResponsesPattern", "must be an array of strings")
    allowed = _INTERACTION_COMPONENTS[interaction]
    for name in _COMPONENT_LISTS:
        if name in definition:
            if name not in allowed:
                _fail(f"{path}.{name}", f'is not used by the interactionType "{interaction}"')
            _components(definition, name, path)


def _activity(value: Any, path: str) -> None:
    activity = _object(value, path)
    _known(activity, {"objectType", "id", "definition"}, path)
    if activity.get("objectType", "Activity") != "Activity":
        _fail(f"{path}.objectType", 'must be "Activity"')
    if "id" not in activity:
        _fail(f"{path}.id", "is required")
    _iri(activity["id"], f"{path}.id")
    if "definition" in activity:
        _definition(activity["definition"], f"{path}.definition")


def _statement_ref(value: Any, path: str) -> None:
    ref = _object(value, path)
    _known(ref, {"objectType", "id"}, path)
    if ref.get("objectType") != "StatementRef":
        _fail(f"{path}.objectType", 'must be "StatementRef"')
    if "id" not in ref:
        _fail(f"{path}.id", "is required")
    _uuid(ref["id"], f"{path}.id")


def _statement_object(value: Any, path: str, version: str, *, in_sub_statement: bool) -> None:
    target = _object(value, path)
    kind = target.get("objectType", "Activity")
    if kind == "Activity":
        _activity(target, path)
    elif kind == "Agent":
        _agent(target, path)
    elif kind == "Group":
        _group(target, path)
    elif kind == "StatementRef":
        _statement_ref(target, path)
    elif kind == "SubStatement":
        if in_sub_statement:
            _fail(f"{path}.objectType", "a SubStatement cannot contain another SubStatement")
        _statement_body(target, path, version, sub_statement=True)
    else:
        _fail(f"{path}.objectType", "must be Activity, Agent, Group, StatementRef or SubStatement")


# ---------------------------------------------------------------- result, context, attachments

def _result(value: Any, path: str) -> None:
    result = _object(value, path)
    _known(result, _RESULT_KEYS, path)
    if "score" in result:
        where = f"{path}.score"
        score = _object(result["score"], where)
        _known(score, {"scaled", "raw", "min", "max"}, where)
        for name in score:
            _number(score[name], f"{where}.{name}")
        if "scaled" in score and not -1 <= score["scaled"] <= 1:
            _fail(f"{where}.scaled", "must be between -1 and 1")
        if "min" in score and "max" in score and not score["min"] < score["max"]:
            _fail(f"{where}.min", "must be less than max")
        if "raw" in score and "min" in score and score["raw"] < score["min"]:
            _fail(f"{where}.raw", "must not be below min")
        if "raw" in score and "max" in score and score["raw"] > score["max"]:
            _fail(f"{where}.raw", "must not be above max")
    for name in ("success", "completion"):
        if name in result:
            _boolean(result[name], f"{path}.{name}")
    if "response" in result:
        _string(result["response"], f"{path}.response")
    if "duration" in result:
        _duration(result["duration"], f"{path}.duration")
    if "extensions" in result:
        _extensions(result["extensions"], f"{path}.extensions")


def _context_activities(context: dict, path: str, version: str) -> None:
    where = f"{path}.contextActivities"
    activities = _object(context["contextActivities"], where)
    _known(activities, set(_CONTEXT_ACTIVITY_KINDS), where)
    for kind, value in list(activities.items()):
        if isinstance(value, dict) and not _is_2(version):
            value = activities[kind] = [value]  # 1.0.3 allows one object; the LRS returns it as an array
        if not isinstance(value, list):
            _fail(f"{where}.{kind}", "must be an array of Activities")
        for index, activity in enumerate(value):
            _activity(activity, f"{where}.{kind}[{index}]")


def _relevant_types(holder: dict, path: str) -> None:
    if "relevantTypes" not in holder:
        return
    types = holder["relevantTypes"]
    if not isinstance(types, list) or not types:
        _fail(f"{path}.relevantTypes", "must be a non-empty array of IRIs")
    for index, item in enumerate(types):
        _iri(item, f"{path}.relevantTypes[{index}]")


def _context_agents(context: dict, path: str, name: str) -> None:
    holder_type, member_name, check = (("contextAgent", "agent", _agent) if name == "contextAgents"
                                       else ("contextGroup", "group", _group))
    entries = context[name]
    if not isinstance(entries, list):
        _fail(f"{path}.{name}", "must be an array")
    for index, entry in enumerate(entries):
        where = f"{path}.{name}[{index}]"
        item = _object(entry, where)
        _known(item, {"objectType", member_name, "relevantTypes"}, where)
        if item.get("objectType") != holder_type:
            _fail(f"{where}.objectType", f'must be "{holder_type}"')
        if member_name not in item:
            _fail(f"{where}.{member_name}", "is required")
        check(item[member_name], f"{where}.{member_name}")
        _relevant_types(item, where)


def _context(value: Any, path: str, version: str, object_is_activity: bool) -> None:
    context = _object(value, path)
    _known(context, _CONTEXT_KEYS_2 if _is_2(version) else _CONTEXT_KEYS_1, path)
    if "registration" in context:
        _uuid(context["registration"], f"{path}.registration")
    if "instructor" in context:
        _actor(context["instructor"], f"{path}.instructor")
    if "team" in context:
        _group(context["team"], f"{path}.team")
    if "contextActivities" in context:
        _context_activities(context, path, version)
    for name in ("revision", "platform"):
        if name in context:
            _string(context[name], f"{path}.{name}")
            if not object_is_activity:
                _fail(f"{path}.{name}", "may only be used when the statement's object is an Activity")
    if "language" in context:
        _language_tag(context["language"], f"{path}.language")
    if "statement" in context:
        _statement_ref(context["statement"], f"{path}.statement")
    if "extensions" in context:
        _extensions(context["extensions"], f"{path}.extensions")
    for name in ("contextAgents", "contextGroups"):
        if name in context:
            _context_agents(context, path, name)


def _attachments(value: Any, path: str) -> None:
    if not isinstance(value, list):
        _fail(path, "must be an array of attachments")
    for index, item in enumerate(value):
        where = f"{path}[{index}]"
        attachment = _object(item, where)
        _known(attachment, _ATTACHMENT_KEYS, where)
        for name in ("usageType", "display", "contentType", "length", "sha2"):
            if name not in attachment:
                _fail(f"{where}.{name}", "is required")
        _iri(attachment["usageType"], f"{where}.usageType")
        _language_map(attachment["display"], f"{where}.display")
        if "description" in attachment:
            _language_map(attachment["description"], f"{where}.description")
        if not isinstance(attachment["contentType"], str) or not _MEDIA_TYPE.match(attachment["contentType"]):
            _fail(f"{where}.contentType", "must be an Internet media type")
        length = attachment["length"]
        if isinstance(length, bool) or not isinstance(length, int) or length < 0:
            _fail(f"{where}.length", "must be a whole number of octets")
        if not isinstance(attachment["sha2"], str) or not _SHA2.match(attachment["sha2"]):
            _fail(f"{where}.sha2", "must be a hexadecimal SHA-2 hash")
        if "fileUrl" in attachment:
            _iri(attachment["fileUrl"], f"{where}.fileUrl")


# ---------------------------------------------------------------- statements

def _statement_body(statement: dict, path: str, version: str, *, sub_statement: bool) -> None:
    prefix = f"{path}." if path else ""
    if sub_statement:
        _known(statement, _SUB_STATEMENT_KEYS, path)
    else:
        _known(statement, _STATEMENT_KEYS, path)
    for name in ("actor", "verb", "object"):
        if name not in statement:
            _fail(prefix + name, "is required")
    if "id" in statement:
        _uuid(statement["id"], prefix + "id")
    _actor(statement["actor"], prefix + "actor")
    _verb(statement["verb"], prefix + "verb")
    _statement_object(statement["object"], prefix + "object", version, in_sub_statement=sub_statement)
    target = statement["object"]
    if statement["verb"]["id"] == VOIDED_VERB and target.get("objectType") != "StatementRef":
        _fail(prefix + "object", "a voiding statement (verb voided) must have a StatementRef object")
    if "result" in statement:
        _result(statement["result"], prefix + "result")
    if "context" in statement:
        _context(statement["context"], prefix + "context", version, target.get("objectType", "Activity") == "Activity")
    if "timestamp" in statement:
        parse_timestamp(statement["timestamp"], prefix + "timestamp")
    if "stored" in statement:
        parse_timestamp(statement["stored"], prefix + "stored")
    if "authority" in statement:
        _authority(statement["authority"], prefix + "authority")
    if "version" in statement:
        given = statement["version"]
        if not isinstance(given, str) or not _VERSION["2" if _is_2(version) else "1"].match(given):
            allowed = "1.0.x or 2.0.x" if _is_2(version) else "1.0.x"
            _fail(prefix + "version", f"must be {allowed}")
    if "attachments" in statement:
        _attachments(statement["attachments"], prefix + "attachments")


def validate_statement(data: Any, *, version: str = VERSION_2) -> dict:
    """Check one statement against the rules of `version` ("2.0.0" or a 1.0.x) and return it as the
    LRS will store it: a deep copy, with 1.0.3's single context activities turned into arrays.
    id, stored and authority are left as sent (the store fills them). Raises Invalid("<path>: <reason>")."""
    statement = copy.deepcopy(data)
    if not isinstance(statement, dict):
        raise Invalid("statement: must be a JSON object")
    _statement_body(statement, "", version, sub_statement=False)
    return statement


def validate_batch(data: Any, *, version: str = VERSION_2) -> list[dict]:
    """One statement or an array of them, validated all or nothing: the first bad statement refuses the
    batch with its index in the reason ("statement 3: ..."), as does an id given twice."""
    statements = data if isinstance(data, list) else [data]
    checked: list[dict] = []
    ids: dict[str, int] = {}
    for index, item in enumerate(statements):
        try:
            statement = validate_statement(item, version=version)
        except Invalid as error:
            raise Invalid(f"statement {index}: {error.message}") from None
        if "id" in statement:
            key = statement["id"].lower()
            if key in ids:
                raise Invalid(f"statement {index}: id {key} is already used by statement {ids[key]} of this batch")
            ids[key] = index
        checked.append(statement)
    return checked


# ---------------------------------------------------------------- what a statement touches

def _context_activity_list(context: dict) -> list[dict]:
    found = []
    for value in (context.get("contextActivities") or {}).values():
        found += [a for a in (value if isinstance(value, list) else [value]) if isinstance(a, dict)]
    return found


def _parts(statement: dict) -> list[dict]:
    """The statement and, when its object is a SubStatement, that sub-statement."""
    target = statement.get("object")
    if isinstance(target, dict) and target.get("objectType") == "SubStatement":
        return [statement, target]
    return [statement]


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(value for value in values if value))


def activity_ids(statement: dict) -> list[str]:
    """Every activity id the statement names: its object, its context activities, and the same in its
    sub-statement (in that order, without repeats)."""
    found: list[str] = []
    for part in _parts(statement):
        target = part.get("object") or {}
        if target.get("objectType", "Activity") == "Activity" and isinstance(target.get("id"), str):
            found.append(target["id"])
        found += [a.get("id") for a in _context_activity_list(part.get("context") or {}) if isinstance(a.get("id"), str)]
    return _unique(found)


def _keys_of(agent: Any) -> list[str]:
    if not isinstance(agent, dict):
        return []
    return [agent_key(agent)] + [agent_key(member) for member in agent.get("member") or [] if isinstance(member, dict)]


def agent_keys(statement: dict) -> list[str]:
    """Every agent key the statement names: actor, an Agent/Group object, group members, authority,
    instructor, team, 2.0 contextAgents / contextGroups, and the same in its sub-statement."""
    found: list[str] = []
    for part in _parts(statement):
        found += _keys_of(part.get("actor"))
        target = part.get("object") or {}
        if target.get("objectType") in ("Agent", "Group"):
            found += _keys_of(target)
        context = part.get("context") or {}
        found += _keys_of(context.get("instructor")) + _keys_of(context.get("team"))
        found += [key for entry in context.get("contextAgents") or [] if isinstance(entry, dict)
                  for key in _keys_of(entry.get("agent"))]
        found += [key for entry in context.get("contextGroups") or [] if isinstance(entry, dict)
                  for key in _keys_of(entry.get("group"))]
    found += _keys_of(statement.get("authority"))
    return _unique(found)


# ---------------------------------------------------------------- GET formats

def _ids_agent(agent: Any) -> Any:
    if not isinstance(agent, dict):
        return agent
    kept = {name: agent[name] for name in ("objectType", *_IFIS) if name in agent}
    if agent.get("objectType") == "Group" and not any(name in agent for name in _IFIS):
        kept["member"] = [_ids_agent(member) for member in agent.get("member") or []]
    return kept


def _ids_activity(activity: Any) -> Any:
    if not isinstance(activity, dict):
        return activity
    return {name: activity[name] for name in ("objectType", "id") if name in activity}


def _ids_verb(verb: Any) -> Any:
    return {"id": verb["id"]} if isinstance(verb, dict) and "id" in verb else verb


def _walk(statement: dict, agent: Callable[[Any], Any], activity: Callable[[Any], Any],
          verb: Callable[[Any], Any], attachment: Callable[[Any], Any]) -> dict:
    """A copy of the statement with every agent, activity, verb and attachment passed through the given
    functions (sub-statement included)."""
    result = copy.deepcopy(statement)
    for part in _parts(result):
        if "actor" in part:
            part["actor"] = agent(part["actor"])
        if "verb" in part:
            part["verb"] = verb(part["verb"])
        target = part.get("object")
        if isinstance(target, dict):
            kind = target.get("objectType", "Activity")
            if kind == "Activity":
                part["object"] = activity(target)
            elif kind in ("Agent", "Group"):
                part["object"] = agent(target)
        context = part.get("context")
        if isinstance(context, dict):
            for name in ("instructor", "team"):
                if name in context:
                    context[name] = agent(context[name])
            for relation, value in (context.get("contextActivities") or {}).items():
                items = value if isinstance(value, list) else [value]
                context["contextActivities"][relation] = [activity(item) for item in items]
            for entry in context.get("contextAgents") or []:
                if isinstance(entry, dict) and "agent" in entry:
                    entry["agent"] = agent(entry["agent"])
            for entry in context.get("contextGroups") or []:
                if isinstance(entry, dict) and "group" in entry:
                    entry["group"] = agent(entry["group"])
        if isinstance(part.get("attachments"), list):
            part["attachments"] = [attachment(item) for item in part["attachments"]]
    if "authority" in result:
        result["authority"] = agent(result["authority"])
    return result


def best_language(language_map: dict, languages: list[str]) -> str | None:
    """The key of the language map that best fits the Accept-Language list (in preference order): an exact
    tag, then a tag sharing the primary language, then "und", then the first key."""
    if not language_map:
        return None
    by_lower = {tag.lower(): tag for tag in language_map}
    for wanted in languages:
        wanted = wanted.split(";")[0].strip().lower()  # a header entry may still carry its q-value
        if wanted in by_lower:
            return by_lower[wanted]
        primary = wanted.split("-")[0]
        for lower, tag in by_lower.items():
            if primary and primary != "*" and lower.split("-")[0] == primary:
                return tag
    return by_lower.get("und", next(iter(language_map)))


def _canonical_map(value: Any, languages: list[str]) -> Any:
    if not isinstance(value, dict) or not value:
        return value
    tag = best_language(value, languages)
    return {tag: value[tag]}


def format_statement(statement: dict, fmt: str, languages: list[str], definitions: dict[str, dict] | None = None) -> dict:
    """The statement in a GET format: "exact" as stored; "ids" with agents and groups reduced to their
    identifier (an anonymous group to its members' identifiers), activities and verbs to their id;
    "canonical" with each activity's definition replaced by the LRS's canonical one (`definitions`,
    by activity id, when it has one) and every language map reduced to the one language best
    fitting `languages`."""
    if fmt == "exact":
        return copy.deepcopy(statement)
    if fmt == "ids":
        return _walk(statement, _ids_agent, _ids_activity, _ids_verb, lambda item: item)
    if fmt != "canonical":
        raise Invalid('format: must be "exact", "ids" or "canonical"')

    def activity(item: Any) -> Any:
        if isinstance(item, dict) and (definitions or {}).get(item.get("id")):
            item["definition"] = copy.deepcopy(definitions[item["id"]])
        definition = item.get("definition") if isinstance(item, dict) else None
        if isinstance(definition, dict):
            for name in ("name", "description"):
                if name in definition:
                    definition[name] = _canonical_map(definition[name], languages)
            for name in _COMPONENT_LISTS:
                for component in definition.get(name) or []:
                    if isinstance(component, dict) and "description" in component:
                        component["description"] = _canonical_map(component["description"], languages)
        return item

    def verb(item: Any) -> Any:
        if isinstance(item, dict) and "display" in item:
            item["display"] = _canonical_map(item["display"], languages)
        return item

    def attachment(item: Any) -> Any:
        if isinstance(item, dict):
            for name in ("display", "description"):
                if name in item:
                    item[name] = _canonical_map(item[name], languages)
        return item

    return _walk(statement, lambda agent: agent, activity, verb, attachment)


# ---------------------------------------------------------------- comparison

# Assigned by the LRS.
_OUTSIDE_COMPARISON = ("stored", "authority", "version")


def _sorted_members(agent: Any) -> Any:
    """Group members are an unordered list: compare them in one fixed order."""
    if isinstance(agent, dict) and isinstance(agent.get("member"), list):
        return {**agent, "member": sorted(agent["member"], key=lambda member: json.dumps(member, sort_keys=True))}
    return agent


def _comparable_duration(value: Any) -> Any:
    """Durations compare to 0.01 s: the LRS may drop digits beyond it."""
    if not isinstance(value, str):
        return value
    return re.sub(r"(\d+)\.(\d+)S$", lambda m: f"{m.group(1)}.{m.group(2)[:2].ljust(2, '0')}S", value.upper())


def _comparable(statement: dict) -> dict:
    """The statement as the comparison rules see it: in the ids format (definitions, verb displays and agent
    names are not part of what must match), group members in a fixed order, without what the LRS stamps,
    UUIDs in lower case, timestamps as UTC instants to the millisecond, durations to the
    hundredth of a second (2.0.0)."""
    result = _walk(format_statement(statement, "ids", []), _sorted_members, lambda item: item, lambda item: item,
                   lambda item: item)
    for name in _OUTSIDE_COMPARISON:
        result.pop(name, None)
    for part in _parts(result):
        if isinstance(part.get("id"), str):
            part["id"] = part["id"].lower()
        target = part.get("object")
        if isinstance(target, dict) and target.get("objectType") == "StatementRef" and isinstance(target.get("id"), str):
            target["id"] = target["id"].lower()
        if "timestamp" in part:
            try:
                moment = parse_timestamp(part["timestamp"], "timestamp")
                part["timestamp"] = moment.isoformat(timespec="milliseconds")
            except Invalid:
                pass
        context = part.get("context")
        if isinstance(context, dict):
            if isinstance(context.get("registration"), str):
                context["registration"] = context["registration"].lower()
            if isinstance(context.get("statement"), dict) and isinstance(context["statement"].get("id"), str):
                context["statement"]["id"] = context["statement"]["id"].lower()
        if isinstance(part.get("result"), dict) and "duration" in part["result"]:
            part["result"]["duration"] = _comparable_duration(part["result"]["duration"])
    return result


def same_statement(a: dict, b: dict) -> bool:
    """Whether two statements are the same under xAPI's comparison rules (idempotent PUT / POST, signed
    statements): differences the LRS itself may introduce (stored, authority, version, UUID case, time
    zone and sub-millisecond precision of timestamps, single context activities, group member order,
    duration digits below 0.01 s) and the parts outside the statement proper (activity definitions, verb
    displays, agent names) are ignored."""
    return _comparable(a) == _comparable(b)
