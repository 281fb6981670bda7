"""E-mail digests of new hits (新结果摘要): for every researcher with an e-mail address, the
new hits of their saved searches go into the outbox, and the outbox is sent through
``smtp_url`` (:mod:`app.mail_sender`). Run by ``lantai digest`` (e.g. daily from cron).

A digest names saved searches and counts only what the reader may see now (the counts of
:meth:`search.workspace.Workspace.searches`, through the access policy); it holds no title
or text of a record. Messages the server does not take stay in the outbox for the next run.
"""

from __future__ import annotations

from app.mail_sender import send_mail
from app.runtime import Lantai
from app.workspace_api import WORKSPACE_ROLES


def send_digests(lantai: Lantai) -> dict[str, int]:
    """Queue a digest for each researcher with an address and new hits, then send the
    outbox; answers ``{"queued", "sent", "waiting"}``."""
    readers = {u.id: u for u in lantai.users.with_email() if u.role in WORKSPACE_ROLES}
    queued = sum(lantai.workspace.queue_digest(user) is not None for user in readers.values())
    outbox = [m for m in lantai.workspace.store.unsent_messages() if m["user_id"] in readers]
    sent: list[int] = []
    for message in outbox:  # one by one: an address the server refuses holds up no other
        mail = (readers[message["user_id"]].email or "", message["subject"], message["body"])
        if send_mail([mail], lantai.settings) == 0:
            sent.append(message["id"])
    lantai.workspace.store.mark_sent(sent)
    return {"queued": queued, "sent": len(sent), "waiting": len(outbox) - len(sent)}
