"""Message bodies are Markdown, rendered once at write time and sanitized with an allowlist.

markdown-it escapes raw HTML (html=False); nh3 then keeps only the allowlisted elements and
attributes, only http(s)/mailto URLs, and adds rel="nofollow noopener noreferrer" to links.

An image in Markdown (`![alt](url)`) becomes a link to it, never an `<img>`: a picture from any
host would load in every reader's browser and tell that host who read the message, and when
(a tracking pixel). Pictures people share are attachments, served by the site itself.
"""

import re
from collections.abc import Sequence
from functools import cache
from html import escape

import nh3
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "del", "s", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "h1", "h2", "h3", "h4", "h5", "h6",
    "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "ol": {"start"},
    "th": {"align"},
    "td": {"align"},
    "code": {"class"},
}
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow noopener noreferrer"


@cache
def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
        ["strikethrough", "table"]
    )
    md.add_render_rule("image", _image_as_link)
    return md


def _image_as_link(
    renderer: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    """`![alt](url)` as `<a href="url">alt</a>` (the URL itself when there is no alt text)."""
    token = tokens[idx]
    src = str(token.attrGet("src") or "")
    text = renderer.renderInlineAsText(token.children or [], options, env) or src
    return f'<a href="{escape(src)}">{escape(text)}</a>'


def sanitize_html(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
    )


# Plain prose: a letter first, then letters, digits, spaces and punctuation that is never
# Markdown syntax in one line, and nothing HTML escapes. Most chat messages are this, and
# their HTML is one paragraph; tests check the shortcut against the renderer.
PLAIN_PROSE = re.compile(r"[^\W\d_](?:[^\W_]|[ ,.?!:;()/%'-])*")


def render_markdown(body: str) -> str:
    """Sanitized HTML of a Markdown body (stripped, as services.clean_body leaves it)."""
    if PLAIN_PROSE.fullmatch(body) and not body.endswith(" "):
        return f"<p>{body}</p>"
    return render_markdown_fully(body)


def render_markdown_fully(body: str) -> str:
    """`render_markdown` without the plain-prose shortcut."""
    return sanitize_html(_markdown().render(body)).strip()
