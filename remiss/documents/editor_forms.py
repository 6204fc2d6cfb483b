"""Forms of the online editor: the parts of a draft as the editor page posts them, adding and
merging principles, and uploading an edited Markdown file."""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from remiss.documents.editing import PartInput, VERSION_FIELDS, PRINCIPLE_FIELDS, SECTION_FIELDS
from remiss.documents.format import MAX_FILE, MAX_KEY, MAX_TITLE

# An uploaded file: the format's limit in characters, in bytes of UTF-8 at most four per character
# is more than anyone needs; one megabyte is checked before decoding.
MAX_UPLOAD_BYTES = MAX_FILE

_NAME = re.compile(r"^(version|[ps][1-9][0-9]{0,9})\.([a-z_]+)$")


class BadInput(ValueError):
    """The post is not what the editor page sends (a tampered or broken request): 400."""


def parse_parts(formdata, version) -> list[PartInput]:
    """{"p12.title": "…", "p12.lock_version": "3", …} → one PartInput per part, in the order met.

    Unknown parts (not of this version) and unknown fields are BadInput; only fields present are
    saved, so a post carrying one part changes only that part.
    """
    texts = {f"p{text.id}": text for text in version.principle_texts}
    sections = {f"s{section.id}": section for section in version.sections}
    parts: dict[str, PartInput] = {}
    for name in formdata.keys():
        match = _NAME.match(name)
        if not match:
            continue
        key, field = match.groups()
        if key == "version":
            subject, fields = version, VERSION_FIELDS
        elif key in texts:
            subject, fields = texts[key], PRINCIPLE_FIELDS
        elif key in sections:
            subject, fields = sections[key], SECTION_FIELDS
        else:
            raise BadInput(name)
        if field != "lock_version" and field not in fields:
            raise BadInput(name)
        part = parts.setdefault(key, PartInput(key=key, subject=subject, values={}))
        value = formdata.get(name)
        if not isinstance(value, str):
            raise BadInput(name)
        if field == "lock_version":
            try:
                part.base_lock_version = int(value or 0)
            except ValueError:
                raise BadInput(name) from None
        else:
            part.values[field] = value
    return [part for part in parts.values() if part.values]


class AddPrincipleForm(FlaskForm):
    title = StringField(_l("Titel"), validators=[DataRequired(_l("Fältet får inte vara tomt.")), Length(max=MAX_TITLE)])
    key = StringField(_l("Nyckel"), validators=[DataRequired(_l("Fältet får inte vara tomt.")), Length(max=MAX_KEY)])
    after = SelectField(_l("Placera efter"), choices=[], validate_choice=False)


class MergeForm(FlaskForm):
    target = SelectField(_l("Slå samman med"), choices=[], coerce=str, validate_choice=False)


class UploadForm(FlaskForm):
    file = FileField(_l("Markdown-fil (.md)"))
    text = TextAreaField(_l("Eller klistra in filens text"), render_kw={"rows": 20, "spellcheck": "false"})
