"""Files in the browser: picked with the attach button, dropped on the conversation or pasted
into the compose box, each uploading with its progress and a cancel; images shown as thumbnails
in a box of fixed size that open in a lightbox, other files as download cards."""

import json
from io import BytesIO

import pytest
from PIL import Image
from playwright.sync_api import Page, Route, expect

from attachments.models import Attachment

pytestmark = pytest.mark.browser

UPLOADS = "**/api/v1/uploads/"
THUMBNAILS = "**/api/v1/attachments/*/thumbnail/"

# A DataTransfer holding one file made of the given bytes, built in the page.
DATA_TRANSFER = """([name, type, bytes]) => {
  const data = new DataTransfer();
  data.items.add(new File([new Uint8Array(bytes)], name, { type }));
  return data;
}"""


def png(width: int, height: int, colour: str = "teal") -> bytes:
    out = BytesIO()
    Image.new("RGB", (width, height), colour).save(out, "PNG")
    return out.getvalue()


def pdf(size: int) -> bytes:
    head = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n"
    tail = b"\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    return head + b"%" * (size - len(head) - len(tail)) + tail


def file_payload(name: str, mime_type: str, data: bytes) -> dict:
    return {"name": name, "mimeType": mime_type, "buffer": data}


def attach_with_button(page: Page, *files: dict) -> None:
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="Attach files").click()
    assert chooser.value.is_multiple()
    chooser.value.set_files(list(files))


def send(page: Page, text: str = "") -> None:
    page.fill("textarea[name=body]", text)
    page.press("textarea[name=body]", "Enter")


def held(page: Page, pattern: str) -> list[Route]:
    """Requests to the pattern wait, each until the test continues its route."""
    routes: list[Route] = []
    page.route(pattern, lambda route: routes.append(route))
    return routes


def wait_for_request(page: Page, routes: list[Route]) -> None:
    for _ in range(200):
        if routes:
            return
        page.wait_for_timeout(50)
    raise AssertionError("no request came")


def test_a_picked_image_uploads_with_progress_and_arrives_live_as_a_thumbnail(pair):
    # given: Alice's upload is held on its way, and so are Bob's thumbnails
    alice, bob = pair
    uploads = held(alice, UPLOADS)
    thumbnails = held(bob, THUMBNAILS)

    # when she picks a wide picture with the attach button
    attach_with_button(alice, file_payload("harbour.png", "image/png", png(800, 400)))

    # then: its progress shows, and the message waits for it
    upload = alice.locator(".upload", has_text="harbour.png")
    expect(upload.locator("progress")).to_be_visible()
    expect(alice.get_by_role("button", name="Send")).to_be_disabled()

    # when the upload goes through and she sends
    wait_for_request(alice, uploads)
    uploads[0].continue_()
    expect(upload).to_have_class("upload upload--done")
    expect(alice.get_by_role("button", name="Send")).to_be_enabled()
    send(alice, "The view from the office")

    # then Bob sees it live: a thumbnail whose box is the picture scaled into 400 x 400,
    # at its size already while the thumbnail is still loading
    message = bob.locator("[data-message-id]", has_text="The view from the office")
    thumbnail = message.get_by_role("img", name="harbour.png")
    expect(thumbnail).to_have_attribute("width", "400")
    expect(thumbnail).to_have_attribute("height", "200")
    expect(thumbnail).to_have_attribute("loading", "lazy")
    assert thumbnail.evaluate("image => image.naturalWidth") == 0
    box = thumbnail.bounding_box()
    assert (round(box["width"]), round(box["height"])) == (400, 200)
    wait_for_request(bob, thumbnails)
    for route in thumbnails:
        route.continue_()
    expect(thumbnail).to_have_js_property("complete", True)
    box = thumbnail.bounding_box()
    assert (round(box["width"]), round(box["height"])) == (400, 200)
    assert thumbnail.evaluate("image => image.naturalWidth") == 400
    expect(alice.locator(".uploads .upload")).to_have_count(0)


def test_files_dropped_on_the_conversation_are_sent_without_a_body(pair):
    # given
    alice, bob = pair
    data = alice.evaluate_handle(DATA_TRANSFER, ["dropped.png", "image/png", list(png(300, 500))])

    # when Alice drags a file over the conversation
    alice.dispatch_event("#conversation", "dragenter", {"dataTransfer": data})

    # then the conversation shows where it will land
    expect(alice.locator("#conversation")).to_have_class("conversation conversation--drop")

    # when she drops it and sends with an empty compose box
    alice.dispatch_event("#conversation", "drop", {"dataTransfer": data})
    expect(alice.locator(".upload--done", has_text="dropped.png")).to_have_count(1)
    expect(alice.locator("#conversation")).to_have_class("conversation")
    send(alice)

    # then Bob gets a message of that one picture, its box 240 x 400
    thumbnail = bob.get_by_role("img", name="dropped.png")
    expect(thumbnail).to_have_attribute("width", "240")
    expect(thumbnail).to_have_attribute("height", "400")
    assert Attachment.objects.get().message.body == ""


def test_an_image_pasted_into_the_compose_box_is_attached(pair):
    # given
    alice, bob = pair
    textarea = alice.locator("textarea[name=body]")
    textarea.fill("Look at this")

    # when Alice pastes a screenshot
    textarea.evaluate(
        f"""(textarea, file) => {{
          const data = ({DATA_TRANSFER})(file);
          textarea.dispatchEvent(new ClipboardEvent("paste", {{
            clipboardData: data, bubbles: true, cancelable: true,
          }}));
        }}""",
        ["image.png", "image/png", list(png(120, 90, "orange"))],
    )

    # then it uploads, and her text is as she typed it
    expect(alice.locator(".upload--done", has_text="image.png")).to_have_count(1)
    expect(textarea).to_have_value("Look at this")

    # when she sends
    textarea.press("Enter")

    # then
    message = bob.locator("[data-message-id]", has_text="Look at this")
    expect(message.get_by_role("img", name="image.png")).to_have_attribute("width", "120")
    expect(message.get_by_role("img", name="image.png")).to_have_attribute("height", "90")


def test_an_upload_cancelled_in_flight_is_not_sent(pair):
    # given: Alice's upload is slow to go
    alice, bob = pair
    uploads = held(alice, UPLOADS)
    attach_with_button(alice, file_payload("slow.png", "image/png", png(200, 200)))
    upload = alice.locator(".upload", has_text="slow.png")
    expect(upload.locator("progress")).to_be_visible()

    # when she cancels it and sends her message
    upload.get_by_role("button", name="Cancel slow.png").click()
    expect(upload).to_have_count(0)
    expect(alice.get_by_role("button", name="Send")).to_be_enabled()
    send(alice, "Never mind the picture")

    # then the message goes without it
    message = bob.locator("[data-message-id]", has_text="Never mind the picture")
    expect(message).to_have_count(1)
    expect(message.locator(".attachment")).to_have_count(0)
    expect(alice.locator(".message--pending")).to_have_count(0)
    assert len(uploads) <= 1  # it never reached the server
    assert not Attachment.objects.filter(message__isnull=False).exists()


def test_a_refused_upload_shows_the_reason_next_to_the_file(pair):
    # given: the server refuses the file as too large
    alice, _ = pair
    detail = "A file has at most 25 MB."
    alice.route(
        UPLOADS,
        lambda route: route.fulfill(
            status=413, content_type="application/json", body=json.dumps({"detail": detail})
        ),
    )

    # when
    attach_with_button(alice, file_payload("huge.png", "image/png", png(64, 64)))

    # then: the reason is next to that file, and it can be taken away
    upload = alice.locator(".upload--failed", has_text="huge.png")
    expect(upload.get_by_role("alert")).to_have_text(detail)
    upload.get_by_role("button", name="Remove huge.png").click()
    expect(alice.locator(".upload")).to_have_count(0)


def test_the_lightbox_shows_the_full_image_and_gives_focus_back(pair):
    # given: Bob has received a picture
    alice, bob = pair
    attach_with_button(alice, file_payload("map.png", "image/png", png(900, 600, "navy")))
    expect(alice.locator(".upload--done")).to_have_count(1)
    send(alice, "The map")
    thumbnail = bob.get_by_role("img", name="map.png")
    link = bob.locator(".attachment__preview")
    dialog = bob.locator("#lightbox")

    # when he clicks the thumbnail
    thumbnail.click()

    # then the full image shows in a dialog
    expect(dialog).to_be_visible()
    full = dialog.get_by_role("img", name="map.png")
    expect(full).to_have_js_property("naturalWidth", 900)
    assert full.evaluate("image => new URL(image.src).pathname") == link.get_attribute("href")

    # when he presses Escape, then it closes and focus is back on the thumbnail
    bob.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(link).to_be_focused()

    # when he opens it from the keyboard and closes it with its button
    bob.keyboard.press("Enter")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_be_hidden()
    expect(link).to_be_focused()

    # when he opens it again and clicks the backdrop
    thumbnail.click()
    expect(dialog).to_be_visible()
    bob.mouse.click(5, 5)
    expect(dialog).to_be_hidden()


def test_a_pdf_shows_as_a_card_with_its_name_and_size(pair):
    # given
    alice, bob = pair
    size = 1_258_291  # 1.2 MB

    # when Alice sends a PDF
    attach_with_button(alice, file_payload("minutes.pdf", "application/pdf", pdf(size)))
    expect(alice.locator(".upload--done", has_text="minutes.pdf")).to_have_count(1)
    send(alice, "Minutes of Monday")

    # then Bob sees a download card, and no image
    message = bob.locator("[data-message-id]", has_text="Minutes of Monday")
    card = message.get_by_role("link", name="minutes.pdf")
    expect(card).to_have_attribute("download", "minutes.pdf")
    url = f"/api/v1/attachments/{Attachment.objects.get().id}/file/"
    expect(card).to_have_attribute("href", url)
    expect(card.locator(".attachment__size")).to_have_text("1.2\u00a0MB")
    expect(card.locator(".attachment__type")).to_have_text("application/pdf")
    expect(message.get_by_role("img")).to_have_count(0)


def test_attachments_that_arrived_live_have_the_markup_of_those_loaded_with_the_page(
    site, pair, people, group
):
    # given: a message with a tall picture, a small one and a text file arrives live
    alice, bob = pair
    attach_with_button(
        alice,
        file_payload("tall.png", "image/png", png(333, 1001)),
        file_payload("icon.png", "image/png", png(40, 30)),
        file_payload("notes.txt", "text/plain", b"Agenda\n" * 200),
    )
    expect(alice.locator(".upload--done")).to_have_count(3)
    send(alice, "Three files")
    message = bob.locator("[data-message-id]", has_text="Three files")
    expect(message.locator(".attachment")).to_have_count(3)
    live = message.evaluate("item => item.outerHTML")

    # then: the same message loaded with the page is the same markup, to the character
    loaded = site.open(people[1], f"/groups/{group.id}/").locator(
        "[data-message-id]", has_text="Three files"
    )
    assert loaded.evaluate("item => item.outerHTML") == live
    assert 'width="133" height="400"' in live
    assert 'width="40" height="30"' in live
    assert "1.4&nbsp;KB" in live  # outerHTML writes the no-break space as an entity
