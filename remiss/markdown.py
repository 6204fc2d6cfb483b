"""The one way user and document text becomes HTML: Markdown, then sanitised by nh3.

What a person typed is shown as typed: `<` and `&` are escaped before Markdown sees the
text, so `<script>` appears as those characters instead of being silently dropped by the
sanitiser. Markdown itself (paragraphs, lists, emphasis, links) works as usual; nh3 then
removes whatever Markdown produced that is not on the allow-list (e.g. javascript: links).
"""
import re
import threading
from functools import lru_cache

import markdown as _markdown
import nh3
from markupsafe import Markup

ALLOWED_TAGS = {
    "p", "br", "ul", "ol", "li", "em", "strong", "a", "blockquote", "code", "pre",
    "h3", "h4", "h5", "h6", "hr",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
# No images at all: a remote image would tell a third party who read the text.
URL_SCHEMES = {"http", "https", "mailto"}

# Python-Markdown is slow on some pathological inputs; callers cap length first.
MAX_LENGTH = 20_000


_local = threading.local()


def _converter() -> _markdown.Markdown:
    """One Markdown instance per thread, reset between texts: building one (loading its
    extensions) costs more than converting a typical comment, and an instance is not thread-safe."""
    converter = getattr(_local, "converter", None)
    if converter is None:
        converter = _local.converter = _markdown.Markdown(extensions=["sane_lists"], output_format="html")
    return converter


# A paragraph of plain prose: a letter, then words (letters and digits), spaces and the punctuation of
# sentences, on one line; no "_" (emphasis); ending in a word or what ends a sentence, not in a space
# (which Markdown would strip). Markdown makes <p>…</p> of it and nothing else, and nh3 keeps it as it
# is; a block of lines that each start with "- " and go on in plain prose is a list, <ul> with an <li>
# per line (tests/test_markdown.py checks both against Markdown and nh3). One character class and two
# checks, rather than a pattern of words and separators: a fifth of the time on a long paragraph.
_PLAIN_CHARACTERS = re.compile(r"[^\W\d_][\w ,.;:!?()%/'\"\u2013\u201d-]*").fullmatch
_SENTENCE_ENDS = frozenset('.!?)"\u201d')


def _plain_paragraph(text: str) -> bool:
    return ("_" not in text and _PLAIN_CHARACTERS(text) is not None
            and (text[-1].isalnum() or text[-1] in _SENTENCE_ENDS))


def plain_html(text: str) -> str | None:
    """The HTML of a text made of plain prose paragraphs and simple "- " lists, one blank line apart
    (two lists in a row are one loose list to Markdown: not taken), else None."""
    blocks, after_list = [], False
    for block in text.split("\n\n"):
        if _plain_paragraph(block):
            blocks.append(f"<p>{block}</p>")
            after_list = False
            continue
        lines = block.split("\n")
        if after_list or not all(line[:2] == "- " and _plain_paragraph(line[2:]) for line in lines):
            return None
        blocks.append("<ul>\n" + "\n".join(f"<li>{line[2:]}</li>" for line in lines) + "\n</ul>")
        after_list = True
    return "\n".join(blocks)


@lru_cache(maxsize=2048)
def render(text: str | None) -> Markup:
    """Markdown-light (paragraphs, lists, emphasis, links) as safe HTML."""
    if not text:
        return Markup("")
    # Most comments are plain prose, some with a list: their HTML is known without Markdown and nh3,
    # in a tenth of the time (the HTML report renders every comment once).
    html = plain_html(text)
    return convert(text) if html is None else Markup(html)


def convert(text: str) -> Markup:
    """Markdown, then nh3: what `render` gives for any text."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;")
    html = _converter().reset().convert(escaped)
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )
    return Markup(clean)
