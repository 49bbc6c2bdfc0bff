"""messaging.rendering: Markdown in, sanitized HTML out. The XSS corpus is checked on the parsed
output (elements, attributes, URL schemes), through the Markdown renderer and through the
sanitizer alone (as if raw HTML ever reached it)."""

import random
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from messaging.rendering import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_TAGS,
    LINK_REL,
    PLAIN_PROSE,
    render_markdown,
    render_markdown_fully,
    render_message,
    sanitize_html,
)

FORBIDDEN_TAGS = {
    "script", "style", "iframe", "object", "embed", "form", "svg", "math", "base", "meta",
    "link", "input", "button", "textarea", "select", "frame", "frameset", "applet", "template",
    "noscript", "video", "audio", "source", "details", "marquee", "body", "html", "title",
}  # fmt: skip
URL_ATTRIBUTES = {"href", "src"}
SAFE_SCHEMES = {"", "http", "https", "mailto"}

XSS_CORPUS = [
    # script elements, plain, mixed-case, broken up and nested
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<ScRiPt>alert(document.cookie)</sCrIpT>",
    '"><script>alert(1)</script>',
    "<<script>script>alert(1)<</script>/script>",
    "<scr<script>ipt>alert(1)</script>",
    "<!--<script>alert(1)</script>-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    "<template><script>alert(1)</script></template>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    # event handlers
    "<img src=x onerror=alert(1)>",
    '<img src="x" alt="" onerror="alert(1)"/>',
    "<img src=`x`onerror=alert(1)>",
    "<body onload=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<video><source onerror=alert(1)></video>",
    "<audio src=x onerror=alert(1)>",
    "<marquee onstart=alert(1)>",
    "<input autofocus onfocus=alert(1)>",
    '<a href="https://ok.example" onclick="alert(1)">x</a>',
    '<p onmouseover="alert(1)">hover</p>',
    # javascript:, vbscript: and data: URLs in HTML
    "<IMG SRC=\"javascript:alert('XSS');\">",
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="&#106;avascript:alert(1)">x</a>',
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    '<a href="javas&#99;ript:alert(1)">x</a>',
    '<a href=" &#14;  javascript:alert(1)">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">',
    # SVG and MathML
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    "<math><mtext><script>alert(1)</script></mtext></math>",
    '<math href="javascript:alert(1)">x</math>',
    # frames, styles, base, meta, forms, objects
    '<iframe src="javascript:alert(1)"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>">',
    "<style>body{background:url(javascript:alert(1))}</style>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<p style="position:fixed;top:0;left:0;width:100%;height:100%">cover</p>',
    '<base href="javascript:alert(1)//">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<form action="javascript:alert(1)"><input type=submit></form>',
    '<form><button formaction="javascript:alert(1)">x</button></form>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="javascript:alert(1)">',
    "<link rel=stylesheet href=javascript:alert(1)>",
    '<table background="javascript:alert(1)"><tr><td>x</td></tr></table>',
    "<isindex action=javascript:alert(1) type=image>",
    # Markdown links and images
    "[click](javascript:alert(1))",
    "[click](JAVASCRIPT:alert(1))",
    "[click](javascript&#58;alert(1))",
    "[click](&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert(1))",
    "[click](%6A%61%76%61%73%63%72%69%70%74:alert(1))",
    "[click](vbscript:msgbox(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click](<javascript:alert(1)>)",
    "[click](  javascript:alert(1)  )",
    "[click](\x01javascript:alert(1))",
    "[click][ref]\n\n[ref]: javascript:alert(1)",
    '[click](https://example.com "title\\" onmouseover=\\"alert(1)")',
    '[click](https://example.com/"onmouseover="alert(1))',
    "![img](javascript:alert(1))",
    "![img](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "![img](data:image/png;base64,iVBORw0KGgo=)",
    "![img][ref]\n\n[ref]: data:image/png;base64,AAAA",
    '![img](https://example.com/x.png" onerror="alert(1))',
    # autolinks
    "<javascript:alert(1)>",
    "<vbscript:msgbox(1)>",
    "<data:text/html,<script>alert(1)</script>>",
    # HTML entities and Markdown containers around payloads
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;script&#62;alert(1)&#60;/script&#62;",
    "`<script>alert(1)</script>`",
    "```html\n<script>alert(1)</script>\n```",
    '```"><script>alert(1)</script>\nx\n```',
    "*<script>alert(1)</script>*",
    "> <iframe src=javascript:alert(1)>",
    "- [x](vbscript:alert(1))",
    "| a | b |\n|---|---|\n| <script>alert(1)</script> | [x](javascript:alert(1)) |",
]


class Elements(HTMLParser):
    """Every element of a fragment, with its attributes (entities decoded, as a browser would)."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, dict[str, str | None]]] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


def url_scheme(value: str) -> str:
    """The scheme a browser would see: it drops control characters and spaces first."""
    cleaned = "".join(ch for ch in value if ord(ch) > 0x20 and ord(ch) != 0x7F)
    return urlsplit(cleaned).scheme.lower()


def unsafe_parts(html: str) -> list[str]:
    """What in the fragment could run script or restyle the page; empty when it is safe."""
    problems = []
    for tag, attributes in Elements(html).found:
        if tag in FORBIDDEN_TAGS or tag not in ALLOWED_TAGS:
            problems.append(f"element <{tag}>")
        allowed = ALLOWED_ATTRIBUTES.get(tag, set()) | ({"rel"} if tag == "a" else set())
        for name, value in attributes.items():
            if name.startswith("on") or name == "style" or name not in allowed:
                problems.append(f"attribute {name} on <{tag}>")
            elif name in URL_ATTRIBUTES and url_scheme(value or "") not in SAFE_SCHEMES:
                problems.append(f"URL {value!r} on <{tag}>")
        if tag == "a" and attributes.get("rel") != LINK_REL:
            problems.append(f"link without rel={LINK_REL!r}")
    return problems


def test_the_corpus_holds_at_least_fifty_payloads():
    # then
    assert len(set(XSS_CORPUS)) == len(XSS_CORPUS) >= 50


@pytest.mark.parametrize("payload", XSS_CORPUS)
def test_no_payload_survives_rendering(payload):
    # when
    html = render_markdown(payload)

    # then
    assert unsafe_parts(html) == [], html


@pytest.mark.parametrize("payload", XSS_CORPUS)
def test_no_payload_survives_the_sanitizer_alone(payload):
    # when
    html = sanitize_html(payload)

    # then
    assert unsafe_parts(html) == [], html


def test_the_checker_sees_what_the_sanitizer_removes():
    # given: what the corpus would look like unsanitized
    raw = '<a href="jav&#x09;ascript:x" onclick="x" style="x">a</a><svg></svg><img src="data:x">'

    # when
    problems = unsafe_parts(raw)

    # then
    assert problems == [
        "URL 'jav\\tascript:x' on <a>",
        "attribute onclick on <a>",
        "attribute style on <a>",
        "link without rel='nofollow noopener noreferrer'",
        "element <svg>",
        "element <img>",
        "attribute src on <img>",
    ]


def test_raw_html_is_shown_as_text():
    # when
    html = render_markdown("<b>bold?</b> & <script>alert(1)</script>")

    # then
    assert html == "<p>&lt;b&gt;bold?&lt;/b&gt; &amp; &lt;script&gt;alert(1)&lt;/script&gt;</p>"


@pytest.mark.parametrize(
    ("body", "html"),
    [
        ("**bold** _em_ ~~gone~~ `code`",
         "<p><strong>bold</strong> <em>em</em> <s>gone</s> <code>code</code></p>"),
        ("# Title", "<h1>Title</h1>"),
        ("- one\n- two", "<ul>\n<li>one</li>\n<li>two</li>\n</ul>"),
        ("3. three\n4. four", '<ol start="3">\n<li>three</li>\n<li>four</li>\n</ol>'),
        ("> quoted", "<blockquote>\n<p>quoted</p>\n</blockquote>"),
        ("```python\nx = 1 < 2\n```",
         '<pre><code class="language-python">x = 1 &lt; 2\n</code></pre>'),
        ("| a |\n|---|\n| b |",
         "<table>\n<thead>\n<tr>\n<th>a</th>\n</tr>\n</thead>\n<tbody>\n<tr>\n<td>b</td>\n"
         "</tr>\n</tbody>\n</table>"),
    ],
)  # fmt: skip
def test_markdown_renders_to_its_html(body, html):
    # when / then
    assert render_markdown(body) == html


@pytest.mark.parametrize(
    ("body", "href"),
    [
        ("[docs](https://docs.djangoproject.com/)", "https://docs.djangoproject.com/"),
        ("<https://example.com/a?b=c>", "https://example.com/a?b=c"),
        ("[mail](mailto:ada@example.com)", "mailto:ada@example.com"),
        ("[group](/groups/1/)", "/groups/1/"),
    ],
)
def test_links_keep_safe_urls_and_get_rel(body, href):
    # when
    [(tag, attributes)] = Elements(render_markdown(body)).found[1:]

    # then
    assert tag == "a"
    assert attributes == {"href": href, "rel": LINK_REL}


# --- The plain-prose shortcut -----------------------------------------------------------------

PROSE_ALPHABET = "abcXYZ éßЖ中ا 019 ,.?!:;()/%'-"
MARKDOWN_ALPHABET = PROSE_ALPHABET + '*_`~[]<>&#=+|\\"\t\n\u00a0'


@pytest.mark.parametrize(
    "body",
    [
        "hello there",
        "Ok, see you at 10:30 (room 4/B)!",
        "it's 50% done - well-known; really?",
        "Grüße aus Köln",
        "中文 ok",
        "a  b",
        "x",
    ],
)
def test_plain_prose_renders_as_one_paragraph_like_the_renderer(body):
    assert render_markdown(body) == render_markdown_fully(body) == f"<p>{body}</p>"


def test_the_shortcut_agrees_with_the_renderer_on_random_bodies():
    # given: random bodies of prose characters, and of prose and Markdown characters
    rng = random.Random(6)
    bodies = sorted(
        {
            "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 24))).strip()
            for alphabet in (PROSE_ALPHABET, MARKDOWN_ALPHABET)
            for _ in range(3000)
        }
        - {""}
    )

    # when
    rendered = [render_markdown(body) for body in bodies]

    # then: whichever path a body took, the HTML is the full renderer's
    assert rendered == [render_markdown_fully(body) for body in bodies]
    assert sum(bool(PLAIN_PROSE.fullmatch(body)) for body in bodies) > 1000  # shortcut taken


@pytest.mark.parametrize(
    ("body", "html"),
    [
        (
            "![](https://any.host/x.png)",
            '<p><a href="https://any.host/x.png" rel="nofollow noopener noreferrer">'
            "https://any.host/x.png</a></p>",
        ),
        (
            "look: ![a *cat*](https://e.com/c.png)",
            '<p>look: <a href="https://e.com/c.png" rel="nofollow noopener noreferrer">'
            "a cat</a></p>",
        ),
        (
            "![x][pic]\n\n[pic]: https://e.com/p.gif",
            '<p><a href="https://e.com/p.gif" rel="nofollow noopener noreferrer">x</a></p>',
        ),
    ],
)
def test_an_image_from_anywhere_is_a_link_never_a_picture_that_loads(body, html):
    # (a picture from any host is a tracking pixel: it tells that host who read the message)
    assert render_markdown(body) == html
    assert "<img" not in render_markdown_fully(body)


def test_the_policy_lets_pages_load_only_the_sites_own_images(settings):
    assert settings.CONTENT_SECURITY_POLICY["img-src"] == ["'self'", "data:"]


# --- mentions ---------------------------------------------------------------------------------

MEMBERS = {"bob": (2, "Bob"), "al.ice": (3, "al.ice"), "bob@home": (4, "bob@home")}


def _members(names: set[str]) -> dict[str, tuple[int, str]]:
    return {name: MEMBERS[name] for name in names if name in MEMBERS}


def _span(user_id, name: str) -> str:
    return f'<span class="mention" data-user-id="{user_id}">@{name}</span>'


@pytest.mark.parametrize(
    ("body", "html", "mentions", "everyone"),
    [
        ("hi @bob", f"<p>hi {_span(2, 'Bob')}</p>", [2], False),
        ("hi @BOB!", f"<p>hi {_span(2, 'Bob')}!</p>", [2], False),
        ("thanks @bob.", f"<p>thanks {_span(2, 'Bob')}.</p>", [2], False),
        ("@al.ice. ok", f"<p>{_span(3, 'al.ice')}. ok</p>", [3], False),
        ("@bob@home", f"<p>{_span(4, 'bob@home')}</p>", [4], False),
        ("@bob, @bob", f"<p>{_span(2, 'Bob')}, {_span(2, 'Bob')}</p>", [2], False),
        ("@all: deploy", f"<p>{_span('all', 'all')}: deploy</p>", [], True),
        ("mail bob@example.com", "<p>mail bob@example.com</p>", [], False),
        ("`@bob` in code", "<p><code>@bob</code> in code</p>", [], False),
        ("```\n@bob @all\n```", "<pre><code>@bob @all\n</code></pre>", [], False),
        ("    @bob indented", "<pre><code>@bob indented\n</code></pre>", [], False),
        ("@nobody", "<p>@nobody</p>", [], False),
        ("**@bob**", f"<p><strong>{_span(2, 'Bob')}</strong></p>", [2], False),
        ("@<b>x</b>", "<p>@&lt;b&gt;x&lt;/b&gt;</p>", [], False),
    ],
    ids=[
        "name", "any-case", "sentence-dot", "dotted-name", "at-in-name", "twice", "all",
        "email", "code-span", "code-block", "indented-code", "non-member", "emphasis", "html",
    ],
)  # fmt: skip
def test_mentions_render_as_the_contract_says(body, html, mentions, everyone):
    # when
    rendered = render_message(body, _members)

    # then
    assert (rendered.html, rendered.mentions, rendered.mentions_all) == (html, mentions, everyone)


def test_a_body_without_an_at_sign_asks_for_no_members():
    # given
    asked = []

    # when
    rendered = render_message("plain **words**", lambda names: asked.append(names) or {})

    # then
    assert asked == []
    assert rendered.html == "<p>plain <strong>words</strong></p>"


def test_a_mention_span_survives_the_sanitizer_but_a_typed_one_does_not():
    # then: only the renderer makes spans; raw HTML in a body is text
    assert "&lt;span" in render_message('<span class="mention">@x</span>', _members).html
    assert sanitize_html(_span(2, "Bob")) == _span(2, "Bob")
