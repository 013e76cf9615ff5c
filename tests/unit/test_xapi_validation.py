"""xAPI statement rules: one test per rule, valid and invalid examples, both versions where they differ."""

from __future__ import annotations

import copy

import pytest

from lms_app.services.errors import Invalid
from lms_app.services.xapi_validation import (
    activity_ids,
    agent_key,
    agent_keys,
    best_language,
    format_statement,
    parse_timestamp,
    same_statement,
    validate_batch,
    validate_statement,
)

BOTH = ["2.0.0", "1.0.3"]
ACTIVITY = "http://example.com/activities/quiz-1"
UUID_1 = "f1d6a9a4-3c3e-4b44-9a61-1f0c2b7a9e01"
UUID_2 = "0b7e57ce-9f1b-4e51-8a8c-6a0d3a1f2c02"
SHA256 = "a" * 64


def statement(**changes) -> dict:
    """A minimal valid statement with the given top-level properties replaced (None removes one)."""
    base = {
        "actor": {"objectType": "Agent", "name": "Ann", "mbox": "mailto:ann@example.com"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/completed", "display": {"en-US": "completed"}},
        "object": {"objectType": "Activity", "id": ACTIVITY},
    }
    for name, value in changes.items():
        if value is None:
            base.pop(name, None)
        else:
            base[name] = value
    return base


def refused(data: dict, version: str = "2.0.0") -> str:
    with pytest.raises(Invalid) as caught:
        validate_statement(data, version=version)
    return caught.value.message


# ---------------------------------------------------------------- statement level

@pytest.mark.parametrize("version", BOTH)
def test_a_minimal_statement_is_returned_as_a_deep_copy(version):
    data = statement()
    stored = validate_statement(data, version=version)
    assert stored == data
    stored["actor"]["name"] = "changed"
    assert data["actor"]["name"] == "Ann"
    assert "id" not in stored and "stored" not in stored and "authority" not in stored


@pytest.mark.parametrize("missing", ["actor", "verb", "object"])
def test_actor_verb_and_object_are_required(missing):
    assert refused(statement(**{missing: None})) == f"{missing}: is required"


def test_a_statement_must_be_an_object():
    with pytest.raises(Invalid, match="must be a JSON object"):
        validate_statement(["not", "a", "statement"])


@pytest.mark.parametrize("version", BOTH)
def test_unknown_properties_are_refused_everywhere_but_extensions(version):
    assert refused(statement(colour="red"), version) == "colour: is not a property allowed here"
    verb = {"id": "http://example.com/verbs/did", "Display": {"en": "did"}}
    assert refused(statement(verb=verb), version) == "verb.Display: is not a property allowed here"
    result = {"extensions": {"http://example.com/ext/anything": {"free": ["form", None]}}}
    assert validate_statement(statement(result=result), version=version)["result"] == result


def test_null_values_are_refused():
    assert refused(statement(actor={"mbox": "mailto:ann@example.com", "name": None})) == "actor.name: must be a string"
    assert refused(statement(result={"success": None})) == "result.success: must be true or false"


@pytest.mark.parametrize("statement_id", [UUID_1, UUID_1.upper(), "00000000-0000-0000-0000-000000000000",
                                          "f1d6a9a4-3c3e-1b44-c961-1f0c2b7a9e01"])
def test_id_is_a_uuid_of_any_variant_in_either_case(statement_id):
    assert validate_statement(statement(id=statement_id))["id"] == statement_id


@pytest.mark.parametrize("statement_id", ["", "not-a-uuid", UUID_1 + "0", UUID_1.replace("-", ""), 12])
def test_an_id_that_is_not_a_uuid_is_refused(statement_id):
    assert refused(statement(id=statement_id)) == "id: must be a UUID"


# ---------------------------------------------------------------- actor

@pytest.mark.parametrize("actor", [
    {"mbox": "mailto:ann@example.com"},
    {"objectType": "Agent", "mbox_sha1sum": "a" * 40},
    {"openid": "http://openid.example.com/ann"},
    {"account": {"homePage": "http://lms.example.com", "name": "ann"}},
])
def test_an_agent_has_one_valid_identifier(actor):
    assert validate_statement(statement(actor=actor))["actor"] == actor


@pytest.mark.parametrize("actor, reason", [
    ({"name": "Ann"}, "actor: must have exactly one of mbox, mbox_sha1sum, openid, account"),
    ({"mbox": "mailto:ann@example.com", "openid": "http://openid.example.com/ann"},
     "actor: must have exactly one of mbox, mbox_sha1sum, openid, account (found mbox, openid)"),
    ({"mbox": "ann@example.com"}, "actor.mbox: must be a mailto IRI"),
    ({"mbox": "mailto:"}, "actor.mbox: must be a mailto IRI"),
    ({"mbox_sha1sum": "abc"}, "actor.mbox_sha1sum: must be the 40-character hexadecimal SHA-1 of a mailto IRI"),
    ({"openid": "not an iri"}, "actor.openid: must be an IRI (absolute, with a scheme, no spaces)"),
    ({"account": {"homePage": "lms.example.com", "name": "ann"}},
     "actor.account.homePage: must be an IRI (absolute, with a scheme, no spaces)"),
    ({"account": {"homePage": "http://lms.example.com"}}, "actor.account.name: is required"),
    ({"account": {"homePage": "http://lms.example.com", "name": "ann", "id": 1}},
     "actor.account.id: is not a property allowed here"),
    ({"objectType": "Person", "mbox": "mailto:ann@example.com"}, 'actor.objectType: must be "Agent" or "Group"'),
    ({"objectType": "agent", "mbox": "mailto:ann@example.com"}, 'actor.objectType: must be "Agent" or "Group"'),
])
def test_an_agent_without_exactly_one_valid_identifier_is_refused(actor, reason):
    assert refused(statement(actor=actor)) == reason


def test_groups_anonymous_with_members_or_identified():
    anonymous = {"objectType": "Group", "member": [{"mbox": "mailto:ann@example.com"}, {"openid": "http://o.example.com/b"}]}
    identified = {"objectType": "Group", "name": "Team A", "account": {"homePage": "http://lms.example.com", "name": "team-a"}}
    assert validate_statement(statement(actor=anonymous))["actor"] == anonymous
    assert validate_statement(statement(actor=identified))["actor"] == identified
    assert refused(statement(actor={"objectType": "Group", "member": []})) == \
        "actor.member: an anonymous Group must list its members"
    assert refused(statement(actor={"objectType": "Group", "member": [{"name": "nobody"}]})) == \
        "actor.member[0]: must have exactly one of mbox, mbox_sha1sum, openid, account"
    nested = {"objectType": "Group", "member": [{"objectType": "Group", "mbox": "mailto:g@example.com"}]}
    assert refused(statement(actor=nested)) == 'actor.member[0].objectType: must be "Agent"'


# ---------------------------------------------------------------- verb

def test_verb_id_is_an_iri_and_display_a_language_map():
    assert refused(statement(verb={"display": {"en": "did"}})) == "verb.id: is required"
    assert refused(statement(verb={"id": "completed"})) == "verb.id: must be an IRI (absolute, with a scheme, no spaces)"
    assert refused(statement(verb={"id": "http://example.com/v", "display": "did"})) == "verb.display: must be a language map"
    assert refused(statement(verb={"id": "http://example.com/v", "display": {"en": 5}})) == "verb.display.en: must be a string"


@pytest.mark.parametrize("tag", ["en", "en-US", "zh-Hant-TW", "de-CH-1996", "sr-Latn-RS", "es-419", "x-private", "und"])
def test_language_map_keys_are_rfc_5646_tags(tag):
    validate_statement(statement(verb={"id": "http://example.com/v", "display": {tag: "did"}}))


@pytest.mark.parametrize("tag", ["", "english language", "en_US", "e", "en-", "toolongtag-US", "en--US"])
def test_language_map_keys_that_are_not_tags_are_refused(tag):
    message = refused(statement(verb={"id": "http://example.com/v", "display": {tag: "did"}}))
    assert message == f"verb.display.{tag}: must be an RFC 5646 language tag"


# ---------------------------------------------------------------- activity objects

def test_activity_id_is_required_and_an_iri():
    assert refused(statement(object={"objectType": "Activity"})) == "object.id: is required"
    assert refused(statement(object={"id": "quiz 1"})) == "object.id: must be an IRI (absolute, with a scheme, no spaces)"
    assert validate_statement(statement(object={"id": ACTIVITY}))["object"] == {"id": ACTIVITY}


def test_activity_definition_properties():
    definition = {"name": {"en": "Quiz"}, "description": {"en": "A quiz"}, "type": "http://adlnet.gov/expapi/activities/assessment",
                  "moreInfo": "https://example.com/quiz", "extensions": {"http://example.com/ext/level": 3}}
    validate_statement(statement(object={"id": ACTIVITY, "definition": definition}))
    for name, value, reason in [
        ("name", "Quiz", "must be a language map"),
        ("type", "assessment", "must be an IRI (absolute, with a scheme, no spaces)"),
        ("moreInfo", "/quiz", "must be an IRI (absolute, with a scheme, no spaces)"),
        ("extensions", {"level": 3}, None),
        ("colour", "red", "is not a property allowed here"),
    ]:
        broken = {**definition, name: value}
        message = refused(statement(object={"id": ACTIVITY, "definition": broken}))
        if name == "extensions":
            assert message == "object.definition.extensions.level: extension keys must be IRIs"
        else:
            assert message == f"object.definition.{name}: {reason}"


@pytest.mark.parametrize("interaction, components", [
    ("true-false", {}),
    ("choice", {"choices": [{"id": "a", "description": {"en": "A"}}, {"id": "b"}]}),
    ("sequencing", {"choices": [{"id": "a"}, {"id": "b"}]}),
    ("likert", {"scale": [{"id": "likert_0", "description": {"en": "bad"}}]}),
    ("matching", {"source": [{"id": "ben"}], "target": [{"id": "1"}]}),
    ("performance", {"steps": [{"id": "pong"}]}),
    ("fill-in", {}), ("long-fill-in", {}), ("numeric", {}), ("other", {}),
])
def test_each_interaction_type_takes_its_own_components(interaction, components):
    definition = {"type": "http://adlnet.gov/expapi/activities/cmi.interaction", "interactionType": interaction,
                  "correctResponsesPattern": ["a"], **components}
    validate_statement(statement(object={"id": ACTIVITY, "definition": definition}))


@pytest.mark.parametrize("definition, reason", [
    ({"interactionType": "essay"}, "object.definition.interactionType: must be one of "),
    ({"interactionType": "true-false", "choices": [{"id": "a"}]},
     'object.definition.choices: is not used by the interactionType "true-false"'),
    ({"interactionType": "likert", "choices": [{"id": "a"}]}, 'object.definition.choices: is not used by the interactionType "likert"'),
    ({"choices": [{"id": "a"}]}, "object.definition.choices: needs an interactionType"),
    ({"correctResponsesPattern": ["a"]}, "object.definition.correctResponsesPattern: needs an interactionType"),
    ({"interactionType": "choice", "correctResponsesPattern": "a"},
     "object.definition.correctResponsesPattern: must be an array of strings"),
    ({"interactionType": "choice", "choices": [{"id": "a"}, {"id": "a"}]},
     "object.definition.choices[1].id: must be unique within the list"),
    ({"interactionType": "choice", "choices": [{"id": ""}]}, "object.definition.choices[0].id: must be a non-empty string"),
    ({"interactionType": "choice", "choices": [{"id": "a", "description": "A"}]},
     "object.definition.choices[0].description: must be a language map"),
    ({"interactionType": "choice", "choices": {"id": "a"}}, "object.definition.choices: must be an array of interaction components"),
])
def test_interaction_rules_are_enforced(definition, reason):
    assert refused(statement(object={"id": ACTIVITY, "definition": definition})).startswith(reason)


# ---------------------------------------------------------------- other objects

def test_agent_and_group_objects():
    validate_statement(statement(object={"objectType": "Agent", "mbox": "mailto:bob@example.com"}))
    validate_statement(statement(object={"objectType": "Group", "member": [{"mbox": "mailto:bob@example.com"}]}))
    assert refused(statement(object={"objectType": "Agent", "id": ACTIVITY})) == "object.id: is not a property allowed here"


def test_statement_ref_needs_a_uuid_and_nothing_else():
    validate_statement(statement(object={"objectType": "StatementRef", "id": UUID_1}))
    assert refused(statement(object={"objectType": "StatementRef", "id": "x"})) == "object.id: must be a UUID"
    assert refused(statement(object={"objectType": "StatementRef", "id": UUID_1, "definition": {}})) == \
        "object.definition: is not a property allowed here"


def test_an_unknown_object_type_is_refused():
    assert refused(statement(object={"objectType": "Statement", "id": UUID_1})).startswith("object.objectType: must be")


def sub_statement(**changes) -> dict:
    inner = {"objectType": "SubStatement", **statement()}
    inner.update(changes)
    return inner


def test_a_sub_statement_is_validated_as_a_statement():
    validate_statement(statement(object=sub_statement(timestamp="2030-01-01T00:00:00Z")))
    assert refused(statement(object=sub_statement(verb={"id": "planned"}))) == \
        "object.verb.id: must be an IRI (absolute, with a scheme, no spaces)"


@pytest.mark.parametrize("forbidden", ["id", "stored", "version", "authority"])
def test_a_sub_statement_has_no_id_stored_version_or_authority(forbidden):
    values = {"id": UUID_1, "stored": "2024-01-01T00:00:00Z", "version": "1.0.0",
              "authority": {"mbox": "mailto:lrs@example.com"}}
    assert refused(statement(object=sub_statement(**{forbidden: values[forbidden]}))) == \
        f"object.{forbidden}: is not a property allowed here"


def test_sub_statements_do_not_nest():
    assert refused(statement(object=sub_statement(object=sub_statement()))) == \
        "object.object.objectType: a SubStatement cannot contain another SubStatement"


# ---------------------------------------------------------------- result

def test_score_rules():
    validate_statement(statement(result={"score": {"scaled": -1, "raw": 5, "min": 0, "max": 10}}))
    validate_statement(statement(result={"score": {"scaled": 1.0, "raw": -1000}}))
    for score, reason in [
        ({"scaled": 1.01}, "result.score.scaled: must be between -1 and 1"),
        ({"scaled": "0.5"}, "result.score.scaled: must be a number"),
        ({"raw": True}, "result.score.raw: must be a number"),
        ({"min": 10, "max": 10}, "result.score.min: must be less than max"),
        ({"raw": 11, "min": 0, "max": 10}, "result.score.raw: must not be above max"),
        ({"raw": -1, "min": 0}, "result.score.raw: must not be below min"),
        ({"percent": 50}, "result.score.percent: is not a property allowed here"),
    ]:
        assert refused(statement(result={"score": score})) == reason


def test_result_success_completion_response():
    validate_statement(statement(result={"success": True, "completion": False, "response": "a[,]b"}))
    assert refused(statement(result={"success": "true"})) == "result.success: must be true or false"
    assert refused(statement(result={"completion": 1})) == "result.completion: must be true or false"
    assert refused(statement(result={"response": 42})) == "result.response: must be a string"


@pytest.mark.parametrize("duration", ["PT1H30M", "PT12.345S", "P1Y2M3DT4H5M6S", "P3W", "PT0S", "P1D", "PT0.0123456S"])
def test_durations_in_iso_8601(duration):
    validate_statement(statement(result={"duration": duration}))


@pytest.mark.parametrize("duration", ["1H", "P", "PT", "P1H", "PT1.5M30S", "P1W2D", "PT-1S", "01:30:00", 90])
def test_durations_that_are_not_iso_8601_are_refused(duration):
    assert refused(statement(result={"duration": duration})).startswith("result.duration: must be an ISO 8601 duration")


# ---------------------------------------------------------------- context

def test_context_simple_properties():
    context = {"registration": UUID_1, "instructor": {"mbox": "mailto:teacher@example.com"},
               "team": {"objectType": "Group", "member": [{"mbox": "mailto:ann@example.com"}]},
               "revision": "r2", "platform": "LMS", "language": "en-GB",
               "statement": {"objectType": "StatementRef", "id": UUID_2},
               "extensions": {"http://example.com/ext/seat": 4}}
    validate_statement(statement(context=context))
    for name, value, reason in [
        ("registration", "attempt-1", "must be a UUID"),
        ("team", {"mbox": "mailto:ann@example.com"}, None),
        ("language", "en_GB", "must be an RFC 5646 language tag"),
        ("statement", {"id": UUID_2}, None),
        ("revision", 2, "must be a string"),
        ("mood", "happy", "is not a property allowed here"),
    ]:
        message = refused(statement(context={**context, name: value}))
        if name == "team":
            assert message == 'context.team.objectType: must be "Group"'
        elif name == "statement":
            assert message == 'context.statement.objectType: must be "StatementRef"'
        else:
            assert message == f"context.{name}: {reason}"


@pytest.mark.parametrize("name", ["revision", "platform"])
def test_revision_and_platform_only_when_the_object_is_an_activity(name):
    agent_object = {"objectType": "Agent", "mbox": "mailto:bob@example.com"}
    assert refused(statement(object=agent_object, context={name: "x"})) == \
        f"context.{name}: may only be used when the statement's object is an Activity"


def test_context_activities_are_arrays_of_activities():
    context = {"contextActivities": {"parent": [{"id": "http://example.com/course"}], "grouping": [],
                                     "category": [{"id": "http://example.com/profile"}], "other": [{"id": "http://example.com/x"}]}}
    validate_statement(statement(context=context))
    assert refused(statement(context={"contextActivities": {"sibling": []}})) == \
        "context.contextActivities.sibling: is not a property allowed here"
    assert refused(statement(context={"contextActivities": {"parent": [{"id": "course"}]}})) == \
        "context.contextActivities.parent[0].id: must be an IRI (absolute, with a scheme, no spaces)"


def test_a_single_context_activity_becomes_an_array_in_1_0_3_and_is_refused_in_2_0_0():
    context = {"contextActivities": {"parent": {"id": "http://example.com/course"}}}
    stored = validate_statement(statement(context=context), version="1.0.3")
    assert stored["context"]["contextActivities"]["parent"] == [{"id": "http://example.com/course"}]
    assert refused(statement(context=context), "2.0.0") == "context.contextActivities.parent: must be an array of Activities"


def test_context_agents_and_groups_in_2_0_0():
    context = {
        "contextAgents": [{"objectType": "contextAgent", "agent": {"mbox": "mailto:coach@example.com"},
                           "relevantTypes": ["http://example.com/types/coach"]}],
        "contextGroups": [{"objectType": "contextGroup",
                           "group": {"objectType": "Group", "member": [{"mbox": "mailto:ann@example.com"}]}}],
    }
    assert validate_statement(statement(context=context), version="2.0.0")["context"] == context
    assert refused(statement(context=context), "1.0.3") == "context.contextAgents: is not a property allowed here"


@pytest.mark.parametrize("context, reason", [
    ({"contextAgents": {"objectType": "contextAgent"}}, "context.contextAgents: must be an array"),
    ({"contextAgents": [{"agent": {"mbox": "mailto:c@example.com"}}]}, 'context.contextAgents[0].objectType: must be "contextAgent"'),
    ({"contextAgents": [{"objectType": "contextAgent"}]}, "context.contextAgents[0].agent: is required"),
    ({"contextAgents": [{"objectType": "contextAgent", "agent": {"objectType": "Group", "mbox": "mailto:g@example.com"}}]},
     'context.contextAgents[0].agent.objectType: must be "Agent"'),
    ({"contextAgents": [{"objectType": "contextAgent", "agent": {"mbox": "mailto:c@example.com"}, "relevantTypes": []}]},
     "context.contextAgents[0].relevantTypes: must be a non-empty array of IRIs"),
    ({"contextGroups": [{"objectType": "contextGroup", "group": {"mbox": "mailto:g@example.com"}}]},
     'context.contextGroups[0].group.objectType: must be "Group"'),
    ({"contextGroups": [{"objectType": "contextGroup", "group": {"objectType": "Group", "mbox": "mailto:g@example.com"},
                         "relevantTypes": ["not an iri"]}]},
     "context.contextGroups[0].relevantTypes[0]: must be an IRI (absolute, with a scheme, no spaces)"),
])
def test_invalid_context_agents_and_groups_are_refused(context, reason):
    assert refused(statement(context=context)) == reason


# ---------------------------------------------------------------- timestamps, authority, version

@pytest.mark.parametrize("version", BOTH)
@pytest.mark.parametrize("timestamp", ["2024-05-01T12:00:00Z", "2024-05-01T12:00:00.123456789+02:00",
                                        "2024-05-01T12:00:00+0530", "2024-05-01T12:00:00.5", "2024-05-01T12:00:00-05"])
def test_timestamps_in_iso_8601(version, timestamp):
    validate_statement(statement(timestamp=timestamp, stored=timestamp), version=version)


@pytest.mark.parametrize("timestamp, reason", [
    ("2024-05-01", "must be an ISO 8601 timestamp"),
    ("2024-05-01 12:00:00Z", "must be an ISO 8601 timestamp"),
    ("2024-02-30T12:00:00Z", "is not a real date and time"),
    ("2024-05-01T12:00:00-00:00", "must not use the offset -00:00"),
    ("2024-05-01T12:00:00-0000", "must not use the offset -00:00"),
    ("2024-05-01T12:00:00-00", "must not use the offset -00:00"),
    ("2024-05-01T12:00:00+25:00", "has an impossible time zone offset"),
    (1714564800, "must be an ISO 8601 timestamp"),
])
def test_timestamps_that_are_not_iso_8601_are_refused(timestamp, reason):
    assert refused(statement(timestamp=timestamp)).startswith(f"timestamp: {reason}")
    assert refused(statement(stored=timestamp)).startswith(f"stored: {reason}")


def test_a_timestamp_is_read_as_a_utc_instant():
    assert parse_timestamp("2024-05-01T14:30:00.1234+02:30", "t").isoformat() == "2024-05-01T12:00:00.123400+00:00"
    assert parse_timestamp("2024-05-01T12:00:00", "t").isoformat() == "2024-05-01T12:00:00+00:00"


def test_authority_is_an_agent_or_an_oauth_pair():
    validate_statement(statement(authority={"mbox": "mailto:lrs@example.com"}))
    pair = {"objectType": "Group", "member": [{"account": {"homePage": "http://oauth.example.com", "name": "app"}},
                                              {"mbox": "mailto:ann@example.com"}]}
    validate_statement(statement(authority=pair))
    three = {**pair, "member": pair["member"] + [{"mbox": "mailto:bob@example.com"}]}
    assert refused(statement(authority=three)) == \
        "authority: a Group authority must be an anonymous Group of exactly two Agents (OAuth)"
    assert refused(statement(authority={"name": "LRS"})) == \
        "authority: must have exactly one of mbox, mbox_sha1sum, openid, account"


def test_version_follows_the_request_version():
    for given in ("1.0", "1.0.0", "1.0.3", "2.0.0"):
        validate_statement(statement(version=given), version="2.0.0")
    validate_statement(statement(version="1.0.3"), version="1.0.3")
    assert refused(statement(version="2.0.0"), "1.0.3") == "version: must be 1.0.x"
    assert refused(statement(version="0.95"), "2.0.0") == "version: must be 1.0.x or 2.0.x"
    assert refused(statement(version=2), "2.0.0") == "version: must be 1.0.x or 2.0.x"


# ---------------------------------------------------------------- attachments and voiding

def attachment(**changes) -> dict:
    base = {"usageType": "http://adlnet.gov/expapi/attachments/signature", "display": {"en": "Signature"},
            "contentType": "application/octet-stream", "length": 120, "sha2": SHA256}
    base.update(changes)
    return {name: value for name, value in base.items() if value is not None}


def test_attachment_properties():
    validate_statement(statement(attachments=[attachment(fileUrl="https://files.example.com/a.pdf", description={"en": "A"})]))
    for changes, reason in [
        ({"usageType": None}, "attachments[0].usageType: is required"),
        ({"display": None}, "attachments[0].display: is required"),
        ({"usageType": "signature"}, "attachments[0].usageType: must be an IRI (absolute, with a scheme, no spaces)"),
        ({"contentType": "pdf"}, "attachments[0].contentType: must be an Internet media type"),
        ({"length": "120"}, "attachments[0].length: must be a whole number of octets"),
        ({"length": -1}, "attachments[0].length: must be a whole number of octets"),
        ({"sha2": "xyz"}, "attachments[0].sha2: must be a hexadecimal SHA-2 hash"),
        ({"fileUrl": "a.pdf"}, "attachments[0].fileUrl: must be an IRI (absolute, with a scheme, no spaces)"),
    ]:
        assert refused(statement(attachments=[attachment(**changes)])) == reason
    assert refused(statement(attachments=attachment())) == "attachments: must be an array of attachments"


def test_a_voiding_statement_needs_a_statement_ref():
    voided = {"id": "http://adlnet.gov/expapi/verbs/voided", "display": {"en-US": "voided"}}
    validate_statement(statement(verb=voided, object={"objectType": "StatementRef", "id": UUID_1}))
    assert refused(statement(verb=voided)) == "object: a voiding statement (verb voided) must have a StatementRef object"


# ---------------------------------------------------------------- batches

def test_a_batch_is_one_statement_or_a_list():
    assert validate_batch(statement(), version="2.0.0") == [statement()]
    assert len(validate_batch([statement(), statement()], version="1.0.3")) == 2


def test_a_bad_statement_refuses_the_batch_naming_its_index():
    with pytest.raises(Invalid) as caught:
        validate_batch([statement(), statement(), statement(verb={"id": "did"})], version="2.0.0")
    assert caught.value.message == "statement 2: verb.id: must be an IRI (absolute, with a scheme, no spaces)"


def test_an_id_twice_in_a_batch_is_refused():
    with pytest.raises(Invalid) as caught:
        validate_batch([statement(id=UUID_1), statement(id=UUID_2), statement(id=UUID_1.upper())], version="2.0.0")
    assert caught.value.message == f"statement 2: id {UUID_1} is already used by statement 0 of this batch"


# ---------------------------------------------------------------- identifiers a statement touches

def test_agent_key_per_identifier():
    assert agent_key({"mbox": "mailto:ann@example.com", "name": "Ann"}) == "mbox:mailto:ann@example.com"
    assert agent_key({"mbox_sha1sum": "A" * 40}) == "mbox_sha1sum:" + "a" * 40
    assert agent_key({"openid": "http://o.example.com/ann"}) == "openid:http://o.example.com/ann"
    assert agent_key({"account": {"homePage": "http://lms.example.com", "name": "ann"}}) == "account:http://lms.example.com|ann"
    assert agent_key({"objectType": "Group", "member": [{"mbox": "mailto:ann@example.com"}]}) == ""


def rich_statement() -> dict:
    return statement(
        actor={"objectType": "Group", "mbox": "mailto:team@example.com", "member": [{"mbox": "mailto:ann@example.com"}]},
        object={"objectType": "SubStatement", "actor": {"mbox": "mailto:sub@example.com"},
                "verb": {"id": "http://example.com/verbs/will-visit"},
                "object": {"id": "http://example.com/sub-activity"},
                "context": {"instructor": {"mbox": "mailto:subteacher@example.com"},
                            "contextActivities": {"parent": [{"id": "http://example.com/sub-parent"}]}}},
        context={"instructor": {"mbox": "mailto:teacher@example.com"},
                 "team": {"objectType": "Group", "openid": "http://o.example.com/team"},
                 "contextActivities": {"parent": [{"id": "http://example.com/course"}], "category": [{"id": "http://example.com/profile"}]},
                 "contextAgents": [{"objectType": "contextAgent", "agent": {"mbox": "mailto:coach@example.com"}}],
                 "contextGroups": [{"objectType": "contextGroup",
                                    "group": {"objectType": "Group", "member": [{"mbox": "mailto:peer@example.com"}]}}]},
        authority={"mbox": "mailto:lrs@example.com"},
    )


def test_activity_ids_cover_object_context_and_sub_statement():
    assert activity_ids(statement(context={"contextActivities": {"parent": [{"id": ACTIVITY}], "other": [{"id": "http://example.com/o"}]}})) \
        == [ACTIVITY, "http://example.com/o"]
    assert activity_ids(rich_statement()) == ["http://example.com/course", "http://example.com/profile",
                                              "http://example.com/sub-activity", "http://example.com/sub-parent"]


def test_agent_keys_cover_every_agent_the_statement_names():
    assert agent_keys(rich_statement()) == [
        "mbox:mailto:team@example.com", "mbox:mailto:ann@example.com", "mbox:mailto:teacher@example.com",
        "openid:http://o.example.com/team", "mbox:mailto:coach@example.com", "mbox:mailto:peer@example.com",
        "mbox:mailto:sub@example.com", "mbox:mailto:subteacher@example.com", "mbox:mailto:lrs@example.com"]
    assert agent_keys(statement(object={"objectType": "Agent", "openid": "http://o.example.com/bob"})) == \
        ["mbox:mailto:ann@example.com", "openid:http://o.example.com/bob"]


# ---------------------------------------------------------------- formats

def described_statement() -> dict:
    return statement(
        id=UUID_1,
        verb={"id": "http://example.com/verbs/did", "display": {"en-US": "did", "fr": "a fait", "de": "machte"}},
        object={"objectType": "Activity", "id": ACTIVITY,
                "definition": {"name": {"en-US": "Quiz", "fr-FR": "Questionnaire"},
                               "interactionType": "choice",
                               "choices": [{"id": "a", "description": {"en-US": "Yes", "fr-FR": "Oui"}}]}},
        context={"instructor": {"name": "Tom", "mbox": "mailto:tom@example.com"},
                 "contextActivities": {"parent": [{"id": "http://example.com/course", "definition": {"name": {"en": "Course"}}}]}},
        attachments=[attachment(display={"en-US": "Signature", "fr": "Signature FR"})],
        result={"response": "a"},
    )


def test_format_exact_returns_the_statement_as_stored():
    data = described_statement()
    assert format_statement(data, "exact", []) == data


def test_format_ids_keeps_only_identifiers():
    shown = format_statement(described_statement(), "ids", [])
    assert shown["actor"] == {"objectType": "Agent", "mbox": "mailto:ann@example.com"}
    assert shown["verb"] == {"id": "http://example.com/verbs/did"}
    assert shown["object"] == {"objectType": "Activity", "id": ACTIVITY}
    assert shown["context"]["instructor"] == {"mbox": "mailto:tom@example.com"}
    assert shown["context"]["contextActivities"]["parent"] == [{"id": "http://example.com/course"}]
    assert shown["result"] == {"response": "a"}
    anonymous = statement(actor={"objectType": "Group", "name": "G", "member": [{"name": "Ann", "mbox": "mailto:ann@example.com"}]})
    assert format_statement(anonymous, "ids", [])["actor"] == {"objectType": "Group", "member": [{"mbox": "mailto:ann@example.com"}]}


def test_format_canonical_keeps_the_best_language():
    shown = format_statement(described_statement(), "canonical", ["fr-CA", "en"])
    assert shown["verb"]["display"] == {"fr": "a fait"}
    assert shown["object"]["definition"]["name"] == {"fr-FR": "Questionnaire"}
    assert shown["object"]["definition"]["choices"][0]["description"] == {"fr-FR": "Oui"}
    assert shown["attachments"][0]["display"] == {"fr": "Signature FR"}
    assert shown["context"]["instructor"]["name"] == "Tom"
    assert format_statement(described_statement(), "canonical", ["ja"])["verb"]["display"] == {"en-US": "did"}


def test_best_language_prefers_exact_then_primary_then_und():
    assert best_language({"en-US": "a", "en-GB": "b"}, ["en-GB"]) == "en-GB"
    assert best_language({"en-US": "a", "und": "b"}, ["de"]) == "und"
    assert best_language({"de-AT": "a", "en": "b"}, ["de-DE;q=0.9", "en"]) == "de-AT"


def test_an_unknown_format_is_refused():
    with pytest.raises(Invalid):
        format_statement(statement(), "full", [])


# ---------------------------------------------------------------- comparison

def test_the_same_statement_ignores_what_the_lrs_may_change():
    sent = described_statement() | {"timestamp": "2024-05-01T14:00:00.1234+02:00",
                                     "context": {"registration": UUID_2.upper(),
                                                 "contextActivities": {"parent": {"id": "http://example.com/course"}}}}
    stored = copy.deepcopy(sent) | {"id": UUID_1.upper(), "stored": "2024-05-01T12:00:01.000Z", "version": "2.0.0",
                                    "authority": {"mbox": "mailto:lrs@example.com"}, "timestamp": "2024-05-01T12:00:00.123Z",
                                    "context": {"registration": UUID_2,
                                                "contextActivities": {"parent": [{"id": "http://example.com/course"}]}}}
    stored["verb"]["display"] = {"en-US": "did it"}
    stored["object"]["definition"] = {"name": {"en-US": "Renamed quiz"}}
    stored["actor"]["name"] = "Ann B."
    assert same_statement(sent, stored)


def test_group_member_order_and_duration_beyond_hundredths_are_ignored():
    members = [{"mbox": "mailto:a@example.com"}, {"mbox": "mailto:b@example.com"}]
    first = statement(actor={"objectType": "Group", "member": members}, result={"duration": "PT1.2345S"})
    second = statement(actor={"objectType": "Group", "member": members[::-1]}, result={"duration": "PT1.23S"})
    assert same_statement(first, second)


@pytest.mark.parametrize("change", [
    {"verb": {"id": "http://example.com/verbs/other"}},
    {"object": {"id": "http://example.com/activities/other"}},
    {"result": {"response": "b"}},
    {"timestamp": "2024-05-01T12:00:00.124Z"},
    {"actor": {"mbox": "mailto:someone-else@example.com"}},
    {"result": {"response": "a", "duration": "PT1.24S"}},
    {"attachments": [attachment(sha2="b" * 64)]},
])
def test_a_real_difference_is_not_the_same_statement(change):
    base = described_statement() | {"timestamp": "2024-05-01T12:00:00.123Z", "result": {"response": "a", "duration": "PT1.23S"}}
    assert not same_statement(base, base | change)
