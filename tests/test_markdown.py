"""remiss/markdown.py: the one way text becomes HTML."""
import pytest

from remiss.markdown import render


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
