"""The one way user and document text becomes HTML: Markdown, then sanitised by nh3.

What a person typed is shown as typed: `<` and `&` are escaped before Markdown sees the
text, so `<script>` appears as those characters instead of being silently dropped by the
sanitiser. Markdown itself (paragraphs, lists, emphasis, links) works as usual; nh3 then
removes whatever Markdown produced that is not on the allow-list (e.g. javascript: links).
"""
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


@lru_cache(maxsize=2048)
def render(text: str | None) -> Markup:
    """Markdown-light (paragraphs, lists, emphasis, links) as safe HTML."""
    if not text:
        return Markup("")
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
