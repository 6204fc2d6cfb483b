"""One rule for input no database can store: a NUL character or text that is not valid UTF-8.

Any request whose path, query string, form fields, upload file names or JSON body holds such
text is answered with 400 and a message saying what is wrong, before CSRF checks, views or the
database see it. PostgreSQL refuses NUL in text and both databases refuse lone surrogates, so
without this rule such input became a database error (500) in one place, was silently stripped
in another and refused with 422 in a third.

Werkzeug decodes forms and query strings leniently (invalid bytes become U+FFFD or stay
percent-encoded), so the raw bytes are checked here, not the decoded values.
"""
from __future__ import annotations

import json
from urllib.parse import unquote_to_bytes

from flask import request
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from flask_wtf.form import _Auto
from werkzeug.sansio.multipart import Data, Epilogue, Field, File, MultipartDecoder, NeedData

from remiss.errors import render_error


class BadText(Exception):
    """The request holds text that cannot be stored: reason is "nul", "utf8" or "nesting"."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _check_text(text: str) -> None:
    if "\x00" in text:
        raise BadText("nul")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate, e.g. "\ud800" in JSON
        raise BadText("utf8") from None


def _check_bytes(raw: bytes) -> None:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadText("utf8") from None
    _check_text(text)


def _check_urlencoded(raw: bytes) -> None:
    """name=value&… as sent in query strings and ordinary forms, each part percent-decoded."""
    for pair in raw.split(b"&"):
        for part in pair.split(b"=", 1):
            _check_bytes(unquote_to_bytes(part.replace(b"+", b" ")))


def _check_multipart(raw: bytes, boundary: bytes) -> None:
    """Fields of a multipart form as text; files only by their name (their content is the
    upload checks' business: a PDF may hold any byte)."""
    decoder = MultipartDecoder(boundary, max_form_memory_size=None)
    decoder.receive_data(raw)
    decoder.receive_data(None)
    field: list[bytes] | None = None
    while True:
        event = decoder.next_event()
        if isinstance(event, (NeedData, Epilogue)):
            return
        if isinstance(event, Field):
            _check_text(event.name)
            field = []
        elif isinstance(event, File):
            _check_text(event.name)
            _check_text(event.filename or "")
            field = None
        elif isinstance(event, Data) and field is not None:
            field.append(event.data)
            if not event.more_data:
                _check_bytes(b"".join(field))
                field = None


def _check_json(value) -> None:
    if isinstance(value, str):
        _check_text(value)
    elif isinstance(value, list):
        for item in value:
            _check_json(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_text(key)
            _check_json(item)


def check_request() -> None:
    """Raises BadText when the current request holds text that cannot be stored."""
    environ = request.environ
    # WSGI hands the path over as the raw bytes, decoded as latin-1; the address as it was sent
    # (RAW_URI or REQUEST_URI, which gunicorn and Werkzeug set) shows bytes a server may have replaced.
    _check_bytes(environ.get("PATH_INFO", "").encode("latin-1", "replace"))
    raw_uri = environ.get("RAW_URI") or environ.get("REQUEST_URI") or ""
    _check_bytes(unquote_to_bytes(raw_uri.split("?", 1)[0].encode("latin-1", "replace")))
    _check_urlencoded(environ.get("QUERY_STRING", "").encode("latin-1", "replace"))
    if request.method in ("GET", "HEAD", "OPTIONS") or not request.content_length:
        return
    mimetype = request.mimetype
    if mimetype == "application/x-www-form-urlencoded":
        _check_urlencoded(request.get_data(cache=True))  # cached: the form is parsed from it later
    elif mimetype == "multipart/form-data":
        boundary = request.mimetype_params.get("boundary")
        if boundary:
            try:
                _check_multipart(request.get_data(cache=True), boundary.encode("latin-1", "replace"))
            except ValueError:
                return  # not a well-formed multipart body: the form parser and the view refuse it
    elif request.is_json:
        raw = request.get_data(cache=True)
        _check_bytes(raw)
        try:
            body = json.loads(raw)
        except ValueError:
            return  # not JSON at all: the view says so
        except RecursionError:
            raise BadText("nesting") from None  # nested deeper than any parser here can follow
        _check_json(body)


def refuse_bad_text():
    try:
        check_request()
    except BadText as error:
        if error.reason == "nul":
            message = _("Det som skickades innehåller ett NUL-tecken (tecken 0), som inte kan sparas. "
                        "Ta bort tecknet – det kommer ofta med när text klistras in från ett annat program – och försök igen.")
        elif error.reason == "utf8":
            message = _("Det som skickades innehåller text som inte är giltig UTF-8 och inte kan sparas. "
                        "Skriv in eller klistra in texten på nytt och försök igen.")
        else:
            message = None  # the general "could not be understood"
        return render_error(400, message)
    return None


_flask_wtf_wrap_formdata = FlaskForm.Meta.wrap_formdata


def _form_fields_only(self, form, formdata):
    """Forms are filled from form fields and files only. Flask-WTF would fill them from a JSON body
    too, and fails with a 500 when that JSON is a list, a number or holds objects; no form here is
    meant to be posted as JSON (the JSON routes read their JSON themselves), so such a post is a
    form with nothing filled in, refused like any other."""
    if formdata is _Auto and request.is_json and not request.form and not request.files:
        return None
    return _flask_wtf_wrap_formdata(self, form, formdata)


def init_app(app) -> None:
    FlaskForm.Meta.wrap_formdata = _form_fields_only
    # First of all before-request functions: before the CSRF check, which parses the form.
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_bad_text)
