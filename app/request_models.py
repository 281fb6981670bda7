"""The JSON API's bodies and answers of access grants (查阅许可) and requests to consult
records (查档申请), as models for the OpenAPI document (:mod:`app.openapi`); as in
:mod:`app.api_models`, answers may carry more fields than a model names, never fewer.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from app.api_models import Visibility

# -- access grants (查阅许可) -----------------------------------------------------------------


class Grant(BaseModel):
    """A grant of a record's full text to a researcher until a date."""

    id: int
    user: str
    record_id: str
    archive: str
    archive_code: str
    until: str
    reason: str
    unmask_personal: bool
    personal_reason: str | None
    granted_by: str
    granted_at: str
    request_reference: str | None
    revoked_at: str | None
    active: bool


class GrantedRecord(BaseModel):
    """A granted record's catalog fields, while the policy shows it to the researcher."""

    id: str
    title: str
    date: str
    record_type: str
    visibility: Visibility


class MyGrant(Grant):
    """One of the caller's grants, with its record while it is shown to them."""

    record: GrantedRecord | None


class MyGrants(BaseModel):
    """The caller's grants, active first."""

    grants: list[MyGrant]


class Grants(BaseModel):
    """Grants of records of the archives the caller serves."""

    grants: list[Grant]


class GrantToMake(BaseModel):
    """Grant a researcher the full text of records until a date."""

    user: str
    records: list[str] = Field(description="archive/archive_code of each record")
    until: str = Field(description="YYYY-MM-DD")
    reason: str
    unmask_personal: bool = False
    personal_reason: str | None = None
    request_reference: str | None = None


# -- requests to consult records (查档申请) ---------------------------------------------------


class RequestToFile(BaseModel):
    """A request to consult records: who, how to reach them, why, and which records (or a
    description of what is sought)."""

    name: str
    contact: str = Field(description="an e-mail address or a mobile number")
    purpose: str
    kind: str
    records: list[str] = Field(default_factory=list, description="archive/archive_code or 档号")
    description: str = ""
    delivery: str = "visit"
    archive: str | None = None


class FiledRequest(BaseModel):
    """The reference and check code that follow a filed request."""

    reference: str
    check_code: str


class RequestRecord(BaseModel):
    """A record a request names; its title only while the public may see it."""

    id: str
    archive_code: str
    title: str | None


class TimelineFile(BaseModel):
    """A file staff attached to a step."""

    id: int
    filename: str
    size: int


class TimelineEvent(BaseModel):
    """One step of a request; ``actor`` for staff only."""

    kind: str
    at: str
    archive: str
    text: str
    rule: str
    files: list[TimelineFile]
    actor: str | None = None


class FollowedRequest(BaseModel):
    """What the requester sees of their request."""

    reference: str
    archive: str
    kind: str
    purpose: str
    delivery: str
    source: str
    status: str
    filed_at: str
    due_on: str | None
    closed_at: str | None
    records: list[RequestRecord]
    timeline: list[TimelineEvent]


class StaffRequest(BaseModel):
    """A request as the staff who serve it see it (the requester's name and contact too)."""

    reference: str
    archive: str
    name: str
    contact: str
    kind: str
    purpose: str
    description: str
    delivery: str
    source: str
    status: str
    filed_at: str
    due_on: str | None
    closed_at: str | None
    entered_by: str | None
    overdue: bool
    records: list[RequestRecord]


class StaffRequests(BaseModel):
    """Requests addressed to the caller's archives, newest first."""

    requests: list[StaffRequest]
    total: int


class StaffRequestWithTimeline(StaffRequest):
    """A request with its timeline, actors included."""

    timeline: list[TimelineEvent]


class RequestStep(BaseModel):
    """A step staff take on a request: start, reply, answer, decline (citing a rule) or
    forward (to another archive); ``grant_until`` grants the records named until that date."""

    action: Literal["start", "reply", "answer", "decline", "forward"]
    text: str = ""
    rule: str = ""
    to_archive: str = ""
    grant_until: str | None = Field(None, description="YYYY-MM-DD")


class RequestStepForm(RequestStep):
    """A step sent as a form, with files attached to it (a certificate, a copy)."""

    file: list[bytes] = Field(default_factory=list, description="files to attach")


class StaffRequestFilters(BaseModel):
    """Filters of the staff's request list; ``format=csv`` downloads it (names masked)."""

    archive: str = ""
    status: str = ""
    kind: str = ""
    source: str = ""
    overdue: str = Field("", description="1: overdue requests only")
    format: str = Field("", description="csv: the list as a CSV file")


class FollowCode(BaseModel):
    """The check code given when the request was filed."""

    code: str = ""


class GrantFilter(BaseModel):
    """Whose grants (all when not given)."""

    user: str = ""
