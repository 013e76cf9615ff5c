"""SCORM package upload: the zip is checked before anything is unpacked, each refusal says
which file and which limit, nothing is left behind, and the manifest is read into items the
player can launch."""

from __future__ import annotations

import io
import json
import os
import random
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from lms_app.services import scorm_package
from lms_app.services.errors import Conflict, Invalid, NotFound
from lms_app.services.scorm_package import Manifest, content_type, extract, inspect, safe_member_path
from tests import scorm_packages as packages

FIXTURES = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "scorm"


def fixture(name: str) -> Path:
    """A shared SCORM fixture; skipped when the folder is missing, except in CI."""
    if not FIXTURES.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"The SCORM fixtures folder {FIXTURES} is missing.")
        pytest.skip("The shared SCORM fixtures are not on this machine.")
    return FIXTURES / name


def refusal(tmp_path: Path, data: bytes, **limits) -> str:
    """Upload `data` as the service does (inspect, then extract): the refusal's message, after
    checking that the target folder was left with nothing in it."""
    path = packages.save(data, tmp_path)
    target = tmp_path / "unpacked"
    with pytest.raises(Invalid) as refused:
        extract(path, target, inspect(path, **limits), **limits)
    assert not target.exists()
    return refused.value.message


def read(tmp_path: Path, data: bytes) -> Manifest:
    return inspect(packages.save(data, tmp_path))


def manifest_package(manifest: str, files: dict[str, str] | None = None) -> bytes:
    return packages.build_zip({"imsmanifest.xml": manifest, **(files or {"sco/index.html": "<p>sco</p>"})})


def sco_resource(href: str = "sco/index.html", extra: str = "") -> str:
    return f'    <resource identifier="res_1" type="webcontent" adlcp:scormtype="sco" href="{href}"{extra}/>'


def one_item(extra: str = "", attributes: str = "") -> str:
    return f'      <item identifier="item_1" identifierref="res_1"{attributes}><title>Lesson</title>{extra}</item>'


# --- the archive: refused before anything is unpacked ---------------------------------------------

@pytest.mark.parametrize(("build", "message"), [
    (packages.zip_slip, "The package is refused: “../evil.js” points outside the package."),
    (packages.absolute_path, "The package is refused: “/etc/evil.js” has an absolute path."),
    (lambda: packages.with_member("C:/evil.js"), "The package is refused: “C:/evil.js” names a drive."),
    (lambda: packages.with_member("sco\\..\\..\\evil.js"), "The package is refused: “sco\\..\\..\\evil.js” has a backslash in its path."),
    (lambda: packages.with_member("sco/./../../evil.js"), "The package is refused: “sco/./../../evil.js” points outside the package."),
    (packages.symlink_entry, "The package is refused: “sco/link.html” is a symbolic link."),
    (packages.device_file, "The package is refused: “sco/tty” is a device or special file, not a regular file."),
    (packages.encrypted_entry, "The package is refused: “sco/index.html” is encrypted."),
    (packages.duplicate_names, "The package is refused: “sco/index.html” is in the zip twice."),
    (packages.declared_huge, "The package is refused: “big.bin” unpacks to 2.1 GB, more than 2 GB allowed."),
    (packages.too_many_files, "The package is refused: it holds 10,001 files, more than 10,000 allowed."),
    (lambda: packages.with_member("sco/index.html/inner.js"), "The package is refused: “sco/index.html” is both a file and a folder."),
    (packages.overlapping_entries, "The package is refused: “shared/style.css” overlaps another file of the zip."),
])
def test_unsafe_archives_are_refused_naming_the_file_and_the_limit(tmp_path, build, message):
    assert refusal(tmp_path, build()) == message


def test_a_zip_bomb_is_refused_by_its_compression_ratio(tmp_path):
    message = refusal(tmp_path, packages.zip_bomb())
    assert message.startswith("The package is refused: “big.bin” is compressed ")
    assert message.endswith(" to 1, more than 100 to 1 allowed.")


def test_many_small_members_are_refused_by_the_whole_archive_ratio(tmp_path):
    # Each member stays under the size from which ratios are checked; together they do not.
    data = packages.build_zip({"imsmanifest.xml": "<manifest/>",
                               **{f"pad/{n}.bin": b"\0" * 900_000 for n in range(12)}})
    message = refusal(tmp_path, data)
    assert message.startswith("The package is refused: it is compressed ")
    assert message.endswith(" to 1, more than 100 to 1 allowed.")


def test_the_total_unpacked_size_is_limited(tmp_path):
    noise = random.Random(3)
    data = packages.build_zip({"imsmanifest.xml": "<manifest/>",
                               **{f"media/{n}.bin": noise.randbytes(400 * 1024) for n in range(3)}})
    assert refusal(tmp_path, data, max_unpacked_bytes=1024 * 1024) == \
        "The package is refused: it unpacks to 1.2 MB, more than 1 MB allowed."


def test_the_zip_itself_is_size_limited(tmp_path):
    data = packages.scorm12_single_sco()
    assert len(data) > 2048
    message = refusal(tmp_path, data, max_package_bytes=1024)
    assert message.startswith("The package is refused: the zip is ")
    assert message.endswith(" KB, more than 1 KB allowed.")


def test_the_file_count_limit_can_be_lowered(tmp_path):
    assert refusal(tmp_path, packages.scorm12_three_scos(), max_files=5) == \
        "The package is refused: it holds 6 files, more than 5 allowed."


def test_a_file_that_is_not_a_zip_is_refused(tmp_path):
    assert refusal(tmp_path, b"<html>not a zip</html>") == \
        "The package is refused: the file is not a zip archive (or it is damaged)."


def test_a_root_folder_entry_is_harmless(tmp_path):
    manifest = read(tmp_path, packages.with_member("./", ""))
    assert manifest.file_count == 3


def test_the_limits_do_not_refuse_a_normal_package(tmp_path):
    manifest = read(tmp_path, packages.scorm12_three_scos())
    assert manifest.file_count == 6
    assert manifest.unpacked_bytes == sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(packages.scorm12_three_scos())).infolist())


# --- the manifest: refused with a precise message ---------------------------------------------------

def test_a_package_without_a_manifest_is_refused(tmp_path):
    assert refusal(tmp_path, packages.missing_manifest()) == \
        "The package is refused: there is no imsmanifest.xml at the root of the zip."


def test_a_package_zipped_with_its_folder_says_how_to_fix_it(tmp_path):
    assert refusal(tmp_path, packages.nested_manifest()) == (
        "The package is refused: there is no imsmanifest.xml at the root of the zip "
        "(there is “course/imsmanifest.xml”: zip the contents of that folder, not the folder).")


def test_a_malformed_manifest_is_refused_with_its_line(tmp_path):
    data = packages.malformed_manifest()
    text = zipfile.ZipFile(io.BytesIO(data)).read("imsmanifest.xml").decode()
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "<title>Broken</item>" in row)
    assert refusal(tmp_path, data) == \
        f"The package is refused: imsmanifest.xml is not well-formed XML (line {line}: mismatched tag)."


@pytest.mark.parametrize("build", [
    packages.entity_expansion_manifest,
    lambda: manifest_package(packages.manifest_12(one_item(), sco_resource()).replace("<manifest ", "<!DOCTYPE manifest>\n<manifest ", 1)),
    lambda: manifest_package(packages.manifest_12(one_item(), sco_resource()).replace(
        "<manifest ", '<!DOCTYPE manifest [<!ENTITY ext SYSTEM "file:///etc/passwd">]>\n<manifest ', 1).replace(
        "<title>Lesson</title>", "<title>&ext;</title>")),
])
def test_a_manifest_with_a_dtd_or_entities_is_refused(tmp_path, build):
    assert refusal(tmp_path, build()) == \
        "The package is refused: imsmanifest.xml declares a DTD or entities, which are not accepted."


def test_a_missing_launch_file_is_refused(tmp_path):
    assert refusal(tmp_path, packages.missing_launch_file()) == \
        "The package is refused: item “item_2” launches “sco2/index.html”, which is not in the package."


def test_an_item_naming_an_unknown_resource_is_refused(tmp_path):
    assert refusal(tmp_path, packages.unknown_resource()) == \
        "The package is refused: item “item_1” refers to resource “res_missing”, which is not in the manifest."


@pytest.mark.parametrize(("manifest", "message"), [
    (packages.manifest_12(one_item(), '    <resource identifier="res_1" type="webcontent" adlcp:scormtype="sco"><file href="sco/index.html"/></resource>'),
     "item “item_1” uses resource “res_1”, which has no launch file (href)."),
    (packages.manifest_12(one_item(), sco_resource("https://elsewhere.example/course.html")),
     "item “item_1” launches “https://elsewhere.example/course.html”, outside the package; the package must hold its content."),
    (packages.manifest_12(one_item(), sco_resource("../../etc/passwd")),
     "item “item_1” launches “../../etc/passwd”, which points outside the package."),
    (packages.manifest_12(one_item(), sco_resource("index.html", ' xml:base="../"')),
     "item “item_1” launches “../index.html”, which points outside the package."),
    (packages.manifest_12(one_item(), sco_resource()).replace("<schemaversion>1.2<", "<schemaversion>1.1<"),
     "imsmanifest.xml declares schema version “1.1”, which is not SCORM 1.2 or 2004."),
    (packages.manifest_12("", sco_resource()).replace("<organization identifier=\"org\">", "<organization identifier=\"org\"><item identifier=\"empty\"><title>x</title></item>"),
     "its organization has no item to launch."),
    (packages.manifest_12(one_item(), sco_resource()).replace('<organization identifier="org">', "<ignored>").replace("</organization>", "</ignored>"),
     "imsmanifest.xml has no organization, so there is nothing to launch."),
    (packages.manifest_12(one_item("<adlcp:masteryscore>high</adlcp:masteryscore>"), sco_resource()),
     "the mastery score of item “item_1” is “high”, which is not a number from 0 to 100."),
    (packages.manifest_12(one_item("<adlcp:masteryscore>120</adlcp:masteryscore>"), sco_resource()),
     "the mastery score of item “item_1” is “120”, which is not a number from 0 to 100."),
    (packages.manifest_12(one_item("<adlcp:timelimitaction>explode</adlcp:timelimitaction>"), sco_resource()),
     "item “item_1” has time limit action “explode”, which is not one of exit,message, exit,no message, continue,message, continue,no message."),
    (packages.manifest_12(one_item("<adlcp:maxtimeallowed>half an hour</adlcp:maxtimeallowed>"), sco_resource()),
     "item “item_1” has maximum time “half an hour”, which is not a time span like 0000:30:00."),
    (packages.manifest_12(one_item() + "\n" + one_item(), sco_resource()),
     "two items of imsmanifest.xml are both named “item_1”."),
    (packages.manifest_12(one_item(), sco_resource()).replace('<manifest identifier="test.package.12" version="1" ', "<package ").replace("</manifest>", "</package>"),
     "imsmanifest.xml does not start with a <manifest> element."),
])
def test_manifests_that_cannot_be_played_are_refused(tmp_path, manifest, message):
    assert refusal(tmp_path, manifest_package(manifest)) == f"The package is refused: {message}"


def test_a_2004_item_referring_to_an_unknown_sequencing_collection_entry_is_refused(tmp_path):
    manifest = packages.manifest_2004_sequenced().replace('<imsss:sequencing IDRef="common_sco"/>', '<imsss:sequencing IDRef="nowhere"/>')
    data = packages.build_zip({"imsmanifest.xml": manifest, "part1/index.html": "", "part2/index.html": ""})
    assert refusal(tmp_path, data) == \
        "The package is refused: item “item_1” refers to sequencing “nowhere”, which is not in the manifest's sequencing collection."


def test_a_2004_invalid_passing_measure_is_refused(tmp_path):
    manifest = packages.manifest_2004_sequenced().replace("<imsss:minNormalizedMeasure>0.6<", "<imsss:minNormalizedMeasure>1.6<")
    data = packages.build_zip({"imsmanifest.xml": manifest, "part1/index.html": "", "part2/index.html": ""})
    assert refusal(tmp_path, data) == \
        "The package is refused: the passing measure of item “item_2” is “1.6”, which is not a number from -1 to 1."


# --- unpacking ------------------------------------------------------------------------------------

def test_extract_unpacks_every_file_as_a_plain_file(tmp_path):
    data = packages.scorm12_three_scos()
    path = packages.save(data, tmp_path)
    target = tmp_path / "course" / "v1"
    extract(path, target, inspect(path))
    source = zipfile.ZipFile(io.BytesIO(data))
    unpacked = sorted(str(p.relative_to(target)) for p in target.rglob("*") if p.is_file())
    assert unpacked == sorted(source.namelist())
    for name in source.namelist():
        assert (target / name).read_bytes() == source.read(name)
        assert not (target / name).stat().st_mode & 0o111  # nothing from a package is executable


def test_extract_stops_a_member_whose_header_understates_its_size(tmp_path):
    path = packages.save(packages.lying_size(), tmp_path)
    manifest = inspect(path)  # the headers say 1 KB: the checks pass
    target = tmp_path / "unpacked"
    with pytest.raises(Invalid) as refused:
        extract(path, target, manifest)
    assert refused.value.message.startswith("The package is refused: “big.bin” ")
    assert not target.exists()


def test_extract_counts_the_bytes_it_writes_rather_than_trusting_the_reader(tmp_path, monkeypatch):
    path = packages.save(packages.scorm12_single_sco(), tmp_path)
    manifest = inspect(path)
    real_open = zipfile.ZipFile.open

    def open_with_more_data(self, member, *args, **kwargs):
        if getattr(member, "filename", member) != "shared/style.css":
            return real_open(self, member, *args, **kwargs)
        return io.BytesIO(b"x" * (10 * 1024 * 1024))  # far more than its header declares

    monkeypatch.setattr(zipfile.ZipFile, "open", open_with_more_data)
    target = tmp_path / "unpacked"
    with pytest.raises(Invalid) as refused:
        extract(path, target, manifest)
    assert refused.value.message.startswith("The package is refused: “shared/style.css” unpacks to more than the ")
    assert not target.exists()


def test_extract_refuses_a_zip_other_than_the_one_inspected(tmp_path):
    inspected = inspect(packages.save(packages.scorm12_three_scos(), tmp_path, "first.zip"))
    other = packages.save(packages.scorm12_single_sco(), tmp_path, "second.zip")
    target = tmp_path / "unpacked"
    with pytest.raises(Invalid, match="not the one that was checked"):
        extract(other, target, inspected)
    assert not target.exists()


def test_extract_needs_a_fresh_folder_and_leaves_an_existing_one_alone(tmp_path):
    path = packages.save(packages.scorm12_single_sco(), tmp_path)
    target = tmp_path / "unpacked"
    target.mkdir()
    (target / "keep.txt").write_text("someone else's")
    with pytest.raises(Conflict):
        extract(path, target, inspect(path))
    assert (target / "keep.txt").read_text() == "someone else's"


# --- what the manifest says -------------------------------------------------------------------------

def test_a_single_sco_12_package(tmp_path):
    manifest = read(tmp_path, packages.scorm12_single_sco())
    assert (manifest.scorm_version, manifest.edition, manifest.title) == ("1.2", "1.2", "Single SCO course")
    assert manifest.organization == "org" and manifest.identifier == "test.package.12"
    [item] = manifest.items
    assert (item.identifier, item.title, item.launch, item.scorm_type, item.depth) == \
        ("item_1", "Single SCO lesson", "sco/index.html", "sco", 0)
    # SCORM 1.2 has no sequencing: the learner moves freely between items.
    assert (item.flow, item.choice, item.forward_only, item.choice_exit) == (True, True, False, True)
    assert manifest.unsupported == ()


def test_nested_items_are_flattened_in_document_order_with_depth(tmp_path):
    manifest = read(tmp_path, packages.scorm12_three_scos())
    rows = [(i.identifier, i.depth, i.parent, i.launch, i.scorm_type) for i in manifest.items]
    assert rows == [
        ("item_1", 0, None, "sco1/index.html", "sco"),
        ("module_2", 0, None, None, None),
        ("item_2", 1, "module_2", "sco2/index.html?chapter=2", "sco"),
        ("item_3", 1, "module_2", "sco3/index.html", "sco"),  # resolved against the resource's xml:base
        ("item_4", 1, "module_2", "shared/glossary.html", "asset"),
    ]
    assert [i.identifier for i in manifest.launchable_items] == ["item_1", "item_2", "item_3", "item_4"]
    assert manifest.item("item_2").launch_file == "sco2/index.html"
    with pytest.raises(NotFound):
        manifest.item("item_9")


def test_12_student_data_is_read(tmp_path):
    [item] = read(tmp_path, packages.scorm12_with_limits()).items
    assert item.mastery_score == 80
    assert item.data_from_lms == "level=2;mode=exam"
    assert item.max_time_allowed == "0000:30:00"
    assert item.time_limit_action == "exit,message"


def test_2004_sequencing_is_read_and_collections_are_resolved(tmp_path):
    manifest = read(tmp_path, packages.scorm2004_sequenced())
    assert (manifest.scorm_version, manifest.edition, manifest.title) == ("2004", "2004 4th edition", "Sequenced course")
    first, second = manifest.items
    assert (first.launch, second.launch) == ("part1/index.html", "part2/index.html")
    # The organization's control mode governs moving between its items.
    for item in (first, second):
        assert (item.flow, item.choice, item.forward_only) == (True, True, True)
        assert (item.completion_set_by_content, item.objective_set_by_content, item.tracked) == (True, True, True)
    assert (first.choice_exit, second.choice_exit) == (True, False)
    # item_1 takes its objective from the collection; item_2 overrides it with its own.
    assert (first.scaled_passing_score, first.objective_ids) == (0.8, ("passed",))
    assert (second.scaled_passing_score, second.objective_ids) == (0.6, ("part2_passed", "part2_extra"))
    assert (first.completion_threshold, first.completed_by_measure) == (0.75, True)
    assert (second.completion_threshold, first.attempt_limit, second.attempt_limit) == (None, None, 2)
    assert (second.max_time_allowed, second.data_from_lms, second.time_limit_action) == ("PT1H30M", "part=2", "continue,no message")
    assert manifest.unsupported == ()


def test_2004_defaults_follow_the_specification(tmp_path):
    [item] = read(tmp_path, packages.scorm2004_single_sco()).items
    # Without a control mode, 2004 allows choice but not flow (continue / previous).
    assert (item.flow, item.choice, item.choice_exit, item.forward_only) == (False, True, True, False)
    assert (item.scaled_passing_score, item.completion_threshold, item.attempt_limit) == (None, None, None)


def test_2004_3rd_edition_completion_threshold_is_element_text(tmp_path):
    manifest = packages.manifest_2004_sequenced().replace(
        '<adlcp:completionThreshold completedByMeasure="true" minProgressMeasure="0.75"/>',
        "<adlcp:completionThreshold>0.9</adlcp:completionThreshold>")
    data = packages.build_zip({"imsmanifest.xml": manifest, "part1/index.html": "", "part2/index.html": ""})
    assert read(tmp_path, data).items[0].completion_threshold == 0.9


def test_sequencing_the_player_does_not_apply_is_listed(tmp_path):
    extra = """
          <imsss:sequencingRules>
            <imsss:preConditionRule>
              <imsss:ruleConditions><imsss:ruleCondition condition="satisfied"/></imsss:ruleConditions>
              <imsss:ruleAction action="skip"/>
            </imsss:preConditionRule>
          </imsss:sequencingRules>
          <imsss:rollupRules>
            <imsss:rollupRule childActivitySet="any">
              <imsss:rollupConditions><imsss:rollupCondition condition="attempted"/></imsss:rollupConditions>
              <imsss:rollupAction action="completed"/>
            </imsss:rollupRule>
          </imsss:rollupRules>
          <imsss:randomizationControls reorderChildren="true"/>
          <adlseq:objectives><adlseq:objective objectiveID="part2_passed"/></adlseq:objectives>"""
    manifest = read(tmp_path, packages.scorm2004_sequenced(extra_item_2=extra))
    assert manifest.unsupported == (
        "item “item_2”: sequencing rules (preConditionRule) are not applied",
        "item “item_2”: custom rollup rules are not applied (completion and success roll up as by default)",
        "item “item_2”: randomization (randomizationControls) not applied",
        "item “item_2”: objectives mapped to global objectives (adlseq:objectives) not applied",
    )
    # The ADL objectives do not hide the IMS ones.
    assert manifest.items[1].scaled_passing_score == 0.6


def test_other_organizations_are_listed_as_ignored(tmp_path):
    text = packages.manifest_12(one_item(), sco_resource()).replace(
        "</organizations>", '<organization identifier="other"><title>Other</title></organization></organizations>')
    manifest = read(tmp_path, manifest_package(text))
    assert manifest.unsupported == ("only the default organization is played; 1 other organization is ignored",)
    assert manifest.organization == "org"


def test_without_a_valid_default_the_first_organization_is_played(tmp_path):
    text = packages.manifest_12(one_item(), sco_resource()).replace('default="org"', 'default="nope"')
    assert read(tmp_path, manifest_package(text)).organization == "org"


@pytest.mark.parametrize(("href", "parameters", "launch"), [
    ("sco/index.html", "?chapter=2", "sco/index.html?chapter=2"),
    ("sco/index.html", "chapter=2", "sco/index.html?chapter=2"),
    ("sco/index.html", "&chapter=2", "sco/index.html?chapter=2"),
    ("sco/index.html?lang=en", "?chapter=2", "sco/index.html?lang=en&chapter=2"),
    ("sco/index.html#intro", "?chapter=2", "sco/index.html?chapter=2#intro"),
    ("sco/index.html", "#part2", "sco/index.html#part2"),
    ("sco/index.html#intro", "#part2", "sco/index.html#intro"),
    ("sco/./index.html", "", "sco/index.html"),
])
def test_item_parameters_are_appended_to_the_launch_as_the_spec_says(tmp_path, href, parameters, launch):
    text = packages.manifest_12(one_item(attributes=f' parameters="{escape(parameters)}"'), sco_resource(escape(href)))
    [item] = read(tmp_path, manifest_package(text)).items
    assert (item.launch, item.launch_file) == (launch, "sco/index.html")


def test_a_percent_encoded_launch_finds_its_file_and_stays_a_url(tmp_path):
    text = packages.manifest_12(one_item(), sco_resource("my%20course/start%20here.html"))
    [item] = read(tmp_path, manifest_package(text, {"my course/start here.html": "<p>sco</p>"})).items
    assert (item.launch, item.launch_file) == ("my%20course/start%20here.html", "my course/start here.html")


def test_hidden_items_are_marked(tmp_path):
    text = packages.manifest_12(one_item(attributes=' isvisible="false"'), sco_resource())
    assert read(tmp_path, manifest_package(text)).items[0].visible is False


def _without_schemaversion(manifest: str) -> str:
    return manifest.replace("<schemaversion>", "<!-- ").replace("</schemaversion>", " -->")


@pytest.mark.parametrize(("build", "version", "edition"), [
    (packages.scorm12_single_sco, "1.2", "1.2"),
    (lambda: packages.scorm2004_single_sco("CAM 1.3"), "2004", "2004 2nd edition"),
    (lambda: packages.scorm2004_single_sco("2004 3rd Edition"), "2004", "2004 3rd edition"),
    (lambda: packages.scorm2004_single_sco("2004 4th Edition"), "2004", "2004 4th edition"),
    (lambda: manifest_package(_without_schemaversion(packages.manifest_12(one_item(), sco_resource()))), "1.2", "1.2"),
    (lambda: packages.build_zip({"imsmanifest.xml": _without_schemaversion(packages.manifest_2004_sequenced()),
                                 "part1/index.html": "", "part2/index.html": ""}), "2004", "2004 4th edition"),
    (lambda: packages.build_zip({"imsmanifest.xml": _without_schemaversion(packages.manifest_2004_sequenced()).replace(
        '<adlcp:completionThreshold completedByMeasure="true" minProgressMeasure="0.75"/>', ""),
        "part1/index.html": "", "part2/index.html": ""}), "2004", "2004 3rd edition"),
])
def test_version_and_edition_are_detected(tmp_path, build, version, edition):
    manifest = read(tmp_path, build())
    assert (manifest.scorm_version, manifest.edition) == (version, edition)


def test_a_manifest_without_version_or_scorm_namespace_is_refused(tmp_path):
    text = _without_schemaversion(packages.manifest_12(one_item(), sco_resource())).replace(packages.NS_12, 'xmlns:adlcp="urn:other"')
    assert refusal(tmp_path, manifest_package(text)) == \
        "The package is refused: imsmanifest.xml does not say which SCORM version it is (no schemaversion, no SCORM namespace)."


def test_the_manifest_survives_json_storage(tmp_path):
    for build in (packages.scorm12_three_scos, packages.scorm2004_sequenced, packages.scorm12_with_limits):
        manifest = read(tmp_path, build())
        stored = json.loads(json.dumps(manifest.to_dict()))
        assert Manifest.from_dict(stored) == manifest


def test_a_stored_manifest_from_an_older_shape_still_loads(tmp_path):
    stored = read(tmp_path, packages.scorm12_single_sco()).to_dict()
    stored["retired_field"] = 1
    del stored["items"][0]["tracked"]
    stored["items"][0]["someday"] = True
    manifest = Manifest.from_dict(stored)
    assert manifest.items[0].tracked is True and manifest.items[0].launch == "sco/index.html"


# --- serving ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "expected"), [
    ("index.html", "text/html"), ("Page.HTM", "text/html"), ("app.js", "text/javascript"), ("style.css", "text/css"),
    ("data.json", "application/json"), ("feed.xml", "application/xml"), ("logo.svg", "image/svg+xml"),
    ("a.png", "image/png"), ("b.JPG", "image/jpeg"), ("c.jpeg", "image/jpeg"), ("d.gif", "image/gif"), ("e.webp", "image/webp"),
    ("v.mp4", "video/mp4"), ("v.webm", "video/webm"), ("s.mp3", "audio/mpeg"), ("s.ogg", "audio/ogg"), ("s.wav", "audio/wav"),
    ("f.woff", "font/woff"), ("f.woff2", "font/woff2"), ("f.ttf", "font/ttf"), ("f.otf", "font/otf"),
    ("doc.pdf", "application/pdf"), ("old.swf", "application/x-shockwave-flash"), ("notes.txt", "text/plain; charset=utf-8"),
    ("archive.bin", "application/octet-stream"), ("no_extension", "application/octet-stream"),
])
def test_package_files_are_served_with_their_content_type(name, expected):
    assert content_type(name) == expected
    assert content_type(f"sco/{name}") == expected


@pytest.fixture
def unpacked(tmp_path) -> Path:
    root = tmp_path / "package"
    (root / "sco").mkdir(parents=True)
    (root / "sco" / "index.html").write_text("<p>sco</p>")
    (tmp_path / "secret.txt").write_text("outside")
    return root


def test_a_member_path_resolves_inside_the_package(unpacked):
    assert safe_member_path(unpacked, "sco/index.html") == unpacked.resolve() / "sco" / "index.html"
    assert safe_member_path(unpacked, "sco/./index.html").read_text() == "<p>sco</p>"


@pytest.mark.parametrize("relative", [
    "../secret.txt", "sco/../../secret.txt", "/etc/passwd", "C:/secret.txt", "sco\\index.html", "sco/index.html\x00.png",
    "", "sco", "sco/missing.html",
])
def test_a_member_path_cannot_leave_the_package_or_name_a_non_file(unpacked, relative):
    with pytest.raises(NotFound):
        safe_member_path(unpacked, relative)


def test_a_member_path_never_follows_a_symbolic_link(unpacked, tmp_path):
    (unpacked / "sco" / "leak.txt").symlink_to(tmp_path / "secret.txt")
    (unpacked / "inside.html").symlink_to(unpacked / "sco" / "index.html")  # even one that stays inside
    (unpacked / "linked").symlink_to(unpacked / "sco", target_is_directory=True)
    for relative in ("sco/leak.txt", "inside.html", "linked/index.html"):
        with pytest.raises(NotFound):
            safe_member_path(unpacked, relative)


# --- the shared golf packages ------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "version", "edition"), [
    ("RuntimeBasicCalls_SCORM12.zip", "1.2", "1.2"),
    ("RuntimeBasicCalls_SCORM20043rdEdition.zip", "2004", "2004 3rd edition"),
])
def test_the_golf_packages_are_read_and_unpacked(tmp_path, name, version, edition):
    path = fixture(name)
    manifest = inspect(path)
    assert (manifest.scorm_version, manifest.edition) == (version, edition)
    assert manifest.title == "Golf Explained - Run-time Basic Calls"
    [item] = manifest.items
    assert (item.identifier, item.title, item.launch, item.scorm_type) == ("item_1", "Golf Explained", "shared/launchpage.html", "sco")
    if version == "2004":
        assert (item.flow, item.choice, item.completion_set_by_content, item.objective_set_by_content) == (True, True, True, True)
    target = tmp_path / "golf"
    extract(path, target, manifest)
    assert (target / "shared" / "launchpage.html").is_file()
    assert sum(1 for p in target.rglob("*") if p.is_file()) == manifest.file_count
    assert safe_member_path(target, item.launch_file).read_bytes() == zipfile.ZipFile(path).read("shared/launchpage.html")


def test_the_package_without_a_launch_url_is_refused_with_its_reason(tmp_path):
    path = fixture("MissingLaunchUrl_SCORM12.zip")
    target = tmp_path / "unpacked"
    with pytest.raises(Invalid) as refused:
        extract(path, target, inspect(path))
    assert refused.value.message == \
        "The package is refused: item “item_1” uses resource “resource_1”, which has no launch file (href)."
    assert not target.exists()


def test_limits_are_module_settings(monkeypatch, tmp_path):
    monkeypatch.setattr(scorm_package, "MAX_FILES", 2)
    assert refusal(tmp_path, packages.scorm12_single_sco()) == "The package is refused: it holds 3 files, more than 2 allowed."
