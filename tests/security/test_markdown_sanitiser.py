"""The Markdown sanitiser against the tricks tests/test_markdown.py does not try: link targets
spelled to slip past a scheme check, reference links, titles that try to close the attribute,
and HTML that Markdown itself would produce. Every output is parsed as a browser would."""
import pytest

from remiss.markdown import render
from tests.security.test_xss import _Executable, url_scheme

ATTACKS = [
    "[a](JaVaScRiPt:alert(1))",
    "[a]( javascript:alert(1))",
    "[a](java\tscript:alert(1))",
    "[a](javascript&#58;alert(1))",
    "[a](javascript&colon;alert(1))",
    "[a](&#106;avascript:alert(1))",
    "[a](%6Aavascript:alert(1))",
    "[a](vbscript:msgbox(1))",
    "[a](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[a][1]\n\n[1]: javascript:alert(1)",
    "[a](https://ok.example \"x\\\" onmouseover=\\\"alert(1)\")",
    "[a](https://ok.example\" onmouseover=\"alert(1))",
    "<javascript:alert(1)>",
    "<https://ok.example/\" onmouseover=\"alert(1)>",
    "![x](javascript:alert(1))",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "`<script>alert(1)</script>`",
    "    <script>alert(1)</script>",
    "> <img src=x onerror=alert(1)>",
    "* <svg/onload=alert(1)>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;script&#62;alert(1)&#60;/script&#62;",
    "<scr<script>ipt>alert(1)</script>",
    "<!--<script>alert(1)//-->",
    "<style>body{background:url(javascript:alert(1))}</style>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "[a](https://ok.example)<a href=javascript:alert(1)>b</a>",
]


@pytest.mark.parametrize("attack", ATTACKS)
def test_nothing_executable_comes_out(attack):
    html = str(render(attack))
    parser = _Executable()
    parser.feed(html)
    assert not parser.found, (attack, html)
    lowered = html.lower()
    assert "<script" not in lowered and "<img" not in lowered and "<svg" not in lowered and "<style" not in lowered
    # Every link that survives has an allowed scheme or none (a relative address is harmless text).
    assert set(parser.schemes) <= {None, "http", "https", "mailto"}, (attack, html)


def test_links_that_are_fine_stay_links():
    html = str(render("[Mer](https://www.vgregion.se/?a=1&b=2 \"Rubrik\") och <mailto:info@vgregion.se>"))
    assert 'href="https://www.vgregion.se/?a=1&amp;b=2"' in html and 'title="Rubrik"' in html
    assert 'rel="noopener noreferrer nofollow"' in html
