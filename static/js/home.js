// The home page: the list of conversations stays current over the tab's socket. A new message
// moves its conversation to the top with the message as preview and, from someone else, one
// more unread; joining or being added shows the new conversation, leaving removes it.
//
// The markup is the server's: <template id="group-item-template"> is
// templates/groups/_group_item.html rendered blank; a conversation that appears live is a copy
// of it with the fields filled in, and a new last message takes its parts from it.

import { listen as countNotifications } from "./bell.js";
import { cloneFrom, templateContent } from "./dom.js";
import { shownName } from "./render.js";
import { getSocket } from "./socket.js";
import { showConnection } from "./status.js";

const PREVIEW_MAX = 120; // as the template's truncatechars

const list = document.getElementById("conversations");
const userId = Number(list.dataset.userId);
const socket = getSocket();
countNotifications(socket);
const parts = templateContent("group-item-template");

function itemOf(groupId) {
  return list.querySelector(`[data-group-id="${groupId}"]`);
}

function preview(item, message) {
  const sender = cloneFrom(parts, ".group-list__sender");
  sender.textContent = `${message.sender.id === userId ? "You" : shownName(message.sender)}:`;
  const text = cloneFrom(parts, ".group-list__sender + .group-list__preview"); // <em>message deleted</em>
  if (!message.deleted) {
    text.textContent =
      message.body.length > PREVIEW_MAX ? `${message.body.slice(0, PREVIEW_MAX - 1)}…` : message.body;
  }
  item.querySelector(".group-list__last").replaceChildren(sender, " ", text);
  item.dataset.lastId = String(message.id);
}

function setUnread(item, count) {
  const badge = item.querySelector(".badge--unread");
  badge.dataset.unread = String(count);
  badge.querySelector(".badge__count").textContent = String(count);
  badge.classList.toggle("badge--hidden", count === 0);
}

/** Unread messages that mention the viewer (shown apart from the unread count; in a direct
 * conversation every message is for the viewer, so the unread count says it all). */
function setMentions(item, count, direct) {
  const badge = item.querySelector(".badge--mention");
  badge.dataset.mentions = String(count);
  badge.querySelector(".badge__count").textContent = String(count);
  badge.classList.toggle("badge--hidden", count === 0 || direct);
}

function mentionsMe(message) {
  return message.mentions_all || (message.mentions ?? []).includes(userId);
}

/** The words of the template's meta line: kind, the viewer's role, the member count. */
function metaText(group) {
  const words = [group.kind === "direct" ? "Direct" : group.is_public ? "Public" : "Private"];
  if (group.role && group.role !== "member") {
    words.push(group.role.charAt(0).toUpperCase() + group.role.slice(1));
  }
  if (group.kind !== "direct") {
    words.push(`${group.member_count} member${group.member_count === 1 ? "" : "s"}`);
  }
  return words.join(" · ");
}

/** A conversation that appears live, as the server renders it in the list. */
function groupItem(group) {
  const item = cloneFrom(parts, ".group-list__item");
  item.dataset.groupId = String(group.id);
  item.dataset.kind = group.kind;
  item.dataset.lastId = String(group.last_message?.id ?? 0);
  item.querySelector(".group-list__link").href = `/groups/${group.id}/`;
  const icon = item.querySelector(".group-list__icon");
  icon.textContent = group.kind === "direct" ? "@" : "#";
  icon.after(group.title ?? group.name);
  const last = item.querySelector(".group-list__last");
  last.replaceChildren(last.querySelector(".group-list__preview:last-child")); // No messages yet
  item.querySelector(".group-list__meta").textContent = metaText(group);
  if (group.last_message) preview(item, group.last_message);
  setUnread(item, group.unread_count);
  setMentions(item, group.mention_count ?? 0, group.kind === "direct");
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
    setUnread(item, Number(item.querySelector(".badge--unread").dataset.unread) + 1);
    if (mentionsMe(message)) {
      const mentions = Number(item.querySelector(".badge--mention").dataset.mentions) + 1;
      setMentions(item, mentions, item.dataset.kind === "direct");
    }
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
