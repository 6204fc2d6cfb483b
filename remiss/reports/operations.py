"""The verbs of the report: freezing it. Never commits (the request or the command does)."""
from __future__ import annotations

import hashlib
from datetime import datetime

from flask_babel import gettext as _

from remiss.audit import record
from remiss.consolidation.models import ConsolidatedReport
from remiss.consultations.models import Consultation
from remiss.extensions import db
from remiss.reports import data, rendering
from remiss.timeutil import utcnow
from remiss.consultations import states

# The filed copy is in Swedish, the working language of the authority (an English rendering can
# always be made from the same data, but it is not the record).
FROZEN_LOCALE = "sv"


class NotFreezable(ValueError):
    """Raised with a message a user can read."""


def freeze_reports(consultation: Consultation, actor, now: datetime | None = None) -> list[ConsolidatedReport]:
    """Render every format, internal and public, and store them as report number N (1 the first
    time, then 2, 3, … for later versions), each with its SHA-256 and size.

    Called by `complete_consolidation` (the consolidation is marked complete) and by process
    owners and administrators through "Ny version av sammanställningen" (`may_manage_reports`)
    – only while the consultation is consolidated: after the steering group's decision the report
    it decided on stays the last one. Downloads then serve these bytes unchanged.
    """
    if not states.report_freezable(consultation):
        raise NotFreezable(_("Sammanställningen kan bara fastställas när remissen är sammanställd och "
                             "innan styrgruppen har beslutat."))
    now = now or utcnow()
    number = (data.latest_number(consultation) or 0) + 1
    stored = []
    for public in (False, True):
        for format in data.FORMATS:
            content = rendering.render(consultation, format, public=public, locale=FROZEN_LOCALE, final=True,
                                       number=number)
            report = ConsolidatedReport(
                consultation_id=consultation.id, number=number, format=format, public=public,
                sha256=hashlib.sha256(content).hexdigest(), size=len(content), data=content,
                created_at=now, created_by_id=getattr(actor, "id", None),
            )
            db.session.add(report)
            stored.append(report)
    db.session.flush()
    record(actor, "report.frozen", consultation,
           summary=_("Remissammanställningen version %(number)s fastställd", number=number),
           after={"number": number,
                  "files": {f"{r.format}{'-public' if r.public else ''}": {"sha256": r.sha256, "size": r.size}
                            for r in stored}},
           document_id=consultation.version.document_id, consultation_id=consultation.id)
    return stored
