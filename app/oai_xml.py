"""OAI-PMH 2.0 answers as XML (元数据收割应答): the envelope, headers, records in unqualified
Dublin Core (``oai_dc``), errors. Text is escaped and stripped of characters XML 1.0 cannot
carry, so no record makes an answer a harvester cannot parse.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from app.oai_protocol import METADATA_PREFIX, set_specs
from search.open_interfaces import HarvestItem

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC_NS = "http://purl.org/dc/elements/1.1/"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
OAI_XSD = "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"
OAI_DC_XSD = "http://www.openarchives.org/OAI/2.0/oai_dc.xsd"
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
#: 开放状态 as harvesters read it in ``dc:rights``.
RIGHTS = {"full": "开放 (open)", "catalog": "目录开放 (catalogue only; the text is not public)"}


def esc(text: str) -> str:
    """Text for an XML element or a double-quoted attribute.

    >>> esc('a<b & "c"\\x0b')
    'a&lt;b &amp; &quot;c&quot;'
    """
    text = _NOT_XML.sub("", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def envelope(response_date: str, base_url: str, request_args: Mapping[str, str] | None, body: str) -> str:
    """A whole answer: ``request_args`` echoed as the request's attributes (None: a
    ``badVerb`` or ``badArgument`` answer, which echoes none)."""
    attrs = "".join(f' {name}="{esc(value)}"' for name, value in sorted((request_args or {}).items()))
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<OAI-PMH xmlns="{OAI_NS}" xmlns:xsi="{XSI_NS}" xsi:schemaLocation="{OAI_NS} {OAI_XSD}">'
        f"<responseDate>{response_date}</responseDate>"
        f"<request{attrs}>{esc(base_url)}</request>{body}</OAI-PMH>\n"
    )


def error(code: str, message: str) -> str:
    """One protocol error."""
    return f'<error code="{code}">{esc(message)}</error>'


def identify(name: str, base_url: str, admin_email: str, earliest: str) -> str:
    """The ``Identify`` answer's body."""
    return (
        f"<Identify><repositoryName>{esc(name)}</repositoryName><baseURL>{esc(base_url)}</baseURL>"
        f"<protocolVersion>2.0</protocolVersion><adminEmail>{esc(admin_email)}</adminEmail>"
        f"<earliestDatestamp>{earliest}</earliestDatestamp><deletedRecord>persistent</deletedRecord>"
        "<granularity>YYYY-MM-DDThh:mm:ssZ</granularity></Identify>"
    )


def metadata_formats() -> str:
    """The ``ListMetadataFormats`` answer's body: ``oai_dc`` only."""
    return (
        f"<ListMetadataFormats><metadataFormat><metadataPrefix>{METADATA_PREFIX}</metadataPrefix>"
        f"<schema>{OAI_DC_XSD}</schema><metadataNamespace>{OAI_DC_NS}</metadataNamespace>"
        "</metadataFormat></ListMetadataFormats>"
    )


def sets(items: Iterable[tuple[str, str]]) -> str:
    """The ``ListSets`` answer's body from (setSpec, setName) pairs."""
    inner = "".join(f"<set><setSpec>{esc(s)}</setSpec><setName>{esc(n)}</setName></set>" for s, n in items)
    return f"<ListSets>{inner}</ListSets>"


def header(item: HarvestItem, identifier: str) -> str:
    """A record's header; ``status="deleted"`` once it is no longer public."""
    status = ' status="deleted"' if item.deleted else ""
    specs = "".join(
        f"<setSpec>{esc(s)}</setSpec>" for s in set_specs(item.archive, item.fonds, item.record_type)
    )
    return (
        f"<header{status}><identifier>{esc(identifier)}</identifier>"
        f"<datestamp>{item.datestamp}</datestamp>{specs}</header>"
    )


def dublin_core(record: Mapping, page_url: str, publisher: str) -> str:
    """A record's public fields as unqualified Dublin Core: catalog fields only (a record's
    text is never harvested; a 目录开放 record has none to give anyway)."""
    fields: list[tuple[str, str]] = [("title", record["title"])]
    if record.get("creator"):
        fields.append(("creator", record["creator"]))
    fields += [("subject", s) for s in record.get("subjects") or []]
    if record.get("description"):
        fields.append(("description", record["description"]))
    fields.append(("publisher", publisher))
    if record.get("date"):
        fields.append(("date", record["date"]))
    if record.get("record_type"):
        fields.append(("type", record["record_type"]))
    fields += [("identifier", page_url), ("identifier", record["archive_code"])]
    if record.get("fonds"):
        fields.append(("relation", f"全宗号 {record['fonds']}"))
    fields += [("language", "zh"), ("rights", RIGHTS.get(record["visibility"], ""))]
    inner = "".join(f"<dc:{name}>{esc(value)}</dc:{name}>" for name, value in fields if value)
    return (
        f'<oai_dc:dc xmlns:oai_dc="{OAI_DC_NS}" xmlns:dc="{DC_NS}" '
        f'xsi:schemaLocation="{OAI_DC_NS} {OAI_DC_XSD}">{inner}</oai_dc:dc>'
    )


def record(item: HarvestItem, identifier: str, metadata: str | None) -> str:
    """One ``record``: its header, and its metadata unless it is deleted."""
    inner = "" if item.deleted or metadata is None else f"<metadata>{metadata}</metadata>"
    return f"<record>{header(item, identifier)}{inner}</record>"


def resumption_token(token: str, size: int, cursor: int) -> str:
    """A ``resumptionToken`` element; an empty ``token`` ends the list."""
    return f'<resumptionToken completeListSize="{size}" cursor="{cursor}">{esc(token)}</resumptionToken>'
