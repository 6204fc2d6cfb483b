"""The word-level diff on hand-made versions: no database, the models built in memory."""
from __future__ import annotations

import remiss.models  # noqa: F401  (every model mapped, so relationships resolve)
from remiss.documents.diff import (
    ADDED, CHANGED, DELETE, EQUAL, INSERT, MERGED, MOVED, REMOVED, RENAMED, UNCHANGED, diff_text, diff_versions,
)
from remiss.documents.models import Alternative, DocumentVersion, Principle, PrincipleText, Section

_principles: dict[str, Principle] = {}


def principle(key: str) -> Principle:
    """One identity per key across the versions of a test, as in the database."""
    return _principles.setdefault(key, Principle(key=key))


def version(number, principles, sections=(), title="Styrande principer", change_summary=""):
    """principles: (key, number, title, statement[, keywords, implications, merged_from keys]) in order."""
    _principles.clear() if number == 0 else None
    v = DocumentVersion(number=number, title=title, change_summary=change_summary)
    position = 0
    for key, heading, body in sections:
        v.sections.append(Section(key=key, heading=heading, body=body, position=position))
        position += 1
    for spec in principles:
        key, n, ptitle, statement, *rest = spec
        keywords = rest[0] if len(rest) > 0 else ""
        implications = rest[1] if len(rest) > 1 else ""
        merged = rest[2] if len(rest) > 2 else ()
        text = PrincipleText(principle=principle(key), number=n, title=ptitle, statement=statement,
                             keywords=keywords, implications=implications, position=position)
        text.merged_from.extend(principle(k) for k in merged)
        v.principle_texts.append(text)
        position += 1
    return v


def joined(segments, *kinds) -> str:
    return "".join(s.text for s in segments if s.kind in kinds)


BASE = [
    ("a", 1, "Ett", "Vi gör det första."),
    ("b", 2, "Två", "Vi gör det andra."),
    ("c", 3, "Tre", "Vi gör det tredje."),
]
SECTIONS = [("bakgrund", "Bakgrund", "Principerna ska bidra till ett gemensamt arbetssätt.")]


# --- words -------------------------------------------------------------------------------------------


def test_inserted_and_deleted_words_give_back_both_texts():
    old = "Vi informerar invånaren tydligt om vården."
    new = "Vi informerar alltid invånaren om hela vården."
    segments = diff_text(old, new)
    assert joined(segments, EQUAL, DELETE) == old
    assert joined(segments, EQUAL, INSERT) == new
    assert joined(segments, INSERT).split() == ["alltid", "hela"]
    assert joined(segments, DELETE).strip() == "tydligt"


def test_a_replaced_run_of_words_reads_as_one_deletion_then_one_insertion():
    segments = diff_text("a b c d e", "a x y d e")
    assert [(s.kind, s.text) for s in segments] == [
        (EQUAL, "a "), (DELETE, "b c"), (INSERT, "x y"), (EQUAL, " d e")]


def test_punctuation_is_a_token_of_its_own():
    segments = diff_text("Vi gör det.", "Vi gör det!")
    assert [(s.kind, s.text) for s in segments] == [(EQUAL, "Vi gör det"), (DELETE, "."), (INSERT, "!")]
    # A comma added does not make the neighbouring word look changed.
    segments = diff_text("trygghet och tillit", "trygghet, och tillit")
    assert [(s.kind, s.text) for s in segments] == [(EQUAL, "trygghet"), (INSERT, ","), (EQUAL, " och tillit")]


def test_words_with_swedish_letters_stay_whole():
    segments = diff_text("Hälsofrämjande åtgärder", "Hälsofrämjande insatser")
    assert [(s.kind, s.text) for s in segments] == [
        (EQUAL, "Hälsofrämjande "), (DELETE, "åtgärder"), (INSERT, "insatser")]


def test_whitespace_and_line_breaks_are_kept():
    old = "- ett\n- två\n"
    new = "- ett\n- tre\n\nNytt stycke."
    segments = diff_text(old, new)
    assert joined(segments, EQUAL, DELETE) == old
    assert joined(segments, EQUAL, INSERT) == new


def test_empty_and_equal_texts():
    assert diff_text("", "") == ()
    assert diff_text("Samma.", "Samma.") == (diff_text("Samma.", "Samma.")[0],)
    assert [(s.kind, s.text) for s in diff_text("", "Nytt.")] == [(INSERT, "Nytt.")]
    assert [(s.kind, s.text) for s in diff_text("Gammalt.", "")] == [(DELETE, "Gammalt.")]


# --- parts -------------------------------------------------------------------------------------------


def test_unchanged_documents():
    diff = diff_versions(version(0, BASE, SECTIONS), version(1, BASE, SECTIONS))
    assert diff.unchanged
    assert [p.status for p in diff.parts] == [UNCHANGED] * 4
    assert all(not f.changed for p in diff.parts for f in p.fields)


def test_a_version_compared_with_itself():
    v = version(0, BASE, SECTIONS)
    assert diff_versions(v, v).unchanged


def test_changed_statement():
    new = [("a", 1, "Ett", "Vi gör alltid det första."), *BASE[1:]]
    diff = diff_versions(version(0, BASE), version(1, new))
    part = diff.part("a")
    assert part.statuses == (CHANGED,)
    assert [f.name for f in part.changed_fields] == ["statement"]
    assert joined(part.field("statement").segments, INSERT).strip() == "alltid"
    assert not diff.unchanged


def test_renamed_principle_keeps_its_identity():
    new = [BASE[0], ("b", 2, "Två, tydligare", "Vi gör det andra."), BASE[2]]
    diff = diff_versions(version(0, BASE), version(1, new))
    part = diff.part("b")
    assert part.statuses == (RENAMED,)
    assert joined(part.field("title").segments, INSERT) == ", tydligare"
    assert part.label == "Två, tydligare"


def test_moved_principles_change_number():
    new = [("c", 1, "Tre", "Vi gör det tredje."), ("a", 2, "Ett", "Vi gör det första."),
           ("b", 3, "Två", "Vi gör det andra.")]
    diff = diff_versions(version(0, BASE), version(1, new))
    assert [p.key for p in diff.parts] == ["c", "a", "b"]
    assert all(MOVED in p.statuses for p in diff.parts)
    assert (diff.part("c").old_number, diff.part("c").new_number) == (3, 1)
    assert diff.count(MOVED) == 3 and diff.count(CHANGED) == 0


def test_moved_renamed_and_changed_at_once():
    new = [("b", 1, "Två blev ett", "Vi gör det andra, nu först."), ("a", 2, "Ett", "Vi gör det första."), BASE[2]]
    part = diff_versions(version(0, BASE), version(1, new)).part("b")
    assert part.statuses == (MOVED, RENAMED, CHANGED)
    assert part.status == MOVED


def test_added_principle():
    new = [*BASE, ("d", 4, "Fyra", "Vi gör något nytt.")]
    diff = diff_versions(version(0, BASE), version(1, new))
    part = diff.part("d")
    assert part.statuses == (ADDED,) and part.old is None
    assert [(s.kind, s.text) for s in part.field("statement").segments] == [(INSERT, "Vi gör något nytt.")]
    assert diff.parts[-1] is part


def test_removed_principle_stays_where_it_stood():
    new = [BASE[0], ("c", 2, "Tre", "Vi gör det tredje.")]
    diff = diff_versions(version(0, BASE), version(1, new))
    assert [p.key for p in diff.parts] == ["a", "b", "c"]
    part = diff.part("b")
    assert part.statuses == (REMOVED,) and part.new is None and part.merged_into is None
    assert [(s.kind, s.text) for s in part.field("title").segments] == [(DELETE, "Två")]
    assert part.number == 2
    # c moved up from 3 to 2.
    assert diff.part("c").statuses == (MOVED,)


def test_merged_principles():
    new = [("a", 1, "Ett och två", "Vi gör det första och det andra.", "", "", ["b"]),
           ("c", 2, "Tre", "Vi gör det tredje.")]
    diff = diff_versions(version(0, BASE), version(1, new))
    gone = diff.part("b")
    assert gone.statuses == (MERGED,)
    assert gone.merged_into.key == "a" and gone.merged_into.number == 1
    receiver = diff.part("a")
    assert receiver.merged_from == ("b",)
    assert RENAMED in receiver.statuses and CHANGED in receiver.statuses
    assert diff.count(MERGED) == 1 and diff.count(REMOVED) == 0


def test_a_merge_already_made_in_the_old_version_is_not_new():
    merged = [("a", 1, "Ett", "Vi gör det första.", "", "", ["b"]), ("c", 2, "Tre", "Vi gör det tredje.")]
    diff = diff_versions(version(0, merged), version(1, merged))
    assert diff.unchanged and diff.part("a").merged_from == ()


def test_keywords_and_implications():
    old = [("a", 1, "Ett", "Vi gör det.", "Samordning, trygghet", "- Något konkret.")]
    new = [("a", 1, "Ett", "Vi gör det.", "Samordning, tillit", "- Något konkret.\n- Något mer.")]
    part = diff_versions(version(0, old), version(1, new)).part("a")
    assert [f.name for f in part.changed_fields] == ["keywords", "implications"]
    assert joined(part.field("keywords").segments, DELETE) == "trygghet"
    assert joined(part.field("implications").segments, INSERT) == "\n- Något mer."


def test_sections_by_key():
    old_sections = [("bakgrund", "Bakgrund", "Text."), ("syfte", "Syfte", "Varför.")]
    new_sections = [("bakgrund", "Bakgrund och syfte", "Text. Och varför."), ("ny", "Ny del", "Helt ny.")]
    diff = diff_versions(version(0, [], old_sections), version(1, [], new_sections))
    assert [p.key for p in diff.sections] == ["bakgrund", "syfte", "ny"]
    assert diff.part("bakgrund").statuses == (CHANGED,)
    assert [f.name for f in diff.part("bakgrund").changed_fields] == ["heading", "body"]
    assert diff.part("syfte").statuses == (REMOVED,)
    assert diff.part("ny").statuses == (ADDED,)


def test_section_and_principle_with_the_same_key_are_different_parts():
    old = version(0, [("bakgrund", 1, "En princip", "Text.")], [("bakgrund", "Bakgrund", "Text.")])
    new = version(1, [("bakgrund", 1, "En princip", "Text.")], [("bakgrund", "Bakgrund", "Text.")])
    diff = diff_versions(old, new)
    assert len(diff.parts) == 2 and diff.unchanged


def test_document_title_and_change_summary():
    diff = diff_versions(version(0, BASE, title="Principer för alla", change_summary="Första."),
                         version(1, BASE, title="Principer för alla invånare", change_summary="Andra versionen."))
    assert diff.title.changed and joined(diff.title.segments, INSERT) == " invånare"
    assert diff.change_summary.changed
    assert not diff.unchanged  # the title differs
    only_summary = diff_versions(version(0, BASE, change_summary="A."), version(1, BASE, change_summary="B."))
    assert only_summary.unchanged and only_summary.change_summary.changed


def test_alternatives_are_compared_as_text():
    old, new = version(0, BASE), version(1, BASE)
    old.principle_texts[0].alternatives.append(Alternative(label="Formulering A", body="Vi gör A.", position=1))
    new.principle_texts[0].alternatives.append(Alternative(label="Formulering A", body="Vi gör A nu.", position=1))
    part = diff_versions(old, new).part("a")
    assert part.statuses == (CHANGED,)
    assert joined(part.field("alternatives").segments, INSERT) == " nu"
