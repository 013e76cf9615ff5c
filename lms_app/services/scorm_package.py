"""SCORM packages: checking an uploaded zip, reading its manifest, unpacking it, and serving its files.

A package is checked entirely from the zip's central directory before a single byte is
unpacked: the archive's size, the number of files, what they unpack to and how much they are
compressed (zip bombs), where they would land (absolute paths, "..", drive letters,
backslashes), what they are (symbolic links, devices, encrypted entries, duplicates). Then
`imsmanifest.xml` is read with defusedxml (no DTD, no entities) and must describe something
that can be launched from inside the package. Every refusal is an `Invalid` whose message
names the file and the limit or problem.

Unpacking streams every member with a running byte count, so a member whose header lies about
its size cannot go past the limits; if anything goes wrong the target folder is removed.

The limits are module constants; `inspect` and `extract` take keyword arguments to change them
for one call.
"""

from __future__ import annotations

import dataclasses
import posixpath
import re
import shutil
import stat
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit
from xml.etree.ElementTree import Element, ParseError
from xml.parsers.expat import ErrorString

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as parse_xml

from lms_app.services.errors import Conflict, Invalid, NotFound

MB = 1024 * 1024
GB = 1024 * MB

MAX_PACKAGE_BYTES = 500 * MB  # the zip itself
MAX_FILES = 10_000
MAX_UNPACKED_BYTES = 2 * GB  # one member, and all of them together
MAX_RATIO = 100  # unpacked size to compressed size, per member and for the whole archive
# Tiny files of repeated characters compress far beyond any ratio and harm no one: ratios are
# only checked once a member (or the whole package) unpacks to more than this.
RATIO_CHECKED_FROM_BYTES = 1 * MB
MAX_MANIFEST_BYTES = 10 * MB
MAX_NAME_PART_BYTES = 255  # longest file or folder name most file systems accept

MANIFEST_NAME = "imsmanifest.xml"
CHUNK = 1024 * 1024

VERSION_12 = "1.2"
VERSION_2004 = "2004"
EDITION_12 = "1.2"
EDITION_2004_2ND = "2004 2nd edition"
EDITION_2004_3RD = "2004 3rd edition"
EDITION_2004_4TH = "2004 4th edition"

TIME_LIMIT_ACTIONS = ("exit,message", "exit,no message", "continue,message", "continue,no message")

_SUPPORTED_COMPRESSION = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA)
_XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
_DRIVE_LETTER = re.compile(r"^[A-Za-z]:")
_TIMESPAN_12 = re.compile(r"^\d{2,4}:\d{2}:\d{2}(\.\d{1,2})?$")
_DURATION_2004 = re.compile(r"^P(?!$)(\d+Y)?(\d+M)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d{1,2})?S)?)?$")

CONTENT_TYPES = {
    # No charset for markup, styles and scripts: the file's own declaration (meta charset, BOM)
    # must win, and older packages are often not UTF-8.
    ".html": "text/html",
    ".htm": "text/html",
    ".xhtml": "application/xhtml+xml",
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".css": "text/css",
    ".json": "application/json",
    ".xml": "application/xml",
    ".xsd": "application/xml",
    ".txt": "text/plain; charset=utf-8",
    ".csv": "text/csv; charset=utf-8",
    ".vtt": "text/vtt",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".ico": "image/x-icon",
    ".bmp": "image/bmp",
    ".mp4": "video/mp4",
    ".m4v": "video/mp4",
    ".webm": "video/webm",
    ".ogv": "video/ogg",
    ".mp3": "audio/mpeg",
    ".m4a": "audio/mp4",
    ".ogg": "audio/ogg",
    ".oga": "audio/ogg",
    ".wav": "audio/wav",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".eot": "application/vnd.ms-fontobject",
    ".pdf": "application/pdf",
    ".swf": "application/x-shockwave-flash",
}
DEFAULT_CONTENT_TYPE = "application/octet-stream"


# --- what a manifest says ----------------------------------------------------------------------

@dataclass(frozen=True)
class Item:
    """One item of the organization, in document order. Clusters (items holding other items)
    have no launch. `flow`, `choice` and `forward_only` are the rules for moving between this
    item and its siblings (its parent's control mode; the organization's for top-level items);
    `choice_exit` is the item's own: False means that while it runs, the learner may not choose
    an item outside it. SCORM 1.2 has no sequencing: its items flow and can be chosen freely."""

    identifier: str
    title: str
    depth: int = 0  # 0 for the organization's own items
    parent: str | None = None  # identifier of the enclosing item
    launch: str | None = None  # URL inside the package (percent-encoded, with the item's parameters)
    launch_file: str | None = None  # the file that URL names, as stored in the package
    scorm_type: str | None = None  # "sco" or "asset"; None for clusters
    visible: bool = True
    mastery_score: float | None = None  # 1.2, 0-100
    data_from_lms: str | None = None
    max_time_allowed: str | None = None  # 1.2 timespan (HHHH:MM:SS) or 2004 duration (PT1H)
    time_limit_action: str | None = None
    completion_threshold: float | None = None  # 2004, 0-1
    completed_by_measure: bool = False  # 2004 4th: completion is decided by progress_measure
    scaled_passing_score: float | None = None  # 2004, -1..1, from the primary objective
    objective_ids: tuple[str, ...] = ()  # primary first (when it has an id)
    flow: bool = True
    choice: bool = True
    choice_exit: bool = True
    forward_only: bool = False
    attempt_limit: int | None = None
    tracked: bool = True
    completion_set_by_content: bool = False
    objective_set_by_content: bool = False

    @property
    def launchable(self) -> bool:
        return self.launch is not None


@dataclass(frozen=True)
class Manifest:
    """What a package holds, as read at upload. Stored as JSON (`to_dict` / `from_dict`)."""

    scorm_version: str  # "1.2" or "2004"
    edition: str  # "1.2", "2004 2nd edition", "2004 3rd edition", "2004 4th edition"
    title: str
    items: tuple[Item, ...]
    unsupported: tuple[str, ...] = ()  # what the manifest asks for that the player does not do
    file_count: int = 0
    unpacked_bytes: int = 0
    identifier: str = ""
    organization: str = ""

    @property
    def launchable_items(self) -> list[Item]:
        return [item for item in self.items if item.launchable]

    def item(self, identifier: str) -> Item:
        """The item with this identifier; NotFound otherwise."""
        for item in self.items:
            if item.identifier == identifier:
                return item
        raise NotFound("That part of the package does not exist.")

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (lists instead of tuples)."""
        data = dataclasses.asdict(self)
        data["items"] = [{**item, "objective_ids": list(item["objective_ids"])} for item in data["items"]]
        data["unsupported"] = list(self.unsupported)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Manifest:
        """The manifest `to_dict` gave; keys it does not know are ignored, missing ones take defaults."""
        item_fields = {f.name for f in dataclasses.fields(Item)}
        items = tuple(
            Item(**{**{k: v for k, v in raw.items() if k in item_fields},
                    "objective_ids": tuple(raw.get("objective_ids") or ())})
            for raw in data.get("items") or ()
        )
        own = {f.name for f in dataclasses.fields(cls)} - {"items", "unsupported"}
        return cls(**{k: v for k, v in data.items() if k in own}, items=items,
                   unsupported=tuple(data.get("unsupported") or ()))


@dataclass(frozen=True)
class _Limits:
    package_bytes: int
    files: int
    unpacked_bytes: int
    ratio: float


def _limits(max_package_bytes, max_files, max_unpacked_bytes, max_ratio) -> _Limits:
    # Module constants are read at call time so a deployment (or a test) can change them.
    return _Limits(
        MAX_PACKAGE_BYTES if max_package_bytes is None else max_package_bytes,
        MAX_FILES if max_files is None else max_files,
        MAX_UNPACKED_BYTES if max_unpacked_bytes is None else max_unpacked_bytes,
        MAX_RATIO if max_ratio is None else max_ratio,
    )


def _refused(reason: str) -> Invalid:
    return Invalid(f"The package is refused: {reason}")


def _size(n: float) -> str:
    for unit, scale in (("GB", GB), ("MB", MB), ("KB", 1024)):
        if n >= scale:
            return f"{n / scale:.1f}".removesuffix(".0") + f" {unit}"
    return f"{int(n)} bytes"


# --- the archive ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Member:
    info: zipfile.ZipInfo
    name: str  # cleaned: no "." parts, no trailing slash
    is_dir: bool


def _clean_name(raw: str) -> tuple[str, bool]:
    """The member's path inside the package and whether it is a folder; refuses any name that
    could land outside the target folder or that a file system would not accept."""
    shown = raw if len(raw) <= 200 else raw[:200] + "…"
    if "\\" in raw:
        raise _refused(f"“{shown}” has a backslash in its path.")
    if raw.startswith("/"):
        raise _refused(f"“{shown}” has an absolute path.")
    if _DRIVE_LETTER.match(raw):
        raise _refused(f"“{shown}” names a drive.")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in raw):
        raise _refused(f"“{shown}” has control characters in its name.")
    parts = [p for p in raw.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise _refused(f"“{shown}” points outside the package.")
    if not parts:
        if raw.endswith("/"):
            return "", True  # the package's own root folder ("./"), which needs nothing
        raise _refused(f"“{shown}” is not a usable file name.")
    if any(len(p.encode("utf-8")) > MAX_NAME_PART_BYTES for p in parts):
        raise _refused(f"“{shown}” has a name longer than {MAX_NAME_PART_BYTES} bytes.")
    return "/".join(parts), raw.endswith("/")


def _check_kind(info: zipfile.ZipInfo, name: str) -> None:
    mode = info.external_attr >> 16
    kind = stat.S_IFMT(mode)
    if kind == stat.S_IFLNK:
        raise _refused(f"“{name}” is a symbolic link.")
    if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
        raise _refused(f"“{name}” is a device or special file, not a regular file.")
    if info.flag_bits & 0x1:
        raise _refused(f"“{name}” is encrypted.")
    if info.compress_type not in _SUPPORTED_COMPRESSION:
        raise _refused(f"“{name}” uses a compression method that is not supported.")


def _check_members(archive: zipfile.ZipFile, archive_bytes: int, limits: _Limits) -> list[_Member]:
    infos = archive.infolist()
    if len(infos) > limits.files:
        raise _refused(f"it holds {len(infos):,} files, more than {limits.files:,} allowed.")
    members: list[_Member] = []
    seen: set[str] = set()
    offsets: set[int] = set()
    total = 0
    for info in infos:
        name, is_dir = _clean_name(info.filename)
        if not name:
            continue
        _check_kind(info, name)
        is_dir = is_dir or stat.S_ISDIR(info.external_attr >> 16)
        if name in seen:
            raise _refused(f"“{name}” is in the zip twice.")
        seen.add(name)
        if info.header_offset in offsets:
            # Entries sharing one compressed stream: a known way to build zip bombs.
            raise _refused(f"“{name}” overlaps another file of the zip.")
        offsets.add(info.header_offset)
        if info.file_size > limits.unpacked_bytes:
            raise _refused(f"“{name}” unpacks to {_size(info.file_size)}, more than {_size(limits.unpacked_bytes)} allowed.")
        if info.file_size > RATIO_CHECKED_FROM_BYTES and info.file_size > limits.ratio * max(info.compress_size, 1):
            ratio = info.file_size / max(info.compress_size, 1)
            raise _refused(f"“{name}” is compressed {ratio:,.0f} to 1, more than {limits.ratio:,.0f} to 1 allowed.")
        total += info.file_size
        members.append(_Member(info, name, is_dir))
    if total > limits.unpacked_bytes:
        raise _refused(f"it unpacks to {_size(total)}, more than {_size(limits.unpacked_bytes)} allowed.")
    if total > RATIO_CHECKED_FROM_BYTES and total > limits.ratio * max(archive_bytes, 1):
        raise _refused(f"it is compressed {total / max(archive_bytes, 1):,.0f} to 1, more than {limits.ratio:,.0f} to 1 allowed.")
    folders = {"/".join(m.name.split("/")[:n]) for m in members for n in range(1, m.name.count("/") + 1)}
    for member in members:
        if not member.is_dir and member.name in folders:
            raise _refused(f"“{member.name}” is both a file and a folder.")
    return members


def _open_archive(zip_path: Path, limits: _Limits) -> tuple[zipfile.ZipFile, int]:
    try:
        archive_bytes = zip_path.stat().st_size
    except OSError:
        raise Invalid("The uploaded file could not be read.") from None
    if archive_bytes > limits.package_bytes:
        raise _refused(f"the zip is {_size(archive_bytes)}, more than {_size(limits.package_bytes)} allowed.")
    try:
        return zipfile.ZipFile(zip_path), archive_bytes
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise _refused("the file is not a zip archive (or it is damaged).") from None


def inspect(zip_path: Path, *, max_package_bytes: int | None = None, max_files: int | None = None,
            max_unpacked_bytes: int | None = None, max_ratio: float | None = None) -> Manifest:
    """Check a SCORM zip without unpacking it and read its manifest. Raises `Invalid` naming
    the file and the limit or problem when the archive is unsafe (size, file count, unpacked
    size, compression ratio, paths outside the package, links, devices, encrypted or duplicate
    entries) or its manifest is missing, not well-formed, uses a DTD or entities, or describes
    something that cannot be launched from inside the package. Limits default to the module's
    constants."""
    limits = _limits(max_package_bytes, max_files, max_unpacked_bytes, max_ratio)
    archive, archive_bytes = _open_archive(zip_path, limits)
    with archive:
        members = _check_members(archive, archive_bytes, limits)
        files = {m.name: m for m in members if not m.is_dir}
        manifest_member = files.get(MANIFEST_NAME)
        if manifest_member is None:
            nested = sorted(n for n in files if n.rsplit("/", 1)[-1].lower() == MANIFEST_NAME)
            hint = f" (there is “{nested[0]}”: zip the contents of that folder, not the folder)" if nested else ""
            raise _refused(f"there is no {MANIFEST_NAME} at the root of the zip{hint}.")
        if manifest_member.info.file_size > MAX_MANIFEST_BYTES:
            raise _refused(f"{MANIFEST_NAME} is {_size(manifest_member.info.file_size)}, more than {_size(MAX_MANIFEST_BYTES)} allowed.")
        xml = _read_member(archive, manifest_member, MAX_MANIFEST_BYTES)
    manifest = _read_manifest(xml, set(files))
    return dataclasses.replace(manifest, file_count=len(files), unpacked_bytes=sum(m.info.file_size for m in files.values()))


def _read_member(archive: zipfile.ZipFile, member: _Member, limit: int) -> bytes:
    try:
        with archive.open(member.info) as stream:
            data = stream.read(limit + 1)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError) as exc:
        raise _refused(f"“{member.name}” is damaged ({exc}).") from None
    if len(data) > limit:
        raise _refused(f"“{member.name}” unpacks to more than {_size(limit)} allowed.")
    return data


def extract(zip_path: Path, target_dir: Path, manifest: Manifest, *, max_package_bytes: int | None = None,
            max_files: int | None = None, max_unpacked_bytes: int | None = None, max_ratio: float | None = None) -> None:
    """Unpack a package that `inspect` accepted into `target_dir` (created here; it must not
    exist yet, or be empty). Each member is streamed with a running byte count, so one whose
    header understates its size is stopped at the limit. On any failure `target_dir` is removed
    entirely: nothing is left behind."""
    limits = _limits(max_package_bytes, max_files, max_unpacked_bytes, max_ratio)
    if target_dir.exists() and (not target_dir.is_dir() or any(target_dir.iterdir())):
        raise Conflict("The folder for this package is already in use.")
    target_dir.mkdir(parents=True, exist_ok=True)
    try:
        archive, archive_bytes = _open_archive(zip_path, limits)
        with archive:
            members = _check_members(archive, archive_bytes, limits)
            files = [m for m in members if not m.is_dir]
            names = {m.name for m in files}
            if len(files) != manifest.file_count or any(i.launch_file not in names for i in manifest.launchable_items):
                raise _refused("the zip is not the one that was checked.")
            root = target_dir.resolve()
            for member in members:
                destination = root.joinpath(*member.name.split("/"))
                if member.is_dir:
                    destination.mkdir(parents=True, exist_ok=True)
                    continue
                destination.parent.mkdir(parents=True, exist_ok=True)
                _unpack_member(archive, member, destination)
    except BaseException:
        shutil.rmtree(target_dir, ignore_errors=True)
        raise


def _unpack_member(archive: zipfile.ZipFile, member: _Member, destination: Path) -> None:
    """Stream one member to `destination` (a new file: never through an existing one or a
    link), stopping as soon as it goes past its declared size. The declared sizes were checked
    against the limits, so the package cannot unpack to more than they allow, whatever the
    zip's data really holds."""
    unpacked = 0
    try:
        with archive.open(member.info) as stream, open(destination, "xb") as out:
            while chunk := stream.read(CHUNK):
                unpacked += len(chunk)
                if unpacked > member.info.file_size:
                    raise _refused(f"“{member.name}” unpacks to more than the {_size(member.info.file_size)} its header says.")
                out.write(chunk)
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, NotImplementedError) as exc:
        raise _refused(f"“{member.name}” is damaged and cannot be unpacked ({exc}).") from None


# --- the manifest ------------------------------------------------------------------------------

def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _children(element: Element, name: str) -> list[Element]:
    return [child for child in element if _local(child.tag) == name]


def _child(element: Element | None, name: str) -> Element | None:
    if element is None:
        return None
    return next((child for child in element if _local(child.tag) == name), None)


def _first_child(element: Element, *names: str) -> Element | None:
    # Not `_child(a) or _child(b)`: an element without children is falsy.
    return next((child for child in element if _local(child.tag) in names), None)


def _text(element: Element | None) -> str | None:
    if element is None or element.text is None:
        return None
    return element.text.strip()


def _attr(element: Element, name: str) -> str | None:
    """An attribute by its local name in any namespace, ignoring case (1.2 writes
    adlcp:scormtype, 2004 adlcp:scormType)."""
    wanted = name.lower()
    for key, value in element.attrib.items():
        if _local(key).lower() == wanted and key != _XML_BASE:
            return value.strip()
    return None


def _flag(element: Element | None, name: str, default: bool) -> bool:
    value = None if element is None else _attr(element, name)
    if value is None:
        return default
    return value.lower() in ("true", "1")


def _parse(xml: bytes) -> Element:
    try:
        return parse_xml(xml, forbid_dtd=True)
    except DefusedXmlException:
        raise _refused(f"{MANIFEST_NAME} declares a DTD or entities, which are not accepted.") from None
    except ParseError as exc:
        line = exc.position[0] if exc.position else "?"
        raise _refused(f"{MANIFEST_NAME} is not well-formed XML (line {line}: {ErrorString(exc.code)}).") from None


def _edition(root: Element) -> tuple[str, str]:
    declared = _text(_child(_child(root, "metadata"), "schemaversion"))
    if declared:
        text = declared.lower()
        if "4th" in text:
            return VERSION_2004, EDITION_2004_4TH
        if "3rd" in text:
            return VERSION_2004, EDITION_2004_3RD
        if "2nd" in text or "1.3" in text:
            return VERSION_2004, EDITION_2004_2ND
        if text in ("1.2", "scorm 1.2"):
            return VERSION_12, EDITION_12
        raise _refused(f"{MANIFEST_NAME} declares schema version “{declared}”, which is not SCORM 1.2 or 2004.")
    # Without a schemaversion, the namespaces tell the version.
    namespaces = {el.tag.split("}", 1)[0][1:] for el in root.iter() if isinstance(el.tag, str) and el.tag.startswith("{")}
    namespaces |= {key.split("}", 1)[0][1:] for el in root.iter() for key in el.attrib if key.startswith("{")}
    if any("adlcp_v1p3" in ns or "imsss" in ns or "adlseq" in ns for ns in namespaces):
        fourth = any(_attr(el, "completedByMeasure") is not None or _attr(el, "minProgressMeasure") is not None
                     for el in root.iter() if _local(el.tag) == "completionThreshold")
        return VERSION_2004, EDITION_2004_4TH if fourth else EDITION_2004_3RD
    if any("adlcp_rootv1p2" in ns or "imscp_rootv1p1p2" in ns for ns in namespaces):
        return VERSION_12, EDITION_12
    raise _refused(f"{MANIFEST_NAME} does not say which SCORM version it is (no schemaversion, no SCORM namespace).")


def _number(value: str | None, what: str, low: float, high: float) -> float | None:
    if value is None or value == "":
        return None
    try:
        number = float(value)
    except ValueError:
        number = None
    if number is None or not low <= number <= high:
        raise _refused(f"{what} is “{value}”, which is not a number from {low:g} to {high:g}.")
    return number


def _join_parameters(href: str, parameters: str | None) -> str:
    """The launch URL with the item's parameters appended as the content packaging spec says:
    a fragment only when the URL has none, a query joined with "?" or "&"."""
    parameters = (parameters or "").strip()
    if not parameters:
        return href
    path, hash_mark, fragment = href.partition("#")
    if parameters.startswith("#"):
        return href if hash_mark else href + parameters
    parameters = parameters.lstrip("?&")
    if not parameters:
        return href
    joined = path + ("&" if "?" in path else "?") + parameters
    return joined + (hash_mark + fragment if hash_mark else "")


@dataclass
class _Reader:
    """State while reading one manifest."""

    version: str
    files: set[str]
    resources: dict[str, Element]
    resource_bases: dict[str, str]
    collection: dict[str, Element]
    unsupported: list[str] = field(default_factory=list)

    def note(self, what: str) -> None:
        if what not in self.unsupported:
            self.unsupported.append(what)


def _read_manifest(xml: bytes, files: set[str]) -> Manifest:
    root = _parse(xml)
    if _local(root.tag) != "manifest":
        raise _refused(f"{MANIFEST_NAME} does not start with a <manifest> element.")
    version, edition = _edition(root)
    manifest_base = root.get(_XML_BASE, "")
    resources_element = _child(root, "resources")
    resources: dict[str, Element] = {}
    bases: dict[str, str] = {}
    if resources_element is not None:
        resources_base = resources_element.get(_XML_BASE, "")
        for resource in _children(resources_element, "resource"):
            identifier = resource.get("identifier", "").strip()
            resources[identifier] = resource
            bases[identifier] = manifest_base + resources_base + resource.get(_XML_BASE, "")
    collection = {}
    for collection_element in _children(root, "sequencingCollection"):
        for sequencing in _children(collection_element, "sequencing"):
            collection[sequencing.get("ID", "").strip()] = sequencing
    reader = _Reader(version, files, resources, bases, collection)

    organizations = _child(root, "organizations")
    all_organizations = _children(organizations, "organization") if organizations is not None else []
    if not all_organizations:
        raise _refused(f"{MANIFEST_NAME} has no organization, so there is nothing to launch.")
    default = (organizations.get("default") or "").strip()
    organization = next((o for o in all_organizations if o.get("identifier", "").strip() == default), all_organizations[0])
    if len(all_organizations) > 1:
        others = len(all_organizations) - 1
        reader.note(f"only the default organization is played; {others} other organization{'s are' if others > 1 else ' is'} ignored")
    organization_id = organization.get("identifier", "").strip()
    organization_sequencing = _sequencing(reader, organization, f"organization “{organization_id}”")
    _note_unsupported_sequencing(reader, organization_sequencing, "the organization")

    items: list[Item] = []
    _read_items(reader, organization, organization_sequencing, None, 0, items)
    if not any(item.launchable for item in items):
        raise _refused("its organization has no item to launch.")
    identifiers = [item.identifier for item in items]
    duplicate = next((i for i in identifiers if identifiers.count(i) > 1), None)
    if duplicate is not None:
        raise _refused(f"two items of {MANIFEST_NAME} are both named “{duplicate}”.")
    title = _text(_child(organization, "title")) or items[0].title
    return Manifest(scorm_version=version, edition=edition, title=title, items=tuple(items),
                    unsupported=tuple(reader.unsupported), identifier=root.get("identifier", "").strip(),
                    organization=organization_id)


def _sequencing(reader: _Reader, owner: Element, label: str) -> dict[str, Element]:
    """The sequencing elements of an item or organization by local name: those of the
    collection entry it refers to (IDRef), overridden by its own."""
    own = _child(owner, "sequencing")
    if own is None:
        return {}
    merged: dict[str, Element] = {}
    reference = (own.get("IDRef") or "").strip()
    if reference:
        shared = reader.collection.get(reference)
        if shared is None:
            raise _refused(f"{label} refers to sequencing “{reference}”, which is not in the manifest's sequencing collection.")
        merged.update({_sequencing_key(child): child for child in shared})
    merged.update({_sequencing_key(child): child for child in own})
    return merged


def _sequencing_key(element: Element) -> str:
    # ADL's extensions reuse IMS names (adlseq:objectives beside imsss:objectives): keep them apart.
    name = _local(element.tag)
    return f"adlseq:{name}" if isinstance(element.tag, str) and "adlseq" in element.tag.split("}", 1)[0] else name


_CONTROL_DEFAULTS = {"choice": True, "choiceExit": True, "flow": False, "forwardOnly": False}


def _control_mode(reader: _Reader, sequencing: dict[str, Element]) -> dict[str, bool]:
    if reader.version == VERSION_12:
        return {"choice": True, "choiceExit": True, "flow": True, "forwardOnly": False}
    element = sequencing.get("controlMode")
    return {name: _flag(element, name, default) for name, default in _CONTROL_DEFAULTS.items()}


def _note_unsupported_sequencing(reader: _Reader, sequencing: dict[str, Element], owner: str) -> None:
    rules = sequencing.get("sequencingRules")
    if rules is not None:
        kinds = sorted({_local(rule.tag) for rule in rules})
        reader.note(f"{owner}: sequencing rules ({', '.join(kinds)}) are not applied")
    rollup = sequencing.get("rollupRules")
    if rollup is not None:
        if _children(rollup, "rollupRule"):
            reader.note(f"{owner}: custom rollup rules are not applied (completion and success roll up as by default)")
        if not _flag(rollup, "rollupObjectiveSatisfied", True) or not _flag(rollup, "rollupProgressCompletion", True) \
                or _attr(rollup, "objectiveMeasureWeight") not in (None, "1", "1.0"):
            reader.note(f"{owner}: rollup settings (rollupObjectiveSatisfied, rollupProgressCompletion, objectiveMeasureWeight) are not applied")
    control = sequencing.get("controlMode")
    if control is not None and (not _flag(control, "useCurrentAttemptObjectiveInfo", True)
                                or not _flag(control, "useCurrentAttemptProgressInfo", True)):
        reader.note(f"{owner}: useCurrentAttemptObjectiveInfo / useCurrentAttemptProgressInfo are not applied")
    limits = sequencing.get("limitConditions")
    if limits is not None:
        others = sorted(_local(k) for k in limits.attrib if _local(k) not in ("attemptLimit", "attemptAbsoluteDurationLimit"))
        if others:
            reader.note(f"{owner}: limit conditions ({', '.join(others)}) are not applied")
    for name, what in (("randomizationControls", "randomization"), ("auxiliaryResources", "auxiliary resources"),
                       ("adlseq:rollupConsiderations", "rollup considerations"),
                       ("adlseq:constrainedChoiceConsiderations", "constrained choice"),
                       ("adlseq:objectives", "objectives mapped to global objectives")):
        if name in sequencing:
            reader.note(f"{owner}: {what} ({name}) not applied")
    objectives = sequencing.get("objectives")
    if objectives is not None and any(_local(el.tag) == "mapInfo" for el in objectives.iter()):
        reader.note(f"{owner}: objectives shared through global objectives (mapInfo) are not applied")


def _read_items(reader: _Reader, parent: Element, parent_sequencing: dict[str, Element], parent_id: str | None,
                depth: int, items: list[Item]) -> None:
    siblings_mode = _control_mode(reader, parent_sequencing)
    for element in _children(parent, "item"):
        identifier = element.get("identifier", "").strip()
        if not identifier:
            raise _refused(f"an item of {MANIFEST_NAME} has no identifier.")
        label = f"item “{identifier}”"
        sequencing = _sequencing(reader, element, label) if reader.version == VERSION_2004 else {}
        _note_unsupported_sequencing(reader, sequencing, label)
        own_mode = _control_mode(reader, sequencing)
        values: dict[str, Any] = {
            "identifier": identifier,
            "title": _text(_child(element, "title")) or identifier,
            "depth": depth,
            "parent": parent_id,
            "visible": _flag(element, "isvisible", True),
            "flow": siblings_mode["flow"],
            "choice": siblings_mode["choice"],
            "forward_only": siblings_mode["forwardOnly"],
            "choice_exit": own_mode["choiceExit"],
        }
        reference = (element.get("identifierref") or "").strip()
        if reference:
            values.update(_launch(reader, element, identifier, reference))
        values.update(_student_data(reader, element, label))
        values.update(_sequencing_values(reader, sequencing, label))
        for name, what in (("prerequisites", "prerequisites (adlcp:prerequisites)"), ("presentation", "hidden LMS controls (adlnav:presentation)"),
                           ("data", "shared data (adlcp:data)")):
            if _child(element, name) is not None:
                reader.note(f"{label}: {what} not applied")
        items.append(Item(**values))
        _read_items(reader, element, sequencing, identifier, depth + 1, items)


def _launch(reader: _Reader, element: Element, identifier: str, reference: str) -> dict[str, Any]:
    resource = reader.resources.get(reference)
    if resource is None:
        raise _refused(f"item “{identifier}” refers to resource “{reference}”, which is not in the manifest.")
    href = (resource.get("href") or "").strip()
    if not href:
        raise _refused(f"item “{identifier}” uses resource “{reference}”, which has no launch file (href).")
    url = reader.resource_bases.get(reference, "") + href
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or url.startswith("/"):
        raise _refused(f"item “{identifier}” launches “{url}”, outside the package; the package must hold its content.")
    normalized = posixpath.normpath(unquote(parts.path))
    if normalized.startswith("../") or normalized in ("..", ".", ""):
        raise _refused(f"item “{identifier}” launches “{url}”, which points outside the package.")
    if normalized not in reader.files:
        raise _refused(f"item “{identifier}” launches “{normalized}”, which is not in the package.")
    launch = quote(normalized, safe="/!$&'()*+,;=:@~-._")
    launch += ("?" + parts.query if parts.query else "") + ("#" + parts.fragment if parts.fragment else "")
    scorm_type = (_attr(resource, "scormtype") or "asset").lower()
    return {
        "launch": _join_parameters(launch, element.get("parameters")),
        "launch_file": normalized,
        "scorm_type": "sco" if scorm_type == "sco" else "asset",
    }


def _student_data(reader: _Reader, element: Element, label: str) -> dict[str, Any]:
    """adlcp elements of an item: mastery score, launch data, time limits, completion threshold."""
    values: dict[str, Any] = {}
    data = _text(_first_child(element, "datafromlms", "dataFromLMS"))
    if data:
        values["data_from_lms"] = data
    action = _text(_first_child(element, "timelimitaction", "timeLimitAction"))
    if action:
        if action.lower() not in TIME_LIMIT_ACTIONS:
            raise _refused(f"{label} has time limit action “{action}”, which is not one of {', '.join(TIME_LIMIT_ACTIONS)}.")
        values["time_limit_action"] = action.lower()
    if reader.version == VERSION_12:
        values["mastery_score"] = _number(_text(_child(element, "masteryscore")), f"the mastery score of {label}", 0, 100)
        allowed = _text(_child(element, "maxtimeallowed"))
        if allowed:
            if not _TIMESPAN_12.match(allowed):
                raise _refused(f"{label} has maximum time “{allowed}”, which is not a time span like 0000:30:00.")
            values["max_time_allowed"] = allowed
        return values
    threshold = _child(element, "completionThreshold")
    if threshold is not None:
        minimum = _attr(threshold, "minProgressMeasure")
        if minimum is not None or _attr(threshold, "completedByMeasure") is not None:
            values["completion_threshold"] = _number(minimum or "1.0", f"the completion threshold of {label}", 0, 1)
            values["completed_by_measure"] = _flag(threshold, "completedByMeasure", False)
        elif _text(threshold):
            values["completion_threshold"] = _number(_text(threshold), f"the completion threshold of {label}", 0, 1)
            values["completed_by_measure"] = True
    return values


def _sequencing_values(reader: _Reader, sequencing: dict[str, Element], label: str) -> dict[str, Any]:
    """imsss values of an item: objectives, attempt limits, delivery controls."""
    values: dict[str, Any] = {}
    objectives = sequencing.get("objectives")
    if objectives is not None:
        primary = _child(objectives, "primaryObjective")
        ids = [(objective.get("objectiveID") or "").strip()
               for objective in ([primary] if primary is not None else []) + _children(objectives, "objective")]
        values["objective_ids"] = tuple(i for i in ids if i)
        if primary is not None and _flag(primary, "satisfiedByMeasure", False):
            measure = _text(_child(primary, "minNormalizedMeasure"))
            values["scaled_passing_score"] = _number(measure or "1.0", f"the passing measure of {label}", -1, 1)
    limits = sequencing.get("limitConditions")
    if limits is not None:
        attempts = _attr(limits, "attemptLimit")
        if attempts:
            if not attempts.isdigit():
                raise _refused(f"{label} has attempt limit “{attempts}”, which is not a whole number.")
            values["attempt_limit"] = int(attempts) or None  # 0 means no limit
        duration = _attr(limits, "attemptAbsoluteDurationLimit")
        if duration:
            if not _DURATION_2004.match(duration):
                raise _refused(f"{label} has attempt duration limit “{duration}”, which is not a duration like PT30M.")
            values["max_time_allowed"] = duration
    controls = sequencing.get("deliveryControls")
    if controls is not None:
        values["tracked"] = _flag(controls, "tracked", True)
        values["completion_set_by_content"] = _flag(controls, "completionSetByContent", False)
        values["objective_set_by_content"] = _flag(controls, "objectiveSetByContent", False)
    return values


# --- serving ----------------------------------------------------------------------------------

def content_type(path: str) -> str:
    """The Content-Type to serve a package file with, from its extension."""
    return CONTENT_TYPES.get(posixpath.splitext(path.lower())[1], DEFAULT_CONTENT_TYPE)


def safe_member_path(root: Path, relative: str) -> Path:
    """The regular file `relative` (a decoded URL path, "/"-separated) names inside the
    unpacked package at `root`; NotFound when it does not exist, climbs out of the package or
    passes through a symbolic link."""
    missing = NotFound("This file is not in the package.")
    if not relative or "\x00" in relative or "\\" in relative or relative.startswith("/") or _DRIVE_LETTER.match(relative):
        raise missing
    parts = [p for p in relative.split("/") if p not in ("", ".")]
    if not parts or ".." in parts:
        raise missing
    base = root.resolve()
    path = base
    for part in parts:
        path = path / part
        if path.is_symlink():
            raise missing
    if not path.is_file() or base not in path.resolve().parents:
        raise missing
    return path
