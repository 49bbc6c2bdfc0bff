"""Message bodies are Markdown, rendered once at write time and sanitized with an allowlist.

markdown-it escapes raw HTML (html=False); nh3 then keeps only the allowlisted elements and
attributes, only http(s)/mailto URLs, and adds rel="nofollow noopener noreferrer" to links.

An image in Markdown (`![alt](url)`) becomes a link to it, never an `<img>`: a picture from any
host would load in every reader's browser and tell that host who read the message, and when
(a tracking pixel). Pictures people share are attachments, served by the site itself.

Mentions (the contract's *Mentions*): `@username`, not preceded by a character a username can
hold (so `bob@example.com` is none), runs to the first character a username cannot hold. An
inline rule of the parser finds them, so a mention inside a code span or block is text. A
name that is not a member of the group stays text; trailing dots are a sentence's, not the
name's, when the name without them is a member (`thanks @bob.`). `@all` names everyone.
"""

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from html import escape

import nh3
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "del", "s", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "h1", "h2", "h3", "h4", "h5", "h6",
    "table", "thead", "tbody", "tr", "th", "td", "span",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "ol": {"start"},
    "th": {"align"},
    "td": {"align"},
    "code": {"class"},
    "span": {"class", "data-user-id"},  # a mention; raw HTML in a body is escaped, never kept
}
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow noopener noreferrer"


@cache
def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
        ["strikethrough", "table"]
    )
    md.add_render_rule("image", _image_as_link)
    md.inline.ruler.before("text", "mention", _mention)
    md.add_render_rule("mention", _render_mention)
    return md


MENTION = re.compile(r"@([\w.@+-]+)")
USERNAME_CHARACTER = re.compile(r"[\w.@+-]")
ALL = "all"


def _mention(state: StateInline, silent: bool) -> bool:
    """The inline rule: `@name` at a word's start (code spans never reach it)."""
    pos = state.pos
    if state.src[pos] != "@" or (pos > 0 and USERNAME_CHARACTER.match(state.src[pos - 1])):
        return False
    match = MENTION.match(state.src, pos, state.posMax)
    if match is None:
        return False
    if not silent:
        token = state.push("mention", "", 0)
        token.content = match.group(1)
        state.env.setdefault("mention_names", set()).add(token.content)
    state.pos = match.end()
    return True


def _render_mention(
    renderer: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    name = tokens[idx].content
    members: dict[str, tuple[int, str]] = env.get("members", {})
    for candidate in dict.fromkeys((name, name.rstrip("."))):
        rest = escape(name[len(candidate) :])
        if candidate.lower() == ALL and env.get("all_allowed", True):
            env["mentions_all"] = True
            return f'<span class="mention" data-user-id="all">@{ALL}</span>{rest}'
        if candidate.lower() == ALL:
            break  # `@all` from someone the group does not let say it: text
        if (member := members.get(candidate.lower())) is not None:
            user_id, username = member
            env.setdefault("mentions", {})[user_id] = None  # ordered, once each
            span = f'<span class="mention" data-user-id="{user_id}">@{escape(username)}</span>'
            return span + rest
    return escape("@" + name)


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


@dataclass(frozen=True)
class Rendered:
    html: str
    mentions: list[int]  # the members named, in order of first mention
    mentions_all: bool


# {lowercased name: (user id, username)} of the names that are members of the message's group
MemberLookup = Callable[[set[str]], dict[str, tuple[int, str]]]


def render_message(
    body: str, members: MemberLookup, may_mention_all: Callable[[], bool] = lambda: True
) -> Rendered:
    """`render_markdown` with the mentions resolved: `members` is asked once, and only when
    the body has a mention (so a plain message costs no query); `may_mention_all` only when
    it says `@all` (when it answers no, `@all` is text)."""
    if "@" not in body:
        return Rendered(render_markdown(body), [], False)
    md = _markdown()
    env: dict = {}
    tokens = md.parse(body, env)
    names = env.get("mention_names", set())
    wanted = {n.lower() for name in names for n in (name, name.rstrip("."))} - {ALL, ""}
    env["members"] = members(wanted) if wanted else {}
    says_all = any(name.rstrip(".").lower() == ALL for name in names)
    env["all_allowed"] = says_all and may_mention_all()
    html = sanitize_html(md.renderer.render(tokens, md.options, env)).strip()
    return Rendered(html, list(env.get("mentions", {})), bool(env.get("mentions_all")))
