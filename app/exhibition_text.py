"""The curators' Markdown (an exhibition's introduction, a section's text, an item's
commentary, 解读) as HTML that is safe to show the public.

markdown-it-py renders CommonMark with raw HTML turned off; nh3 (the Ammonia sanitizer)
then keeps only the tags and attributes listed here and links of http, https and mailto,
so neither a script nor an inline style (which the strict CSP would refuse anyway), nor
an image from another site, ever reaches a page.
"""

from __future__ import annotations

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

TAGS = {
    "p",
    "br",
    "em",
    "strong",
    "s",
    "a",
    "ul",
    "ol",
    "li",
    "blockquote",
    "h2",
    "h3",
    "h4",
    "code",
    "pre",
    "hr",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False}).enable("table").enable("strikethrough")


def render_markdown(text: str) -> Markup:
    """``text`` (Markdown) as sanitized HTML.

    >>> print(render_markdown("**宝鸡**解放，见[档案](https://example.org/a)。"))
    <p><strong>宝鸡</strong>解放，见<a href="https://example.org/a" rel="noopener noreferrer">档案</a>。</p>
    <BLANKLINE>
    >>> render_markdown('<script>alert(1)</script>[x](javascript:alert(1))')
    Markup('<p>&lt;script&gt;alert(1)&lt;/script&gt;[x](javascript:alert(1))</p>\\n')
    """
    if not text.strip():
        return Markup("")
    html = _parser().render(text)
    return Markup(
        nh3.clean(
            html,
            tags=TAGS,
            attributes=ATTRIBUTES,
            url_schemes={"http", "https", "mailto"},
            link_rel="noopener noreferrer",
        )
    )
