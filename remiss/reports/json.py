"""The report as JSON, in the stable structure documented in docs/report-format.md.

`FORMAT_VERSION` changes when the structure does: the minor number for added keys (readers
keep working), the major number for anything removed or changed. Streamed: the respondents,
the answers and the general answers are written as the database yields them, one object per
line, so memory does not grow with the number of respondents.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator

import orjson
from flask_babel import force_locale

from remiss.reports import common, data
from remiss.i18n import babel_locale

FORMAT_VERSION = "1.2"  # 1.1: declined, missing, signed_by/at, dissents; 1.2: groups


def _dump(value) -> str:
    """Compact JSON, UTF-8 as it is (no \\u escapes)."""
    return orjson.dumps(value).decode()


def _disposition(d: data.DispositionInfo | None):
    if d is None:
        return None
    return {"kind": d.kind, "label": d.label, "reason": d.reason}


def _respondent(r: data.RespondentInfo, public: bool) -> dict:
    result = {
        "id": r.id, "name": r.name, "kind": r.kind, "organisation_kind": r.organisation_kind or None,
        "networks": list(r.networks), "answered": r.answered, "submitted_at": common.iso(r.submitted_at),
        "late": r.late, "channel": r.channel, "declined": r.declined, "declined_reason": r.declined_reason or None,
        "signed_by": r.signed_by or None, "signed_at": common.iso(r.signed_at),
    }
    if not public:
        result["submitted_by"] = r.submitted_by or None
        result["registered_by"] = r.registered_by or None
    return result


def _answer(row: data.AnswerRow) -> dict:
    return {
        "respondent_id": row.respondent.id,
        "respondent": row.respondent.name,
        "stance": row.stance,
        "stance_label": row.stance_label or None,
        "criteria": [{"criterion_id": c.criterion_id, "rating": c.rating, "rating_label": c.rating_label or None,
                      "comment": c.comment} for c in row.criteria],
        "comment": row.comment,
        "comment_disposition": _disposition(row.comment_disposition),
        "proposed_wording": row.proposed_wording,
        "proposed_wording_disposition": _disposition(row.wording_disposition),
        "alternative": ({"id": row.alternative_id, "label": row.alternative_label or None,
                         "reason": row.alternative_reason}
                        if row.alternative_id or row.alternative_reason else None),
    }


def _figures(figures: data.Figures | None):
    if figures is None:
        return None
    return {
        "answers": figures.answered,
        "stances": [{"stance": key or None, "label": text, "count": count} for key, text, count in figures.stances],
        "criteria": [{"criterion": text, "counts": [{"label": label, "count": count} for label, count in counts]}
                     for text, counts in figures.criteria],
        "comments": figures.comments,
        "proposed_wordings": figures.proposed_wordings,
    }


def _outcome(outcome: data.AlternativesReport | None):
    if outcome is None:
        return None
    return {
        "heading": outcome.heading,
        "alternatives": [{"id": a.id, "label": a.label, "body": a.body, "count": a.count}
                         for a in outcome.alternatives],
        "without_choice": outcome.without_choice,
    }


def _array(items: Iterable, indent: str = "    ") -> Iterator[str]:
    """A JSON array, one element per line, written as the items come."""
    yield "["
    first = True
    for item in items:
        yield ("\n" if first else ",\n") + indent + _dump(item)
        first = False
    yield "]" if first else "\n" + indent[:-2] + "]"


def stream(consultation, report: data.Report) -> Iterator[bytes]:
    return common.chunked(_chunks(consultation, report))


def _chunks(consultation, report: data.Report) -> Iterator[str]:
    with force_locale(babel_locale(report.locale)):
        public, locale = report.public, report.locale
        head = {
            "format_version": FORMAT_VERSION,
            "kind": "remissammanstallning",
            "draft": report.draft,
            "draft_notice": common.draft_notice() if report.draft else None,
            "edition": common.edition(report),
            "public": public,
            "report_number": report.number,
            "language": locale,
            "generated_at": common.iso(report.generated_at),
            "consultation": {
                "id": report.consultation_id, "title": report.title, "reference_number": report.reference_number,
                "purpose": report.purpose, "status": report.status, "opens_at": common.iso(report.opens_at),
                "deadline": common.iso(report.deadline), "closed_at": common.iso(report.closed_at),
                "document": {"key": report.document_key, "title": report.document_title,
                             "version": report.version_number, "owner": report.version_owner},
                "questions": {
                    **report.asks, "criteria_scale": report.criteria_scale,
                    "ratings": [{"value": value, "label": text} for value, text in report.ratings],
                    "criteria": [{"id": cid, "position": i, "text": text}
                                 for i, (cid, text) in enumerate(report.criteria, 1)],
                },
            },
            "response_rate": {"asked": report.asked, "answered": report.answered_count,
                              "declined": report.declined_count, "missing": report.missing_count,
                              "networks": [{"name": n.name, "asked": n.asked, "answered": n.answered,
                                            "declined": n.declined, "missing": n.missing}
                                           for n in report.networks]},
            # The author is named in the internal report only.
            "dissents": [{"respondent_id": d.respondent.id, "respondent": d.respondent.name,
                          "author": d.author or None, "text": d.text, "created_at": common.iso(d.created_at)}
                         for d in report.dissents],
        }
        yield "{\n"
        for key, value in head.items():
            yield f"  {_dump(key)}: {_dump(value)},\n"

        yield '  "respondents": '
        yield from _array(_respondent(r, public) for r in data.respondent_rows(consultation, public, locale))
        yield ",\n"

        yield '  "principles": ['
        answers = common.Groups(data.report_answer_rows(consultation, report), lambda row: row.principle_id)
        for i, principle in enumerate(report.principles):
            fields = {
                "id": principle.id, "key": principle.key, "number": principle.number, "title": principle.title,
                "statement": principle.statement, "keywords": principle.keywords,
                "implications": principle.implications, "figures": _figures(principle.figures),
                "summary": principle.summary, "alternatives": _outcome(principle.alternatives),
                "groups": [{"label": g.label, "members": g.members} for g in principle.groups],
            }
            yield ("\n" if i == 0 else ",\n") + "    {" + _dump(fields)[1:-1] + ', "answers": '
            yield from _array((_answer(row) for row in answers.take(principle.id)), indent="      ")
            yield "}"
        yield "\n  ],\n" if report.principles else "],\n"

        yield '  "section_alternatives": ['
        choices = common.Groups(data.section_choice_rows(consultation, public, locale), lambda row: row.section_id)
        for i, outcome in enumerate(report.section_alternatives):
            fields = {"section_id": outcome.section_id, **_outcome(outcome)}
            yield ("\n" if i == 0 else ",\n") + "    {" + _dump(fields)[1:-1] + ', "choices": '
            yield from _array(({"respondent_id": row.respondent.id, "respondent": row.respondent.name,
                                "alternative_id": row.alternative_id, "reason": row.reason}
                               for row in choices.take(outcome.section_id)), indent="      ")
            yield "}"
        yield "\n  ],\n" if report.section_alternatives else "],\n"

        yield '  "general_questions": ['
        general = common.Groups(data.general_answer_rows(consultation, public, locale), lambda row: row.question_id)
        for i, question in enumerate(report.general_questions):
            fields = {"id": question.id, "position": question.position, "text": question.text}
            yield ("\n" if i == 0 else ",\n") + "    {" + _dump(fields)[1:-1] + ', "answers": '
            yield from _array(({"respondent_id": row.respondent.id, "respondent": row.respondent.name,
                                "text": row.text, "disposition": _disposition(row.disposition)}
                               for row in general.take(question.id)), indent="      ")
            yield "}"
        yield "\n  ],\n" if report.general_questions else "],\n"

        yield '  "registered_on_behalf": '
        yield from _array(_appendix_entry(entry, public) for entry in data.appendix_rows(consultation, public, locale))
        yield "\n}\n"


def _appendix_entry(entry: data.AppendixRow, public: bool) -> dict:
    r = entry.respondent
    result = {"respondent_id": r.id, "respondent": r.name, "channel": r.channel,
              "submitted_at": common.iso(r.submitted_at), "late": r.late}
    if not public:
        result["registered_by"] = r.registered_by or None
    result["attachments"] = [{"filename": a.filename, "size": a.size, "sha256": a.sha256} for a in entry.attachments]
    return result


def render(consultation, report: data.Report) -> bytes:
    return b"".join(stream(consultation, report))
