"""OAI-PMH 2.0 at ``/oai`` (元数据收割接口): union catalogues harvest the public holdings.

Every record it gives is the public view, decided by :func:`catalog.policy.view_of` through
the search service; a record that stops being public is reported deleted from then on. Lists
come a page (``oai_page_size``) at a time, with a signed resumption token holding the last
(datestamp, archive, 档号) sent, so a harvest stays right while records change.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request, url_for

from app import lantai_of
from app import oai_xml as xml
from app.labels import archive_info
from app.oai_protocol import (
    METADATA_PREFIX,
    OaiError,
    Position,
    check_arguments,
    make_token,
    parse_range,
    read_token,
    set_filter,
    sets_of,
)
from catalog import public_views
from catalog.public_views import ChangeFilter
from search.open_interfaces import HarvestItem

oai = Blueprint("oai", __name__)


def _now() -> str:
    """Now, as a datestamp: the catalog's clock, which stamps the records too."""
    return public_views.stamp()


def _identifier(record_id: str) -> str:
    return f"oai:{lantai_of(current_app).settings.oai_repository_id}:{record_id}"


def _record_id(identifier: str) -> str:
    """The record id an OAI identifier names; ``idDoesNotExist`` for a foreign one."""
    prefix = _identifier("")
    if not identifier.startswith(prefix) or "/" not in identifier[len(prefix) :]:
        raise OaiError("idDoesNotExist", f"no record {identifier[:200]!r} in this repository")
    return identifier[len(prefix) :]


def _metadata(item: HarvestItem) -> str | None:
    if item.record is None:
        return None
    page = url_for("public.record", record_id=item.id, _external=True)
    return xml.dublin_core(item.record, page, archive_info(item.archive).zh)


def _check_prefix(prefix: str) -> None:
    if prefix != METADATA_PREFIX:
        raise OaiError("cannotDisseminateFormat", f"metadataPrefix {prefix[:100]!r}: only oai_dc is served")


def _key() -> bytes:
    return str(current_app.config["SECRET_KEY"]).encode() + b"/oai-resumption"


def _identify(_args: dict[str, str]) -> str:
    lantai = lantai_of(current_app)
    earliest = lantai.search.earliest_datestamp() or _now()
    return xml.identify(
        "兰台 Lantai", url_for("oai.endpoint", _external=True), lantai.settings.mail_from, earliest
    )


def _formats(args: dict[str, str]) -> str:
    if "identifier" in args:
        if lantai_of(current_app).search.harvest_record(_record_id(args["identifier"])) is None:
            raise OaiError("idDoesNotExist", f"no record {args['identifier'][:200]!r} in this repository")
    return xml.metadata_formats()


def _sets(args: dict[str, str]) -> str:
    if "resumptionToken" in args:
        raise OaiError("badResumptionToken", "ListSets is answered whole; it takes no resumption token")
    groups = lantai_of(current_app).search.harvest_groups()
    found = sets_of(groups, lambda a: archive_info(a).zh)
    if not found:  # nothing public yet: no set to list
        raise OaiError("noSetHierarchy", "no sets: the repository holds no public record yet")
    return xml.sets((s.spec, s.name) for s in found)


def _get_record(args: dict[str, str]) -> str:
    _check_prefix(args["metadataPrefix"])
    item = lantai_of(current_app).search.harvest_record(_record_id(args["identifier"]))
    if item is None:
        raise OaiError("idDoesNotExist", f"no record {args['identifier'][:200]!r} in this repository")
    return f"<GetRecord>{xml.record(item, _identifier(item.id), _metadata(item))}</GetRecord>"


def _list(verb: str, args: dict[str, str]) -> str:
    """``ListIdentifiers`` and ``ListRecords``: one page, and the token for the next."""
    search = lantai_of(current_app).search
    if "resumptionToken" in args:
        position = read_token(args["resumptionToken"], verb, _key())
    else:
        since, until = parse_range(args.get("from"), args.get("until"))  # a bad argument first:
        _check_prefix(args["metadataPrefix"])  # its answer echoes no arguments (from="" is no date)
        position = Position(verb, args.get("set"), since, until or _now(), None, 0, 0)
    groups = search.harvest_groups() if position.set else []
    try:
        wanted = set_filter(position.set, groups, ChangeFilter(position.since, position.until))
    except OaiError as refused:
        if "resumptionToken" in args:  # its set emptied since: nothing more to give
            return _last_page(verb, [], position)
        raise refused
    if position.after is None:
        size = search.harvest_count(wanted)
        if not size:
            raise OaiError("noRecordsMatch", "no record matches these arguments")
        position = Position(verb, position.set, position.since, position.until, None, 0, size)
    limit = lantai_of(current_app).settings.oai_page_size
    items = search.harvest(wanted, position.after, limit + 1)
    if len(items) <= limit:
        return _last_page(verb, items, position)
    items = items[:limit]
    last = items[-1]
    following = Position(
        verb,
        position.set,
        position.since,
        position.until,
        (last.datestamp, last.archive, last.archive_code),
        position.cursor + len(items),
        max(position.size, position.cursor + len(items) + 1),
    )
    token = xml.resumption_token(make_token(following, _key()), following.size, position.cursor)
    return _page(verb, items, token)


def _last_page(verb: str, items: list[HarvestItem], position: Position) -> str:
    if position.after is None and not items:
        raise OaiError("noRecordsMatch", "no record matches these arguments")
    ending = "" if position.after is None else xml.resumption_token("", position.size, position.cursor)
    return _page(verb, items, ending)


def _page(verb: str, items: list[HarvestItem], token: str) -> str:
    if verb == "ListIdentifiers":
        inner = "".join(xml.header(item, _identifier(item.id)) for item in items)
    else:
        inner = "".join(xml.record(item, _identifier(item.id), _metadata(item)) for item in items)
    return f"<{verb}>{inner}{token}</{verb}>"


ANSWERS = {
    "Identify": _identify,
    "ListMetadataFormats": _formats,
    "ListSets": _sets,
    "GetRecord": _get_record,
}


@oai.route("/oai", methods=["GET", "POST"])
def endpoint():
    """One OAI-PMH request (GET, or POST as a form), answered as XML; protocol errors are
    answered as the specification says, with status 200."""
    source = request.form if request.method == "POST" else request.args
    raw = {name: source.getlist(name) for name in source}
    base_url = url_for("oai.endpoint", _external=True)
    response_date = _now()
    echoed: dict[str, str] | None = None
    try:
        verb, args = check_arguments(raw)
        echoed = {"verb": verb, **args}
        body = _list(verb, args) if verb in ("ListIdentifiers", "ListRecords") else ANSWERS[verb](args)
    except OaiError as refused:
        if refused.code in ("badVerb", "badArgument"):
            echoed = None
        body = xml.error(refused.code, refused.message)
    return Response(xml.envelope(response_date, base_url, echoed, body), mimetype="text/xml")
