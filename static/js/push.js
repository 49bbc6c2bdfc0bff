// The notification settings page's "Push to this browser" button: registers the service
// worker (/sw.js), subscribes with the site's VAPID key and hands the subscription to the site
// (POST /api/v1/push/subscriptions/). Asked on the click, never on load.

import { api } from "./api.js";

const button = document.getElementById("push-subscribe");
const state = document.getElementById("push-state");

function key(base64url) {
  const padded = base64url.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(base64url.length / 4) * 4, "=");
  return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
}

async function subscribe() {
  const registration = await navigator.serviceWorker.register("/sw.js");
  const { public_key: publicKey } = await api("GET", "push/key/");
  const subscription = await registration.pushManager.subscribe({
    userVisibleOnly: true,
    applicationServerKey: key(publicKey),
  });
  const { endpoint, keys } = subscription.toJSON();
  await api("POST", "push/subscriptions/", { endpoint, keys });
}

if (button && "serviceWorker" in navigator && "PushManager" in window) {
  button.hidden = false;
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      await subscribe();
      state.textContent = "This browser gets push notifications.";
    } catch (error) {
      state.textContent = `This browser could not subscribe: ${error.message}`;
      button.disabled = false;
    }
  });
}
