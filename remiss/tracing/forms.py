"""The linking form: one checkbox per comment shown ("ledde till den här ändringen"), saved together.

The form lists what it showed (`shown`) beside what is checked (`link`): a save changes only the
comments the user saw, so that a comment added to the list meanwhile is never unlinked unseen.
"""
from __future__ import annotations

from dataclasses import dataclass

from remiss.forms import ConfirmForm

# More than any page shows; a longer list is no form of ours.
MAX_REFS = 5_000


class LinksForm(ConfirmForm):
    """Only the CSRF token as a field: the checkboxes are read by `parse_links`."""


class BadInput(ValueError):
    pass


@dataclass
class LinkChoices:
    shown: list[str]
    checked: set[str]


def parse_links(form) -> LinkChoices:
    shown = form.getlist("shown")
    checked = form.getlist("link")
    if len(shown) > MAX_REFS or len(checked) > MAX_REFS:
        raise BadInput("too many")
    shown = list(dict.fromkeys(shown))  # once each, in the page's order
    if not set(checked) <= set(shown):
        raise BadInput("checked but not shown")
    return LinkChoices(shown=shown, checked=set(checked))
