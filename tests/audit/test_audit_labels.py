"""Every action the code records has a readable label on the audit pages (like the route table:
a new action without a label fails here, instead of showing its code to readers)."""
from __future__ import annotations

import re
from pathlib import Path

import remiss
from remiss.audit.labels import ACTIONS

# record(actor, "area.verb", …), _audit(actor, "area.verb", …), entry(…), entry_values(…), and
# action="area.verb" in bulk inserts.
_CALL = re.compile(r'\b(?:record|_audit|entry|entry_values)\(\s*[\w.]+,\s*"([a-z_]+\.[a-z_]+)"')
_KEYWORD = re.compile(r'\baction="([a-z_]+\.[a-z_]+)"')


def recorded_actions() -> set[str]:
    actions = set()
    for path in Path(remiss.__file__).parent.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        actions.update(_CALL.findall(source))
        actions.update(_KEYWORD.findall(source))
    return actions


def test_every_recorded_action_has_a_label():
    actions = recorded_actions()
    assert {"response.submitted", "consultation.opened", "user.role_changed", "response.imported"} <= actions
    missing = sorted(actions - ACTIONS.keys())
    assert not missing, f"add these to remiss/audit/labels.py ACTIONS: {missing}"
