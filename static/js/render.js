// Message elements from the contract's `message` payloads. The markup is the server's: the page's
// <template id="message-template"> is templates/messaging/_message.html rendered blank, with
// every part a message may have; a message is a copy of it with the fields filled in and the
// parts it lacks left out, so a message that arrives live and one that came with the page are
// the same markup.
//
// Nothing a user typed is ever parsed as HTML here: names, bodies of pending messages and
// emoji go in with textContent. The one exception is `message.html`, the server's sanitized
// rendering (messaging/rendering.py), which is what the server itself puts in the page.

import { markMentions } from "./mentions.js";
import { cloneFrom, element, templateContent } from "./dom.js";
import { showTime } from "./time.js";

const TEMPLATE_ID = "message-template";
const DELETED_BODY = ".message__body--deleted";
const BODY = ".message__body:not(.message__body--deleted)";

let parts = null;

/** A fresh copy of a part of the message template. */
function part(selector) {
  parts ??= templateContent(TEMPLATE_ID);
  return cloneFrom(parts, selector);
}

export function shownName(user) {
  return user.display_name || user.username;
}

function reactionItem({ emoji, count, me }) {
  const item = part(".reactions > li");
  const button = item.querySelector(".reaction");
  button.classList.toggle("reaction--mine", Boolean(me));
  button.dataset.emoji = emoji;
  button.setAttribute("aria-pressed", String(Boolean(me)));
  const counter = button.querySelector(".reaction__count");
  counter.textContent = String(count);
  button.replaceChildren(`${emoji} `, counter);
  return item;
}

/** Python's round() of a positive number: halves go to the even neighbour. The server's
 *  templates round with it (widthratio, filesizeformat), so live markup matches theirs. */
function roundHalfEven(value) {
  const rounded = Math.round(value);
  return value % 1 === 0.5 && rounded % 2 === 1 ? rounded - 1 : rounded;
}

export const THUMBNAIL_BOX = 400; // CSS px, the longer side of an image's box at most

/** The box of an image's thumbnail: the image scaled to fit THUMBNAIL_BOX on both sides,
 *  keeping its aspect ratio (messaging/_attachment.html computes the same). */
export function boxSize(width, height) {
  if (width <= THUMBNAIL_BOX && height <= THUMBNAIL_BOX) return { width, height };
  const longer = Math.max(width, height);
  return {
    width: roundHalfEven((width / longer) * THUMBNAIL_BOX),
    height: roundHalfEven((height / longer) * THUMBNAIL_BOX),
  };
}

const UNITS = ["KB", "MB", "GB", "TB", "PB"];

/** A size as Django's filesizeformat writes it: "1 byte", "512 bytes", "1.2 MB". */
export function humanSize(bytes) {
  if (bytes < 1024) return `${bytes}\u00a0${bytes === 1 ? "byte" : "bytes"}`;
  let unit = 0;
  while (unit < UNITS.length - 1 && bytes >= 1024 ** (unit + 2)) unit += 1;
  const tenths = roundHalfEven((bytes * 10) / 1024 ** (unit + 1));
  return `${Math.floor(tenths / 10)}.${tenths % 10}\u00a0${UNITS[unit]}`;
}

function imageItem(attachment) {
  const item = part(".attachments > .attachment--image");
  const link = item.querySelector(".attachment__preview");
  link.href = attachment.url;
  const image = item.querySelector(".attachment__thumbnail");
  if (attachment.width && attachment.height) {
    const box = boxSize(attachment.width, attachment.height);
    image.width = box.width;
    image.height = box.height;
  } else {
    image.removeAttribute("width");
    image.removeAttribute("height");
  }
  image.alt = attachment.name;
  image.src = attachment.thumbnail_url;
  return item;
}

function fileItem(attachment) {
  const item = part(".attachments > .attachment--file");
  const link = item.querySelector(".attachment__card");
  link.href = attachment.url;
  link.download = attachment.name;
  item.querySelector(".attachment__name").textContent = attachment.name;
  item.querySelector(".attachment__size").textContent = humanSize(attachment.size);
  item.querySelector(".attachment__type").textContent = attachment.content_type;
  return item;
}

function attachmentItem(attachment) {
  return attachment.thumbnail_url ? imageItem(attachment) : fileItem(attachment);
}

function bodyElement(message) {
  if (message.deleted) return part(DELETED_BODY);
  const body = part(BODY);
  body.innerHTML = message.html; // sanitized by the server; see the note at the top
  markMentions(body);
  return body;
}

/** A new element for a stored message. */
export function messageElement(message, { userId }) {
  const item = part("li.message");
  item.id = `message-${message.id}`;
  item.dataset.messageId = String(message.id);
  item.dataset.seq = String(message.seq);
  item.dataset.senderId = String(message.sender.id);
  item.classList.toggle("message--mine", message.sender.id === userId);
  item.querySelector(".message__sender").textContent = shownName(message.sender);
  showTime(item.querySelector(".message__time"), message.created_at);
  // The blank has both bodies side by side: one stays as the place fillMessage fills.
  item.querySelector(`:scope > ${DELETED_BODY}`).remove();
  item.querySelector(".message__edited").remove();
  fillMessage(item, message);
  return item;
}

/** Bring an element up to date with the payload: body, edited mark, reactions, tombstone. */
export function fillMessage(item, message) {
  item.classList.toggle("message--deleted", message.deleted);
  const edited = Boolean(message.edited_at) && !message.deleted;
  const mark = item.querySelector(".message__edited");
  if (edited && !mark) item.querySelector(".message__time").after(part(".message__edited"));
  if (!edited) mark?.remove();
  const old = item.querySelector(":scope > .message__body");
  const body = bodyElement(message);
  body.hidden = old.hidden; // hidden while the editor is open
  old.replaceWith(body);
  const attachments = item.querySelector(".attachments");
  const shown = [...attachments.children].map((child) => child.dataset.attachmentId).join();
  const wanted = (message.attachments ?? []).map((attachment) => String(attachment.id)).join();
  // Rebuilt only when they changed (an edit leaves them), so no thumbnail loads again.
  if (shown !== wanted) {
    attachments.replaceChildren(...(message.attachments ?? []).map(withId));
  }
  item.querySelector(".reactions").replaceChildren(...message.reactions.map(reactionItem));
}

function withId(attachment) {
  const item = attachmentItem(attachment);
  item.dataset.attachmentId = String(attachment.id);
  return item;
}

/** The local echo of a message being sent: the text as typed, marked pending. It exists only
 *  in the page (the server never renders one), until the stored message replaces it. */
export function pendingElement({ clientId, body, senderName, attachments = [] }) {
  const item = element("li", "message message--mine message--pending");
  item.dataset.clientId = clientId;
  const meta = element("div", "message__meta");
  meta.append(element("span", "message__sender", senderName), " ");
  meta.append(element("span", "message__status", "Sending…"));
  item.append(meta, element("p", "message__body message__body--pending", body));
  if (attachments.length) {
    const files = element("ul", "attachments attachments--pending");
    files.setAttribute("aria-label", "Attachments");
    for (const attachment of attachments) files.append(element("li", "attachment__pending", attachment.name));
    item.append(files);
  }
  return item;
}
