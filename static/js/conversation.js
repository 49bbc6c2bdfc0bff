// The conversation page (/groups/<id>/), on top of the server-rendered history and composer
// form, which work without it: live messages over the tab's socket, sending with a local echo,
// older history while scrolling up, typing indicator, read marker, edits and reactions, files
// (uploads.js: picked, dropped or pasted) and the image lightbox.

import { api } from "./api.js";
import { MessageActions } from "./actions.js";
import { attachMentions } from "./autocomplete.js";
import { listen as countNotifications } from "./bell.js";
import { element } from "./dom.js";
import { fillMessage, messageElement, pendingElement, shownName } from "./render.js";
import { getSocket } from "./socket.js";
import { showConnection } from "./status.js";
import { localizeTimes } from "./time.js";
import { setUpLightbox } from "./lightbox.js";
import { MAX_FILES, Uploads } from "./uploads.js";

const TYPING_EVERY_MS = 3000; // at most one typing frame per this
const TYPING_SHOWN_MS = 5000; // a typing notice lasts this long without a new frame
const READ_DELAY_MS = 500; // the read marker is sent once reading pauses this long
const ANNOUNCE_MAX = 200;

const root = document.getElementById("conversation");
const groupId = Number(root.dataset.groupId);
const me = { id: Number(root.dataset.userId), name: root.dataset.userName };
const latest = root.dataset.latest === "true";
const list = document.getElementById("message-list");
const scroller = document.getElementById("scroller");
const composer = document.getElementById("composer");
const textarea = composer?.querySelector("textarea[name=body]");
const typingLine = document.getElementById("typing");
const announcer = document.getElementById("announcer");
const sendButton = composer?.querySelector(".composer__send");

const items = new Map(); // message id -> element: each message is in the page once
const pending = new Map(); // client_id -> local echo
const socket = getSocket();
countNotifications(socket);
const actions = new MessageActions({
  userId: me.id,
  moderator: root.dataset.moderator === "true",
  onUpdated: update,
  onError: notify,
});

// --- The history on the page --------------------------------------------------------------

function ids() {
  return [...items.keys()];
}

function atBottom() {
  // The scroller is flex-direction: column-reverse, so its bottom is scrollTop 0.
  return Math.abs(scroller.scrollTop) < 40;
}

function scrollToBottom() {
  scroller.scrollTop = 0;
}

function adopt(item) {
  items.set(Number(item.dataset.messageId), item);
  actions.decorate(item);
  readObserver.observe(item);
}

function append(message) {
  if (items.has(message.id)) {
    update(message);
    return;
  }
  if (!latest) return; // an older page: the "Latest" link leads to new messages
  document.getElementById("empty")?.remove();
  const echo = message.client_id && pending.get(message.client_id);
  const item = messageElement(message, { userId: me.id });
  if (echo) {
    pending.delete(message.client_id);
    echo.replaceWith(item);
  } else {
    const firstPending = list.querySelector(".message--pending");
    list.insertBefore(item, firstPending);
  }
  adopt(item);
}

function update(message) {
  const item = items.get(message.id);
  if (!item) return;
  fillMessage(item, message);
  actions.decorate(item);
}

function prepend(messages) {
  const first = list.firstElementChild;
  for (const message of messages) {
    if (items.has(message.id)) continue;
    const item = messageElement(message, { userId: me.id });
    list.insertBefore(item, first);
    adopt(item);
  }
}

// --- Older messages while scrolling up ------------------------------------------------------

let loadingOlder = false;

async function loadOlder() {
  const older = document.getElementById("older");
  if (!older || loadingOlder) return;
  loadingOlder = true;
  try {
    const before = Math.min(...ids());
    const page = await api("GET", `groups/${groupId}/messages/?before=${before}&limit=50`);
    prepend(page.results);
    if (!page.has_more) {
      olderObserver.disconnect();
      older.remove();
    }
  } catch (error) {
    notify(error.message);
  } finally {
    loadingOlder = false;
  }
}

const olderObserver = new IntersectionObserver(
  (entries) => entries.some((entry) => entry.isIntersecting) && loadOlder(),
  { root: scroller, rootMargin: "200px 0px 0px 0px" },
);

// --- Read marker ---------------------------------------------------------------------------

const visible = new Set();
let readSent = Number(root.dataset.lastReadId);
let readTimer = null;

const readObserver = new IntersectionObserver(
  (entries) => {
    for (const entry of entries) {
      const id = Number(entry.target.dataset.messageId);
      if (entry.isIntersecting) visible.add(id);
      else visible.delete(id);
    }
    scheduleRead();
  },
  { root: scroller, threshold: 0.6 },
);

function scheduleRead() {
  clearTimeout(readTimer);
  readTimer = setTimeout(markRead, READ_DELAY_MS);
}

function markRead() {
  if (document.visibilityState !== "visible" || visible.size === 0) return;
  const newest = Math.max(...visible);
  if (newest <= readSent) return;
  readSent = newest;
  socket.sendWhenConnected({ type: "read", group: groupId, message_id: newest });
}

document.addEventListener("visibilitychange", scheduleRead);

// --- Composer ------------------------------------------------------------------------------

function newClientId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  // Pages served over plain HTTP from another host are not a secure context.
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

function send(body, attachments = []) {
  const clientId = newClientId();
  const echo = pendingElement({ clientId, body, senderName: me.name, attachments });
  echo.sent = { body, attachments }; // for "Try again"
  pending.set(clientId, echo);
  document.getElementById("empty")?.remove();
  list.append(echo);
  scrollToBottom();
  socket.sendMessage({ group: groupId, body, clientId, attachments: attachments.map((a) => a.id) });
}

// --- Files ---------------------------------------------------------------------------------

let uploads = null;

/** While a file is still uploading the message waits: Send is disabled, Enter does nothing. */
function uploadsChanged() {
  const busy = uploads.busy;
  sendButton.disabled = busy;
  sendButton.title = busy ? "Waiting for the files to upload" : "";
}

function attach(files) {
  if (!files?.length) return;
  const left = uploads.add(files);
  if (left) notify(`A message holds at most ${MAX_FILES} files: ${left} left out.`);
}

function hasFiles(event) {
  return [...(event.dataTransfer?.types ?? [])].includes("Files");
}

function setUpFiles() {
  uploads = new Uploads({
    list: document.getElementById("uploads"),
    status: document.getElementById("uploads-status"),
    onChange: uploadsChanged,
  });
  const button = document.getElementById("composer-attach");
  const input = document.getElementById("composer-files");
  button.hidden = false;
  button.addEventListener("click", () => input.click());
  input.addEventListener("change", () => {
    attach(input.files);
    input.value = ""; // the same file may be picked again
  });
  // Dropped anywhere on the conversation; the highlight shows while files are over it.
  let depth = 0;
  const highlight = (on) => root.classList.toggle("conversation--drop", on);
  root.addEventListener("dragenter", (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    depth += 1;
    highlight(true);
  });
  root.addEventListener("dragover", (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "copy";
  });
  root.addEventListener("dragleave", () => {
    depth = Math.max(0, depth - 1);
    if (depth === 0) highlight(false);
  });
  root.addEventListener("drop", (event) => {
    depth = 0;
    highlight(false);
    if (!event.dataTransfer?.files.length) return;
    event.preventDefault();
    attach(event.dataTransfer.files);
    textarea.focus();
  });
  // A pasted image (a screenshot) is a file; pasted text stays text.
  textarea.addEventListener("paste", (event) => {
    const files = [...(event.clipboardData?.files ?? [])];
    if (!files.length) return;
    if (!event.clipboardData.types.includes("text/plain")) event.preventDefault();
    attach(files);
  });
}

let typingSentAt = 0;

function setUpComposer() {
  if (!composer) return;
  document.getElementById("composer-keys").hidden = false;
  attachMentions(textarea, groupId);
  textarea.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      composer.requestSubmit();
    }
  });
  // On an older page the form posts as without JavaScript, and the answer is the latest page.
  if (!latest) return;
  setUpFiles();
  composer.addEventListener("submit", (event) => {
    event.preventDefault();
    if (uploads.busy) return;
    const body = textarea.value.trim();
    const attachments = uploads.done;
    if (!body && !attachments.length) return;
    send(body, attachments);
    uploads.clear();
    uploadsChanged();
    textarea.value = "";
    typingSentAt = 0;
  });
  textarea.addEventListener("input", () => {
    const now = Date.now();
    if (textarea.value.trim() && now - typingSentAt > TYPING_EVERY_MS) {
      typingSentAt = now;
      socket.sendNow({ type: "typing", group: groupId });
    }
  });
}

// --- Live frames ---------------------------------------------------------------------------

const typists = new Map(); // user id -> {name, timer}

function showTyping() {
  const names = [...typists.values()].map((typist) => typist.name);
  typingLine.textContent =
    names.length === 0
      ? ""
      : names.length === 1
        ? `${names[0]} is typing…`
        : `${names.slice(0, -1).join(", ")} and ${names.at(-1)} are typing…`;
}

function typing(user) {
  clearTimeout(typists.get(user.id)?.timer);
  const timer = setTimeout(() => {
    typists.delete(user.id);
    showTyping();
  }, TYPING_SHOWN_MS);
  typists.set(user.id, { name: shownName(user), timer });
  showTyping();
}

function announce(message) {
  if (message.sender.id === me.id || message.deleted) return;
  let text = message.body.length > ANNOUNCE_MAX ? `${message.body.slice(0, ANNOUNCE_MAX)}…` : message.body;
  const files = message.attachments?.length ?? 0;
  if (files) text = `${text}${text ? " " : ""}(${files} file${files === 1 ? "" : "s"})`;
  announcer.textContent = `${shownName(message.sender)}: ${text}`;
}

function notify(text) {
  announcer.textContent = text;
  const alert = element("p", "alert alert--error conversation__alert", text);
  alert.setAttribute("role", "alert");
  document.querySelector(".conversation__alert")?.remove();
  root.querySelector(".conversation__header").after(alert);
  setTimeout(() => alert.remove(), 6000);
}

function failed(frame) {
  const echo = pending.get(frame.client_id);
  if (!echo) return;
  echo.classList.add("message--failed");
  const status = echo.querySelector(".message__status");
  status.textContent = `Not sent: ${frame.detail} `;
  const retry = element("button", "button button--small", "Try again");
  retry.type = "button";
  retry.addEventListener("click", () => {
    pending.delete(frame.client_id);
    echo.remove();
    send(echo.sent.body, echo.sent.attachments);
  });
  status.append(retry);
}

function listen() {
  socket.addEventListener("message.new", ({ detail }) => {
    if (detail.message.group !== groupId) return;
    const follow = atBottom();
    append(detail.message);
    typists.delete(detail.message.sender.id);
    showTyping();
    announce(detail.message);
    if (follow) scrollToBottom();
  });
  socket.addEventListener("message.ack", ({ detail }) => {
    if (detail.message.group === groupId) append(detail.message);
  });
  socket.addEventListener("message.updated", ({ detail }) => {
    if (detail.message.group === groupId) update(detail.message);
  });
  socket.addEventListener("typing", ({ detail }) => {
    if (detail.group === groupId && detail.user.id !== me.id) typing(detail.user);
  });
  socket.addEventListener("error", ({ detail }) => {
    if (detail.client_id != null) failed(detail);
  });
  socket.addEventListener("group.removed", ({ detail }) => {
    if (detail.group !== groupId) return;
    notify("You are no longer a member of this conversation.");
    composer?.querySelectorAll("textarea, button").forEach((control) => {
      control.disabled = true;
    });
  });
}

// --- Start ---------------------------------------------------------------------------------

function start() {
  localizeTimes(list);
  for (const item of list.querySelectorAll("[data-message-id]")) adopt(item);
  list.addEventListener("click", (event) => actions.handleClick(event));
  setUpLightbox(list);
  document.addEventListener("click", (event) => {
    if (!event.target.closest(".picker, .action-react")) document.querySelector(".picker")?.remove();
  });
  const older = document.getElementById("older");
  if (older) {
    older.querySelector("a").addEventListener("click", (event) => {
      event.preventDefault();
      loadOlder();
    });
    olderObserver.observe(older);
  }
  setUpComposer();
  listen();
  if (latest) socket.track(groupId, Math.max(0, ...ids()));
  showConnection(socket, document.getElementById("connection"));
  if (!location.hash) document.getElementById("unread-divider")?.scrollIntoView({ block: "center" });
}

start();
