// The home page: the list of conversations stays current over the tab's socket. A new message
// moves its conversation to the top with the message as preview and, from someone else, one
// more unread; joining or being added shows the new conversation, leaving removes it.

import { shownName } from "./render.js";
import { getSocket } from "./socket.js";
import { showConnection } from "./status.js";

const PREVIEW_MAX = 120;

const list = document.getElementById("conversations");
const userId = Number(list.dataset.userId);
const socket = getSocket();

function itemOf(groupId) {
  return list.querySelector(`[data-group-id="${groupId}"]`);
}

function preview(item, message) {
  const last = item.querySelector(".group-list__last");
  const sender = document.createElement("span");
  sender.className = "group-list__sender";
  sender.textContent = `${message.sender.id === userId ? "You" : shownName(message.sender)}:`;
  const text = document.createElement("span");
  text.className = "group-list__preview";
  if (message.deleted) {
    const em = document.createElement("em");
    em.textContent = "message deleted";
    text.append(em);
  } else {
    text.textContent =
      message.body.length > PREVIEW_MAX ? `${message.body.slice(0, PREVIEW_MAX - 1)}…` : message.body;
  }
  last.replaceChildren(sender, " ", text);
  item.dataset.lastId = String(message.id);
}

function setUnread(item, count) {
  const badge = item.querySelector(".badge");
  badge.dataset.unread = String(count);
  badge.querySelector(".badge__count").textContent = String(count);
  badge.classList.toggle("badge--hidden", count === 0);
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** The markup of templates/groups/_group_item.html, for a conversation that appears live. */
function groupItem(group) {
  const item = element("li", "group-list__item");
  item.dataset.groupId = String(group.id);
  item.dataset.lastId = String(group.last_message?.id ?? 0);
  const link = element("a", "group-list__link");
  link.href = `/groups/${group.id}/`;
  const head = element("span", "group-list__head");
  const name = element("span", "group-list__name");
  const icon = element("span", "group-list__icon", group.kind === "direct" ? "@" : "#");
  icon.setAttribute("aria-hidden", "true");
  name.append(icon, group.title ?? group.name);
  const badge = element("span", "badge badge--hidden");
  badge.append(element("span", "badge__count", "0"), element("span", "visually-hidden", " unread"));
  head.append(name, badge);
  const last = element("span", "group-list__last");
  last.append(element("span", "group-list__preview", "No messages yet"));
  const kind = group.kind === "direct" ? "Direct" : group.is_public ? "Public" : "Private";
  link.append(head, last, element("span", "group-list__meta", kind));
  item.append(link);
  if (group.last_message) preview(item, group.last_message);
  setUnread(item, group.unread_count);
  return item;
}

function showList() {
  list.hidden = false;
  document.getElementById("no-conversations")?.remove();
}

for (const item of list.querySelectorAll("[data-group-id]")) {
  socket.track(Number(item.dataset.groupId), Number(item.dataset.lastId));
}

socket.addEventListener("message.new", ({ detail: { message } }) => {
  const item = itemOf(message.group);
  if (!item) return;
  preview(item, message);
  if (message.sender.id !== userId && !message.deleted) {
    setUnread(item, Number(item.querySelector(".badge").dataset.unread) + 1);
  }
  list.prepend(item);
});

socket.addEventListener("message.updated", ({ detail: { message } }) => {
  const item = itemOf(message.group);
  if (item && item.dataset.lastId === String(message.id)) preview(item, message);
});

socket.addEventListener("group.added", ({ detail: { group } }) => {
  if (itemOf(group.id)) return;
  showList();
  list.prepend(groupItem(group));
  socket.track(group.id, group.last_message?.id ?? 0);
});

socket.addEventListener("group.removed", ({ detail }) => {
  itemOf(detail.group)?.remove();
});

showConnection(socket, document.getElementById("connection"));
