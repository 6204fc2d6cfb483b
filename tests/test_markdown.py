"""remiss/markdown.py: the one way text becomes HTML."""
import itertools

import pytest
from hypothesis import given, settings, strategies as st

from remiss.markdown import convert, plain_html, render


def test_markdown_light_works():
    html = str(render("Ett stycke med *kursiv* och **fet** text.\n\n- punkt ett\n- punkt två\n\n[VGR](https://www.vgregion.se)"))
    assert "<em>kursiv</em>" in html and "<strong>fet</strong>" in html
    assert "<li>punkt ett</li>" in html
    assert '<a href="https://www.vgregion.se" rel="noopener noreferrer nofollow">VGR</a>' in html


@pytest.mark.parametrize("payload", [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<iframe src=//evil.example></iframe>",
    "<a href=\"javascript:alert(1)\">klick</a>",
    "<svg onload=alert(1)>",
])
def test_html_shows_as_the_characters_typed(payload):
    html = str(render(payload))
    assert "<" + payload[1:4] not in html
    assert "&lt;" + payload[1:4] in html


def test_dangerous_link_targets_are_dropped():
    html = str(render("[klick](javascript:alert(1)) och ![bild](https://evil.example/spårning.png)"))
    assert "javascript:" not in html
    assert "<img" not in html, "no remote images: they would tell a third party who read the text"


def test_ampersands_and_quotes_survive_once():
    assert str(render("Hälso- & sjukvård \"nära\"")) == "<p>Hälso- &amp; sjukvård \"nära\"</p>"


# Plain prose takes a short cut past Markdown and nh3 (remiss.markdown.plain_html): it must give
# exactly what they give. Texts made of words (some with markup in them), the punctuation of sentences
# and what Markdown or HTML treat specially; each text the short cut takes is compared with the long way.
_WORDS = ["ord", "Åsa", "x", "I", "1", "19", "vård", "a1",
          "o*r*d", "_a_", "a_b", "**fet**", "`k`", "&amp;", "<b>", "[l](x)", "x\u00a0y", "1."]
_PROSE = [" ", ", ", ". ", ": ", "; ", " (", ") ", " % ", "/", "'", ' "', '" ', " – ", "” ", "-", "--", "\n\n", "://",
          "?", "!"]
_MARKUP = ["\n---\n", "\n", "\n\n\n", "_", "*", "**", "#", "\n> ", " & ", "<", ">", "\n1. ", "\n- ", "+", "  ",
           "\u00a0", "=", "\n===\n", "`", "[", "]", "\\", "~", "!!", ".\n\n", "\n\n    "]
_STARTS = ["", "1. ", "- ", "# ", " ", "> ", "    ", "* ", "+ "]
_ENDS = ["", ".", "!", "?", ")", '"', "”", " ", "\n", "..", ":", "  "]


def _same_both_ways(texts) -> int:
    taken = 0
    for text in texts:
        if plain_html(text) is not None:
            taken += 1
            assert render.__wrapped__(text) == convert(text), text
    return taken


def test_plain_prose_short_cut_gives_what_markdown_gives():
    """Every word, then everything between words, then every word; every start and end around them."""
    between = [f"{a}{sep}{b}" for a in _WORDS for sep in _PROSE + _MARKUP for b in _WORDS]
    framed = [f"{start}{a}{sep}{b}{end}" for start in _STARTS for a in _WORDS[:4] + _WORDS[8:]
              for sep in (" ", "\n\n", ": ") for b in _WORDS[:3] for end in _ENDS]
    assert _same_both_ways(between) > 1000 and _same_both_ways(framed) > 100


def test_plain_lists_short_cut_gives_what_markdown_gives():
    """Every sequence of up to three blocks, one blank line apart: paragraphs, lists, near-lists."""
    blocks = ["Ord ord.", "- ord\n- vård", "- x", "* ord", "- ord\n* x", "- ord\n  fortsätter", "1. ord", "- *k*",
              "- ord\n\n- x", "-ord", "- ord\nvård", "- ord.", "- Ord, vård (x) – 19 %", "-  ord", "- ord ", "- - ord",
              "- > ord", "- # ord"]
    texts = [text for n in (1, 2, 3) for text in map("\n\n".join, itertools.product(blocks, repeat=n))]
    assert _same_both_ways(texts) >= 30


@settings(max_examples=1000, derandomize=True, deadline=None)
@given(st.lists(st.sampled_from(_WORDS), min_size=1, max_size=8),
       st.lists(st.sampled_from(_PROSE * 8 + _MARKUP), min_size=7, max_size=7))
def test_longer_prose_short_cut_gives_what_markdown_gives(words, seps):
    _same_both_ways(["".join(w + s for w, s in zip(words, seps)).rstrip(" ") + "."])


@pytest.mark.parametrize("text", [
    "Vi anser att principen är bra.", "Bra, men: förtydliga (ansvar) – 50 % av fallen!",
    "Två stycken.\n\nAndra stycket", 'Text "citat" och https://www.vgregion.se/sida', "Ord--ord",
    # punctuation after punctuation, and before the end
    "Se ovan (punkt 3).", "Ja , nej .", "Ordet ”vård”.", "Varför?!", "Vård/omsorg, 2026–2027.",
])
def test_prose_takes_the_short_cut_and_gives_paragraphs(text):
    assert plain_html(text) is not None
    assert render.__wrapped__(text) == convert(text)


@pytest.mark.parametrize("text", ["1. lista", "+ lista", "- lista\n\n- två", "*kursiv*", "a_b", "Rad ett\nrad två", " inledande",
                                  "Hälso- & sjukvård", "# Rubrik", "> citat", "Slut "])
def test_markdown_and_markup_take_the_long_way(text):
    assert plain_html(text) is None
