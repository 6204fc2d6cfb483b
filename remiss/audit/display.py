"""An entry's before and after as rows a person can read: one per key, changed ones marked."""
from __future__ import annotations

import json
from dataclasses import dataclass

from flask_babel import gettext as _

from remiss.audit.labels import field_label
from remiss.auth.models import Role
from remiss.consolidation.models import DispositionKind
from remiss.consultations.models import ConsultationStatus, ResponseChannel, ResponseStatus
from remiss.documents.models import VersionStatus
from remiss.labels import label

# Stored values that are enum codes, shown by their label. "status" depends on the object.
_ENUMS_BY_KEY = {"role": Role, "channel": ResponseChannel}
_STATUS_BY_OBJECT = {"Consultation": ConsultationStatus, "Response": ResponseStatus,
                     "DocumentVersion": VersionStatus}
_MISSING = object()


@dataclass(frozen=True)
class Change:
    key: str
    label: str
    before: str
    after: str
    changed: bool


def _enum_for(key: str, object_type: str):
    if key == "status":
        return _STATUS_BY_OBJECT.get(object_type)
    if key == "kind":
        return DispositionKind if object_type == "Disposition" else None
    return _ENUMS_BY_KEY.get(key)


def show_value(value, key: str = "", object_type: str = "") -> str:
    if value is _MISSING or value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return _("Ja") if value else _("Nej")
    enum = _enum_for(key, object_type)
    if enum is not None and isinstance(value, str):
        try:
            return label(enum(value))
        except ValueError:
            return value
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def changes(entry) -> list[Change]:
    """The keys of before and after in the order they were written (before's first)."""
    before = entry.before if isinstance(entry.before, dict) else ({} if entry.before is None else {"": entry.before})
    after = entry.after if isinstance(entry.after, dict) else ({} if entry.after is None else {"": entry.after})
    keys = list(dict.fromkeys([*before, *after]))
    rows = []
    for key in keys:
        old, new = before.get(key, _MISSING), after.get(key, _MISSING)
        rows.append(Change(
            key=key, label=field_label(key, entry.object_type) if key else _("Värde"),
            before=show_value(old, key, entry.object_type), after=show_value(new, key, entry.object_type),
            changed=old != new,
        ))
    return rows
