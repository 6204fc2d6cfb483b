"""The one way user and document text becomes HTML: Markdown, then sanitised by nh3.

What a person typed is shown as typed: `<` and `&` are escaped before Markdown sees the
text, so `<script>` appears as those characters instead of being silently dropped by the
sanitiser. Markdown itself (paragraphs, lists, emphasis, links) works as usual; nh3 then
removes whatever Markdown produced that is not on the allow-list (e.g. javascript: links).
"""
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


@lru_cache(maxsize=2048)
def render(text: str | None) -> Markup:
    """Markdown-light (paragraphs, lists, emphasis, links) as safe HTML."""
    if not text:
        return Markup("")
    escaped = text.replace("&", "&amp;").replace("<", "&lt;")
    html = _markdown.markdown(escaped, extensions=["sane_lists"], output_format="html")
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )
    return Markup(clean)
