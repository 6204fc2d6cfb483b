"""Forms of the consolidation pages.

The filters are a GET form (no CSRF: they change nothing). A page lists many answers, each with
its own small disposition form; those are parsed here by hand (names below) rather than built
as one WTForms class per row, and protected by the app's global CSRF check like every POST:

    form=disposition  answer=p<principle_answer_id> | g<general_answer_id>
                      target=comment | proposed_wording | general
                      kind=<DispositionKind value or empty>  reason=…  lock_version=<n>
    form=summary      text=…  lock_version=<n>
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SearchField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from remiss.consolidation import queries
from remiss.consolidation.models import DispositionKind, DispositionTarget
from remiss.consultations.models import Stance
from remiss.forms import optional_id
from remiss.labels import label

ANSWER_REF = re.compile(r"^(p|g)(\d{1,12})$")
MAX_ID = 2**31 - 1  # ids are PostgreSQL integers


class BadInput(ValueError):
    """A request no page of ours would send (not a user's mistake): answered with 400."""


# --- filters -----------------------------------------------------------------------------------


class FilterForm(FlaskForm):
    """Narrow the lists: network, organisation kind, stance, words in the comments."""

    class Meta:
        csrf = False

    network = SelectField(_l("Nätverk"), coerce=optional_id, validators=[Optional()])
    kind = SelectField(_l("Typ av remissinstans"), validators=[Optional()])
    stance = SelectField(_l("Ställningstagande"), validators=[Optional()])
    q = SearchField(_l("Sök i synpunkter och ändringsförslag"),
                    validators=[Optional(), Length(max=queries.MAX_SEARCH_LENGTH,
                                                   message=_l("Skriv högst %(max)d tecken."))])
    pending = BooleanField(_l("Bara synpunkter som saknar ställningstagande"))
    alternative = SelectField(_l("Föredraget alternativ"), coerce=optional_id, validators=[Optional()])

    def set_choices(self, consultation, *, kinds, alternatives=()) -> None:
        everything = SelectChoice("", _("Alla"))
        self.network.choices = [everything] + [SelectChoice(n.id, n.name) for n in consultation.networks]
        self.kind.choices = [everything] + [SelectChoice(value, text) for value, text in kinds]
        self.stance.choices = [everything] + [SelectChoice(s.value, label(s)) for s in Stance]
        self.alternative.choices = [everything] + [SelectChoice(value, text) for value, text in alternatives]

    def filters(self) -> queries.Filters:
        """The filters the form holds; call after validate()."""
        return queries.Filters(
            network_id=self.network.data or None,
            kind=self.kind.data or None,
            stance=Stance(self.stance.data) if self.stance.data else None,
            # PostgreSQL refuses NUL in text; nobody searches for it.
            search=" ".join((self.q.data or "").replace("\x00", "").split()),
            pending=bool(self.pending.data),
            alternative_id=self.alternative.data or None,
        )


def filter_form(formdata, consultation, *, kinds, alternatives=()) -> tuple[FilterForm, queries.Filters, bool]:
    """The filter form from the query string, its filters, and whether it was valid.
    Invalid filters are shown with their errors and not applied."""
    form = FilterForm(formdata=formdata)
    form.set_choices(consultation, kinds=kinds, alternatives=alternatives)
    if not formdata:
        return form, queries.Filters(), True
    if not form.validate():
        # A value outside the choices comes only from a hand-made address; WTForms' own words are English.
        for name in ("network", "kind", "stance", "alternative"):
            if getattr(form, name).errors:
                getattr(form, name).errors = [_("Välj ett av alternativen i listan.")]
        return form, queries.Filters(), False
    return form, form.filters(), True


# --- what a disposition or summary form sends ----------------------------------------------------


@dataclass
class DispositionInput:
    kind: str  # "p" (principle answer) or "g" (general answer)
    answer_id: int
    target: DispositionTarget
    disposition_kind: str | None
    reason: str
    lock_version: int

    @property
    def ref(self) -> str:
        return f"{self.kind}{self.answer_id}"

    @property
    def key(self) -> str:
        return form_key(self.ref, self.target)


@dataclass
class SummaryInput:
    text: str
    lock_version: int


def form_key(ref: str, target) -> str:
    """The id of one disposition form on a page (also its anchor)."""
    return f"d-{ref}-{DispositionTarget(target).value}"


def _lock_version(fields: Mapping) -> int:
    raw = (fields.get("lock_version") or "0").strip()
    if not raw.isdigit() or len(raw) > 12:
        raise BadInput("lock_version")
    return int(raw)


def parse_disposition(fields: Mapping) -> DispositionInput:
    match = ANSWER_REF.match(fields.get("answer") or "")
    if not match or int(match.group(2)) > MAX_ID:
        raise BadInput("answer")
    try:
        target = DispositionTarget(fields.get("target") or "")
    except ValueError:
        raise BadInput("target") from None
    kind = fields.get("kind") or None
    return DispositionInput(kind=match.group(1), answer_id=int(match.group(2)), target=target,
                            disposition_kind=kind, reason=fields.get("reason") or "",
                            lock_version=_lock_version(fields))


def parse_summary(fields: Mapping) -> SummaryInput:
    return SummaryInput(text=fields.get("text") or "", lock_version=_lock_version(fields))


# --- what a disposition form shows ---------------------------------------------------------------


def kind_options() -> list[tuple[str, str]]:
    """The radio buttons: no disposition yet, then the four kinds."""
    return [("", _("Inget ställningstagande ännu"))] + [(k.value, label(k)) for k in DispositionKind]


@dataclass
class FormState:
    """One form as the page shows it: the stored values, or – after a refused save – what the user
    sent, the errors at their fields and, where someone else saved first, both versions."""

    values: dict
    lock_version: int
    errors: dict[str, str] = field(default_factory=dict)
    conflict: object = None  # operations.Conflict
    message: str = ""
