// Message elements from the contract's `message` payloads, the same markup as
// templates/messaging/_message.html.
//
// Nothing a user typed is ever parsed as HTML here: names, bodies of pending messages and
// emoji go in with textContent. The one exception is `message.html`, the server's sanitized
// rendering (messaging/rendering.py), which is what the server itself puts in the page.

import { localTime } from "./time.js";

export const DELETED_TEXT = "This message was deleted.";

export function shownName(user) {
  return user.display_name || user.username;
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function timeElement(iso) {
  const time = element("time", "message__time", localTime(iso));
  time.dateTime = iso;
  time.title = new Date(iso).toLocaleString();
  return time;
}

function bodyElement(message) {
  if (message.deleted) return element("p", "message__body message__body--deleted", DELETED_TEXT);
  const body = element("div", "message__body");
  body.innerHTML = message.html; // sanitized by the server; see the note at the top
  return body;
}

export function reactionButton({ emoji, count, me }) {
  const button = element("button", me ? "reaction reaction--mine" : "reaction");
  button.type = "button";
  button.dataset.emoji = emoji;
  button.setAttribute("aria-pressed", String(Boolean(me)));
  button.append(`${emoji} `, element("span", "reaction__count", String(count)));
  return button;
}

function reactionsElement(reactions) {
  const list = element("ul", "reactions");
  list.setAttribute("aria-label", "Reactions");
  for (const reaction of reactions) {
    const item = element("li");
    item.append(reactionButton(reaction));
    list.append(item);
  }
  return list;
}

/** A new element for a stored message. */
export function messageElement(message, { userId }) {
  const item = element("li", "message");
  item.id = `message-${message.id}`;
  item.dataset.messageId = String(message.id);
  item.dataset.seq = String(message.seq);
  item.dataset.senderId = String(message.sender.id);
  item.classList.toggle("message--mine", message.sender.id === userId);
  const meta = element("div", "message__meta");
  meta.append(element("span", "message__sender", shownName(message.sender)), " ");
  meta.append(timeElement(message.created_at));
  item.append(meta);
  fillMessage(item, message);
  return item;
}

/** Bring an element up to date with the payload: body, edited mark, reactions, tombstone. */
export function fillMessage(item, message) {
  item.classList.toggle("message--deleted", message.deleted);
  const meta = item.querySelector(".message__meta");
  meta.querySelector(".message__edited")?.remove();
  if (message.edited_at && !message.deleted) {
    meta.append(" ", element("span", "message__edited", "(edited)"));
  }
  item.querySelector(".message__body")?.replaceWith(bodyElement(message));
  if (!item.querySelector(".message__body")) meta.after(bodyElement(message));
  const reactions = reactionsElement(message.reactions);
  const old = item.querySelector(".reactions");
  if (old) old.replaceWith(reactions);
  else item.querySelector(".message__body").after(reactions);
}

/** The local echo of a message being sent: the text as typed, marked pending. */
export function pendingElement({ clientId, body, senderName }) {
  const item = element("li", "message message--mine message--pending");
  item.dataset.clientId = clientId;
  const meta = element("div", "message__meta");
  meta.append(element("span", "message__sender", senderName), " ");
  meta.append(element("span", "message__status", "Sending…"));
  item.append(meta, element("p", "message__body message__body--pending", body));
  return item;
}
