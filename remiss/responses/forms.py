"""Forms of answering.

The answer form is built from the consultation's questions, so its fields are named by the
part of the answer they belong to, the same in a normal POST and in an autosave's JSON:

    p<principle_text_id>.stance / .comment / .proposed_wording / .c<criterion_id>.rating / .c<id>.comment
    ap<principle_text_id>.alternative / .reason      (the alternative chosen for a principle)
    as<section_id>.alternative / .reason             (… for a section of the document)
    g<general_question_id>.text
    <part>.lock_version                              (the version the user started from; 0 = new)

A part is in a request when its lock_version field is; of its fields, only those sent are
written (every radio group has a "none" option, so a form always sends its groups). The fixed forms (submit, reopen,
registration) are WTForms classes below.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timezone

from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from remiss.consultations.models import Stance
from remiss.forms import SwedishDateField
from remiss.documents.models import Section
from remiss.labels import label
from remiss.responses import operations
from remiss.responses.operations import ALTERNATIVE, GENERAL, PRINCIPLE, AnswerInput, Conflict
from remiss.responses.queries import AnswerContext, StoredAnswers
from remiss.timeutil import STOCKHOLM

PART_KEY = re.compile(r"^(p|ap|as|g)(\d{1,12})$")
CRITERION_FIELD = re.compile(r"^(p\d{1,12})\.c\d{1,12}\.")


class BadInput(ValueError):
    """A request that no page of ours would send (not a user's mistake): answered with 400."""


def part_key(kind: str, subject) -> str:
    if kind == PRINCIPLE:
        return f"p{subject.id}"
    if kind == GENERAL:
        return f"g{subject.id}"
    return f"as{subject.id}" if isinstance(subject, Section) else f"ap{subject.id}"


def field_id(name: str) -> str:
    """An HTML id for a field name (dots make awkward CSS selectors)."""
    return name.replace(".", "-")


def _text(fields: Mapping, name: str) -> str:
    value = fields.get(name)
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise BadInput(name)
    return str(value)


def _choice(fields: Mapping, name: str) -> str | None:
    return _text(fields, name) or None


def _lock_version(fields: Mapping, key: str) -> int:
    raw = _text(fields, f"{key}.lock_version").strip() or "0"
    if not raw.isdigit() or len(raw) > 12:
        raise BadInput(key)
    return int(raw)


def _part_keys(fields: Mapping) -> list[tuple[str, str, int]]:
    """(key, kind, subject id) of every part a request carries, in its order."""
    keys: dict[str, tuple[str, int]] = {}
    for name in fields:
        if isinstance(name, str) and name.endswith(".lock_version"):
            key = name[: -len(".lock_version")]
            match = PART_KEY.match(key)
            if not match:
                raise BadInput(key)
            keys.setdefault(key, (match.group(1), int(match.group(2))))
    return [(key, kind, subject_id) for key, (kind, subject_id) in keys.items()]


def subject_ids(fields: Mapping) -> tuple[set[int], set[int], set[int], set[int]]:
    """The ids a request names – principles answered, principles whose alternative is chosen,
    sections, general questions – for queries.PartsContext.load. Raises BadInput as parse_parts."""
    ids: dict[str, set[int]] = {"p": set(), "ap": set(), "as": set(), "g": set()}
    for _key, kind, subject_id in _part_keys(fields):
        ids[kind].add(subject_id)
    return ids["p"], ids["ap"], ids["as"], ids["g"]


def parse_parts(fields: Mapping, context: AnswerContext) -> list[AnswerInput]:
    """The parts of the answer a request carries, with the values of the questions asked.

    Ids come from the request and are looked up in this consultation only: a part of
    another consultation is UnknownSubject (404), never written. `context` is an AnswerContext
    or, for autosave, a loaded queries.PartsContext.
    """
    consultation = context.consultation
    # Parts with a criterion field: only they look at the criteria (which autosave loads on demand).
    with_criteria = {match.group(1) for name in fields if isinstance(name, str)
                     for match in [CRITERION_FIELD.match(name)] if match}
    parts = []
    for key, kind, subject_id in _part_keys(fields):
        base = _lock_version(fields, key)
        if kind == "p":
            subject = context.principle_by_id(subject_id)
            if subject is None:
                raise operations.UnknownSubject(_("Principen finns inte i den här remissen."))
            values: dict = {}
            if consultation.ask_stance and f"{key}.stance" in fields:
                values["stance"] = _choice(fields, f"{key}.stance")
            criteria = {}
            for criterion in (context.criteria if key in with_criteria else ()):
                given = {}
                if f"{key}.c{criterion.id}.rating" in fields:
                    given["rating"] = _choice(fields, f"{key}.c{criterion.id}.rating")
                if f"{key}.c{criterion.id}.comment" in fields:
                    given["comment"] = _text(fields, f"{key}.c{criterion.id}.comment")
                if given:
                    criteria[criterion.id] = given
            if criteria:
                values["criteria"] = criteria
            for name in ("comment", "proposed_wording"):
                if getattr(consultation, f"ask_{name}") and f"{key}.{name}" in fields:
                    values[name] = _text(fields, f"{key}.{name}")
            parts.append(AnswerInput(PRINCIPLE, subject, values, base, key))
        elif kind in ("ap", "as"):
            subject = context.principle_by_id(subject_id) if kind == "ap" else context.section_by_id(subject_id)
            if subject is None:
                raise operations.UnknownSubject(_("Det finns inga alternativ att välja mellan här."))
            values = {}
            if f"{key}.alternative" in fields:
                values["alternative_id"] = _choice(fields, f"{key}.alternative")
            if f"{key}.reason" in fields:
                values["reason"] = _text(fields, f"{key}.reason")
            parts.append(AnswerInput(ALTERNATIVE, subject, values, base, key))
        else:
            subject = context.question_by_id(subject_id)
            if subject is None:
                raise operations.UnknownSubject(_("Frågan finns inte i den här remissen."))
            values = {"text": _text(fields, f"{key}.text")} if f"{key}.text" in fields else {}
            parts.append(AnswerInput(GENERAL, subject, values, base, key))
    return parts


# --- what the page shows for each part ----------------------------------------------------------


@dataclass
class Difference:
    label: str
    stored: str
    yours: str


@dataclass
class PartState:
    """One part of the answer as the page shows it: values, the version they came from, and
    after a refused save, the other person's version to merge with."""

    key: str
    values: dict
    lock_version: int = 0
    updated_by: str | None = None
    updated_at: datetime | None = None
    conflict: Conflict | None = None
    differences: list[Difference] = field(default_factory=list)

    def value(self, name: str, default=""):
        return self.values.get(name, default)

    def criterion(self, criterion_id: int) -> dict:
        return self.values.get("criteria", {}).get(criterion_id, {"rating": None, "comment": ""})


def part_states(context: AnswerContext, stored: StoredAnswers, names: dict[int, str]) -> dict[str, PartState]:
    states: dict[str, PartState] = {}

    def add(key, values, row):
        states[key] = PartState(key, values, row.lock_version if row is not None else 0,
                                names.get(row.updated_by_id) if row is not None else None,
                                row.updated_at if row is not None else None)

    for principle in context.principles:
        answer = stored.principles.get(principle.id)
        add(f"p{principle.id}", operations.principle_values(answer), answer)
        if context.asks_alternatives(principle):
            choice = stored.principle_choices.get(principle.id)
            add(f"ap{principle.id}", operations.alternative_values(choice), choice)
    for section in context.sections:
        choice = stored.section_choices.get(section.id)
        add(f"as{section.id}", operations.alternative_values(choice), choice)
    for question in context.general_questions:
        answer = stored.general.get(question.id)
        add(f"g{question.id}", operations.general_values(answer), answer)
    return states


def keep_posted(states: dict[str, PartState], parts: list[AnswerInput]) -> None:
    """Show what the user sent, not what is stored: nothing typed is lost on a refused save."""
    for part in parts:
        state = states.get(part.key)
        if state is None:
            continue
        values = dict(state.values)
        for name, value in part.values.items():
            if name == "criteria":
                merged = dict(values.get("criteria", {}))
                for criterion_id, given in value.items():
                    merged[criterion_id] = {**merged.get(criterion_id, {"rating": None, "comment": ""}), **given}
                values["criteria"] = merged
            else:
                values[name] = value
        state.values = values
        state.lock_version = part.base_lock_version


def apply_results(states: dict[str, PartState], results, context: AnswerContext) -> None:
    """After a save: new versions for what was saved, both texts for what someone else changed."""
    for result in results:
        state = states.get(result.key)
        if state is None:
            continue
        if result.conflict is not None:
            state.conflict = result.conflict
            # The page now starts from the other person's version: saving again after merging
            # is a deliberate overwrite, not a silent one.
            state.lock_version = result.conflict.lock_version
            state.differences = differences(context, state.key, result.conflict.stored, result.conflict.yours)
        else:
            state.lock_version = result.lock_version


def part_label(context: AnswerContext, key: str) -> str:
    """What a part is about, in words: for lists of conflicts and errors."""
    kind, subject_id = PART_KEY.match(key).groups()
    subject_id = int(subject_id)
    if kind in ("p", "ap"):
        principle = context.principle_by_id(subject_id)
        text = _("Princip %(number)s: %(title)s", number=principle.number, title=principle.title) if principle else key
        return _("Val av alternativ, %(principle)s", principle=text) if kind == "ap" else text
    if kind == "as":
        section = context.section_by_id(subject_id)
        return _("Val av alternativ, %(section)s", section=section.heading) if section else key
    question = context.question_by_id(subject_id)
    return question.text if question else key


def _rating_label(context: AnswerContext, value) -> str:
    return str(dict(context.ratings).get(value, "–")) if value else "–"


def _stance_label(value) -> str:
    try:
        return label(Stance(value)) if value else "–"
    except ValueError:
        return "–"


def _alternative_label(subject, value) -> str:
    for alternative in getattr(subject, "alternatives", []):
        if str(alternative.id) == str(value):
            return alternative.label
    return "–"


def differences(context: AnswerContext, key: str, stored: dict, yours: dict) -> list[Difference]:
    """Field by field, where the stored version and the user's differ, in words."""
    out: list[Difference] = []

    def compare(name, theirs, mine):
        if (theirs or "") != (mine or ""):
            out.append(Difference(str(name), theirs or "", mine or ""))

    kind, subject_id = PART_KEY.match(key).groups()
    subject_id = int(subject_id)
    if kind == "p":
        if "stance" in yours:
            compare(_("Ställningstagande"), _stance_label(stored.get("stance")), _stance_label(yours.get("stance")))
        for criterion in context.criteria:
            if criterion.id not in yours.get("criteria", {}):
                continue
            theirs = stored.get("criteria", {}).get(criterion.id, {})
            mine = yours["criteria"][criterion.id]
            if "rating" in mine:
                compare(criterion.text, _rating_label(context, theirs.get("rating")), _rating_label(context, mine.get("rating")))
            if "comment" in mine:
                compare(_("Kommentar till: %(criterion)s", criterion=criterion.text), theirs.get("comment"),
                        mine.get("comment"))
        if "comment" in yours:
            compare(_("Kommentar"), stored.get("comment"), yours.get("comment"))
        if "proposed_wording" in yours:
            compare(_("Ändringsförslag"), stored.get("proposed_wording"), yours.get("proposed_wording"))
    elif kind in ("ap", "as"):
        subject = context.principle_by_id(subject_id) if kind == "ap" else context.section_by_id(subject_id)
        if "alternative_id" in yours:
            compare(_("Föredraget alternativ"), _alternative_label(subject, stored.get("alternative_id")),
                    _alternative_label(subject, yours.get("alternative_id")))
        if "reason" in yours:
            compare(_("Motivering"), stored.get("reason"), yours.get("reason"))
    else:
        compare(_("Svar"), stored.get("text"), yours.get("text"))
    return out


# --- fixed forms ------------------------------------------------------------------------------


def _consent_field(label):
    """Whether the answer may be published with the respondent's name: yes or no, stated every time."""
    return RadioField(
        label, choices=[SelectChoice("yes", _l("Ja, med namn")), SelectChoice("no", _l("Nej, utan namn"))],
        validators=[InputRequired(_l("Svara på om svaret får publiceras med namn i den offentliga "
                                     "remissammanställningen."))],
    )


def consent(field) -> bool | None:
    """The yes/no of a consent field as a bool (None: not answered)."""
    return {"yes": True, "no": False}.get(field.data)


class SubmitForm(FlaskForm):
    publish_name = _consent_field(_l("Får svaret publiceras med namn i den offentliga remissammanställningen?"))


class ReopenForm(FlaskForm):
    reason = TextAreaField(
        _l("Skäl till att svaret öppnas igen"),
        validators=[DataRequired(_l("Skriv varför svaret öppnas igen.")),
                    Length(max=operations.MAX_REASON_LENGTH,
                           message=_l("Skälet får vara högst %(max)s tecken.", max=operations.MAX_REASON_LENGTH))],
    )




class RegisterForm(FlaskForm):
    channel = RadioField(
        _l("Hur kom svaret in?"),
        choices=[SelectChoice("email", _l("Med e-post")), SelectChoice("paper", _l("På papper"))],
        validators=[InputRequired(_l("Välj om svaret kom med e-post eller på papper."))],
    )
    received_on = SwedishDateField(_l("Datum då svaret kom in"),
                                   validators=[InputRequired(_l("Skriv datumet då svaret kom in."))])
    received_time = StringField(_l("Klockslag (valfritt)"), validators=[Optional(), Length(max=5)])
    original = FileField(_l("Originalet: PDF eller Word-dokument (.docx), högst 10 MB"))
    publish_name = _consent_field(_l("Får svaret publiceras med remissinstansens namn i den offentliga "
                                     "remissammanställningen?"))

    def received_at(self) -> datetime | None:
        """The moment the answer arrived, in UTC; without a time, the start of that day in Sweden."""
        if self.received_on.data is None:
            return None
        moment = time(0, 0)
        raw = (self.received_time.data or "").strip().replace(".", ":")
        if raw:
            try:
                moment = datetime.strptime(raw, "%H:%M").time()
            except ValueError:
                self.received_time.errors = list(self.received_time.errors) + [
                    _("Skriv klockslaget som TT:MM, till exempel 14:30.")]
                return None
        return datetime.combine(self.received_on.data, moment, tzinfo=STOCKHOLM).astimezone(timezone.utc)


# --- declining and sign-off (issue 9) -----------------------------------------------------------


class DeclineForm(FlaskForm):
    reason = TextAreaField(
        _l("Skäl (frivilligt)"),
        validators=[Optional(), Length(max=operations.MAX_REASON_LENGTH,
                                       message=_l("Skälet får vara högst %(max)s tecken.",
                                                  max=operations.MAX_REASON_LENGTH))],
    )


class ConfirmForm(FlaskForm):
    """A confirmation page's form: the CSRF token is all it carries."""


class ReturnForm(FlaskForm):
    note = TextAreaField(
        _l("Vad behöver ändras?"),
        validators=[DataRequired(_l("Skriv vad som behöver ändras.")),
                    Length(max=operations.MAX_REASON_LENGTH,
                           message=_l("Kommentaren får vara högst %(max)s tecken.", max=operations.MAX_REASON_LENGTH))],
    )


class DissentForm(FlaskForm):
    text = TextAreaField(
        _l("Din avvikande mening"),
        validators=[DataRequired(_l("Skriv din avvikande mening.")),
                    Length(max=operations.MAX_TEXT_LENGTH,
                           message=_l("Texten får vara högst %(max)s tecken.", max=operations.MAX_TEXT_LENGTH))],
    )
