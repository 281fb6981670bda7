"""OAI-PMH 2.0's rules (元数据收割协议): arguments, dates, sets and resumption tokens.

Pure functions and small types, no Flask: :mod:`app.oai` answers the verbs with them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from pypinyin import lazy_pinyin

from catalog.public_views import ChangeFilter

#: The verbs, each with its required and optional arguments (``resumptionToken`` is exclusive).
VERBS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "Identify": (frozenset(), frozenset()),
    "ListMetadataFormats": (frozenset(), frozenset({"identifier"})),
    "ListSets": (frozenset(), frozenset()),
    "ListIdentifiers": (frozenset({"metadataPrefix"}), frozenset({"from", "until", "set"})),
    "ListRecords": (frozenset({"metadataPrefix"}), frozenset({"from", "until", "set"})),
    "GetRecord": (frozenset({"identifier", "metadataPrefix"}), frozenset()),
}
#: Verbs that take a resumption token instead of their other arguments.
RESUMABLE = ("ListIdentifiers", "ListRecords", "ListSets")
#: The only metadata format served: unqualified Dublin Core.
METADATA_PREFIX = "oai_dc"
#: Longest resumption token accepted; anything longer was not made here.
MAX_TOKEN = 1000
_SECONDS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SPEC_CHAR = re.compile(r"[A-Za-z0-9\-_.!~*'()]")
_PREFIX = re.compile(r"^[A-Za-z0-9\-_.!~*'()]+$")
_SET_SPEC = re.compile(r"^[A-Za-z0-9\-_.!~*'()]+(:[A-Za-z0-9\-_.!~*'()]+)*$")


class OaiError(Exception):
    """A protocol error (``badVerb``, ``badArgument``, ...) and its message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def check_arguments(args: Mapping[str, Sequence[str]]) -> tuple[str, dict[str, str]]:
    """The verb and its arguments, checked against what the verb takes.

    ``args`` maps each argument to all the values it was given (a repeated one is an error).

    >>> check_arguments({"verb": ["GetRecord"], "identifier": ["x"], "metadataPrefix": ["oai_dc"]})[0]
    'GetRecord'
    >>> check_arguments({"verb": ["Dance"]})
    Traceback (most recent call last):
    app.oai_protocol.OaiError: 'Dance' is not an OAI-PMH verb
    """
    verbs = list(args.get("verb", []))
    if len(verbs) != 1:
        raise OaiError("badVerb", "give exactly one verb" if verbs else "the verb argument is missing")
    verb = verbs[0]
    if verb not in VERBS:
        raise OaiError("badVerb", f"{verb[:100]!r} is not an OAI-PMH verb")
    given: dict[str, str] = {}
    for name, values in args.items():
        if name == "verb":
            continue
        if len(values) != 1:
            raise OaiError("badArgument", f"argument {name[:100]!r} is repeated")
        given[name] = values[0]
    required, optional = VERBS[verb]
    allowed = required | optional | ({"resumptionToken"} if verb in RESUMABLE else frozenset())
    unknown = sorted(set(given) - allowed)
    if unknown:
        raise OaiError("badArgument", f"{verb} takes no argument {unknown[0][:100]!r}")
    if "resumptionToken" in given:
        if len(given) > 1:
            raise OaiError("badArgument", "resumptionToken is an exclusive argument")
        return verb, given
    missing = sorted(required - set(given))
    if missing:
        raise OaiError("badArgument", f"{verb} needs the argument {missing[0]!r}")
    if "metadataPrefix" in given and not _PREFIX.match(given["metadataPrefix"]):
        raise OaiError("badArgument", "metadataPrefix: letters, digits and -_.!~*'() only")
    return verb, given


def parse_range(since: str | None, until: str | None) -> tuple[str | None, str | None]:
    """``from`` and ``until`` as datestamps to the second (a day means all of it).

    >>> parse_range("1999-07-01", "1999-07-31")
    ('1999-07-01T00:00:00Z', '1999-07-31T23:59:59Z')
    >>> parse_range("1999-07-01", "1999-07-31T00:00:00Z")
    Traceback (most recent call last):
    app.oai_protocol.OaiError: from and until must have the same granularity
    """
    shapes = []
    bounds: list[str | None] = []
    for name, value, day_end in (("from", since, "T00:00:00Z"), ("until", until, "T23:59:59Z")):
        if value is None:
            bounds.append(None)
            continue
        if _SECONDS.match(value):
            shapes.append("seconds")
            text = value
        elif _DAY.match(value):
            shapes.append("day")
            text = value + day_end
        else:
            raise OaiError("badArgument", f"{name} {value[:40]!r}: use YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ")
        try:
            datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ")
        except ValueError:
            raise OaiError("badArgument", f"{name} {value!r} is not a date") from None
        bounds.append(text)
    if len(set(shapes)) > 1:
        raise OaiError("badArgument", "from and until must have the same granularity")
    if bounds[0] and bounds[1] and bounds[0] > bounds[1]:
        raise OaiError("badArgument", "from is later than until")
    return bounds[0], bounds[1]


def spec_part(value: str) -> str:
    """A value (全宗号, 类别) as one part of a setSpec: letters, digits and ``-_.!~*'()``
    kept, Chinese as pinyin, anything else as ``_``.

    >>> spec_part("红色档案"), spec_part("J001"), spec_part("A 1")
    ('hongsedangan', 'J001', 'A_1')
    """
    out = []
    for char in value:
        if _SPEC_CHAR.match(char):
            out.append(char)
        elif "\u3400" <= char <= "\u9fff":
            out.append(re.sub(r"[^A-Za-z0-9]", "_", "".join(lazy_pinyin(char))))
        else:
            out.append("_")
    return "".join(out)


@dataclass(frozen=True)
class HarvestSet:
    """One set: its setSpec and its name."""

    spec: str
    name: str


def sets_of(groups: Sequence[tuple[str, str, str]], archive_name) -> list[HarvestSet]:
    """The sets of the public holdings: one per archive (``archive:ID``), per fonds within
    it (``archive:ID:FONDS``) and per record type (``type:TYPE``)."""
    found: dict[str, str] = {}
    for archive, fonds, record_type in groups:
        found.setdefault(f"archive:{archive}", archive_name(archive))
        if fonds and spec_part(fonds):
            found.setdefault(f"archive:{archive}:{spec_part(fonds)}", f"{archive_name(archive)} 全宗 {fonds}")
        if record_type and spec_part(record_type):
            found.setdefault(f"type:{spec_part(record_type)}", f"类别 {record_type}")
    return [HarvestSet(spec, name) for spec, name in sorted(found.items())]


def set_specs(archive: str, fonds: str, record_type: str) -> list[str]:
    """The setSpecs of a record.

    >>> set_specs("baoji-city", "J001", "文书")
    ['archive:baoji-city', 'archive:baoji-city:J001', 'type:wenshu']
    """
    specs = [f"archive:{archive}"]
    if fonds and spec_part(fonds):
        specs.append(f"archive:{archive}:{spec_part(fonds)}")
    if record_type and spec_part(record_type):
        specs.append(f"type:{spec_part(record_type)}")
    return specs


def set_filter(
    spec: str | None, groups: Sequence[tuple[str, str, str]], wanted: ChangeFilter
) -> ChangeFilter:
    """``wanted`` narrowed to a set; raises ``noRecordsMatch`` for a set nobody is in."""
    if spec is None:
        return wanted
    if not _SET_SPEC.match(spec):
        raise OaiError("badArgument", f"set {spec[:100]!r} is not a setSpec")
    parts = spec.split(":")
    if parts[0] == "archive" and len(parts) in (2, 3):
        if len(parts) == 2:
            return ChangeFilter(wanted.since, wanted.until, archive=parts[1])
        fonds = tuple(sorted({f for a, f, _ in groups if a == parts[1] and f and spec_part(f) == parts[2]}))
        if fonds:
            return ChangeFilter(wanted.since, wanted.until, archive=parts[1], fonds=fonds)
    if parts[0] == "type" and len(parts) == 2:
        types = tuple(sorted({t for _, _, t in groups if t and spec_part(t) == parts[1]}))
        if types:
            return ChangeFilter(wanted.since, wanted.until, record_types=types)
    raise OaiError("noRecordsMatch", f"no record is in the set {spec!r}")


@dataclass(frozen=True)
class Position:
    """Where a list stands: its request (verb, set, range), the last item sent (datestamp,
    archive, 档号), how many were sent before (cursor) and the list's size."""

    verb: str
    set: str | None
    since: str | None
    until: str
    after: tuple[str, str, str] | None
    cursor: int
    size: int


def _sign(payload: bytes, key: bytes) -> str:
    return base64.urlsafe_b64encode(hmac.new(key, payload, hashlib.sha256).digest()[:18]).decode()


def make_token(position: Position, key: bytes) -> str:
    """A signed resumption token for ``position`` (a harvester cannot forge or alter it)."""
    payload = json.dumps(
        [
            position.verb,
            position.set,
            position.since,
            position.until,
            list(position.after) if position.after else None,
            position.cursor,
            position.size,
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()
    body = base64.urlsafe_b64encode(payload).decode().rstrip("=")
    return f"{body}.{_sign(payload, key)}"


def read_token(token: str, verb: str, key: bytes) -> Position:
    """The position a resumption token holds; ``badResumptionToken`` for one that is too
    long, forged, altered, or made for another verb.

    >>> key = b"k"
    >>> p = Position("ListRecords", None, None, "2026-01-01T00:00:00Z", None, 0, 3)
    >>> read_token(make_token(p, key), "ListRecords", key) == p
    True
    >>> read_token(make_token(p, key), "ListRecords", b"other")
    Traceback (most recent call last):
    app.oai_protocol.OaiError: the resumption token is not one this repository made
    """
    if len(token) > MAX_TOKEN or token.count(".") != 1:
        raise OaiError("badResumptionToken", "the resumption token is not one this repository made")
    body, signature = token.split(".")
    try:
        payload = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except ValueError:
        raise OaiError("badResumptionToken", "the resumption token is not one this repository made") from None
    if not hmac.compare_digest(_sign(payload, key), signature):
        raise OaiError("badResumptionToken", "the resumption token is not one this repository made")
    kind, spec, since, until, after, cursor, size = json.loads(payload)
    if kind != verb:
        raise OaiError("badResumptionToken", f"the resumption token belongs to {kind}, not {verb}")
    return Position(kind, spec, since, until, tuple(after) if after else None, cursor, size)
