"""A researcher's access grants (查阅许可) as their workspace shows them.

Each grant carries its record's catalog fields only while the access policy shows the
record to the researcher (:func:`catalog.policy.view_of`, through the search service):
an expired or revoked grant of a closed record shows its 档号, dates and reason, nothing
of the record.
"""

from __future__ import annotations

from datetime import date

from catalog.users import User
from search.service import SearchService


def grants_of(service: SearchService, user: User, today: date | None = None) -> list[dict]:
    """The grants of ``user``, active ones first then newest first: each as
    :meth:`catalog.grants.Grant.as_json` plus ``"record"``: ``{"id", "title", "date",
    "record_type", "visibility"}`` while the policy shows the record to ``user``, else None."""
    today = today or date.today()
    grants = service.store.grants().grants(user=user.name)
    records = service.store.record_summaries(g.record_id for g in grants)
    audience = user.audience
    answer = []
    for grant in grants:
        item = grant.as_json(today)
        record = records.get(grant.record_id)
        view = service.view(audience, record) if record is not None else None
        item["record"] = (
            {
                "id": record.id,
                "title": record.title,
                "date": record.date,
                "record_type": record.record_type,
                "visibility": view.visibility,
            }
            if record is not None and view is not None and view.shown
            else None
        )
        answer.append(item)
    answer.sort(key=lambda g: not g["active"])  # stable: newest first within each
    return answer
