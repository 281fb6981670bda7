"""Sending the requester's news (查档申请通知): messages of the outbox addressed to a person
without an account (``user_id`` empty) on the ``email`` channel go out through ``smtp_url``
(:mod:`app.mail_sender`); the ``sms`` channel is kept for later and waits. Run by
``lantai requests notify`` (e.g. every few minutes from cron)."""

from __future__ import annotations

from app.mail_sender import send_mail
from app.runtime import Lantai


def send_request_mail(lantai: Lantai) -> dict[str, int]:
    """Send the requests' e-mail waiting in the outbox, one by one (an address the server
    refuses holds up no other); answers ``{"sent", "waiting"}``."""
    outbox = lantai.workspace.store
    waiting = [
        m
        for m in outbox.unsent_messages()
        if m["user_id"] is None and m["channel"] == "email" and m["address"] and m["kind"] == "request"
    ]
    sent: list[int] = []
    for message in waiting:
        try:
            left = send_mail([(message["address"], message["subject"], message["body"])], lantai.settings)
        except ValueError:  # not an address the mail server can be given: it stays waiting
            continue
        if left == 0:
            sent.append(message["id"])
    outbox.mark_sent(sent)
    return {"sent": len(sent), "waiting": len(waiting) - len(sent)}
