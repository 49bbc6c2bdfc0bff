// The bell: the signed-in user's unread notifications, in the header's Notifications link, in
// the tab's title ("(3) Team · Chat") and as a red badge on the tab's icon. The count comes from the API when the page loads and
// when the tab is shown again; a page with a socket (home, a conversation) counts each
// `notification.new` as it comes and, while the tab is hidden, shows it as a desktop
// notification, if the user allowed them. The permission is asked for on a click (the settings
// page's button), never on load.

import { api } from "./api.js";
import "./mentions.js";

const link = document.getElementById("bell");
const count = document.getElementById("bell-count");
const title = document.title;
const favicon = document.getElementById("favicon");
const plainIcon = favicon?.href;
let iconText = null; // the icon's SVG, read once
let shownCount = 0; // the count the icon should show, when a read of it finishes late

/** The site's icon with the count on a red badge (an SVG data URL; "9+" above nine). */
async function badgedIcon(unread) {
  iconText ??= fetch(plainIcon).then((response) => response.text());
  const icon = await iconText;
  const text = unread > 9 ? "9+" : String(unread);
  const badge =
    '<circle cx="23" cy="10" r="9" fill="#d1242f" stroke="#fff" stroke-width="1.5"/>' +
    `<text x="23" y="14" font-family="system-ui,sans-serif" font-size="${text.length > 1 ? 10 : 12}" ` +
    `font-weight="700" text-anchor="middle" fill="#fff">${text}</text>`;
  return "data:image/svg+xml," + encodeURIComponent(icon.replace("</svg>", `${badge}</svg>`));
}

async function showOnIcon(unread) {
  if (!favicon || !plainIcon) return;
  shownCount = unread;
  try {
    const href = unread > 0 ? await badgedIcon(unread) : plainIcon;
    if (shownCount === unread) favicon.href = href;
  } catch {
    // the icon could not be read: it stays as it was
  }
}

function show(unread) {
  if (!link) return;
  count.textContent = String(unread);
  count.hidden = unread === 0;
  count.setAttribute("aria-label", `${unread} unread`);
  link.dataset.unread = String(unread);
  document.title = unread > 0 ? `(${unread}) ${title}` : title;
  showOnIcon(unread);
}

async function refresh() {
  try {
    const page = await api("GET", "notifications/?limit=1");
    show(page.unread);
  } catch {
    // offline or signed out: the count stays as it was
  }
}

function summary(notification) {
  const sender = notification.message.sender;
  const who = sender.display_name || sender.username;
  const what = notification.kind === "direct" ? "sent you a message" : "mentioned you";
  return { title: `${who} ${what}`, body: notification.message.body.slice(0, 200) };
}

// An `@all` is notified by a worker process; where no channel layer crosses processes (the
// embedded default's in-memory one) its `notification.new` cannot reach this page, so a
// message saying `@all` also has the count read again from the database, once the worker
// has had time. With Redis that read only confirms what the frame already counted.
const ALL_SETTLED_MS = 3000;
let recount = null;

function recountSoon() {
  clearTimeout(recount);
  recount = setTimeout(refresh, ALL_SETTLED_MS);
}

/** Count the socket's notifications, and show them on the desktop while the tab is hidden. */
export function listen(socket) {
  socket.addEventListener("message.new", ({ detail: { message } }) => {
    if (message.mentions_all && String(message.sender.id) !== document.body.dataset.userId) {
      recountSoon();
    }
  });
  socket.addEventListener("notification.new", ({ detail: { notification } }) => {
    show(Number(link?.dataset.unread ?? 0) + 1);
    if (document.hidden && "Notification" in window && Notification.permission === "granted") {
      const { title: heading, body } = summary(notification);
      const desktop = new Notification(heading, { body, tag: `notification-${notification.id}` });
      desktop.addEventListener("click", () => {
        window.focus();
        location.href = `/groups/${notification.group}/#message-${notification.message.id}`;
      });
    }
  });
}

const ask = document.getElementById("desktop-notifications");
if (ask && "Notification" in window) {
  const state = document.getElementById("desktop-notifications-state");
  const say = () => {
    state.textContent = {
      granted: "Desktop notifications are on for this browser.",
      denied: "This browser blocks desktop notifications for the site.",
      default: "Desktop notifications are off for this browser.",
    }[Notification.permission];
    ask.hidden = Notification.permission !== "default";
  };
  ask.addEventListener("click", async () => {
    await Notification.requestPermission();
    say();
  });
  say();
}

if (link) {
  refresh();
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden) refresh();
  });
}
