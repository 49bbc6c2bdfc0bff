// What a member can do to a message: react, edit their own, delete (their own, or any as an
// owner or admin). Each goes through the REST API; everyone's page, this one included, then
// updates from the `message.updated` frame (and at once from the REST answer when it has one).

import { api } from "./api.js";
import { element } from "./dom.js";

export const QUICK_EMOJI = ["👍", "❤️", "😂", "🎉", "😮", "😢"];

function button(text, className, label) {
  const node = element("button", `button button--small button--quiet ${className}`, text);
  node.type = "button";
  if (label) node.setAttribute("aria-label", label);
  return node;
}

export class MessageActions {
  constructor({ userId, moderator, onUpdated, onError }) {
    this.userId = userId;
    this.moderator = moderator;
    this.onUpdated = onUpdated;
    this.onError = onError;
  }

  /** Add the toolbar to a stored message (again after each update). */
  decorate(item) {
    item.querySelector(".message__actions")?.remove();
    for (const reaction of item.querySelectorAll(".reaction")) reaction.disabled = false;
    if (item.classList.contains("message--deleted")) return;
    const mine = Number(item.dataset.senderId) === this.userId;
    const bar = document.createElement("div");
    bar.className = "message__actions";
    bar.append(button("React", "action-react", "Add a reaction"));
    if (mine) bar.append(button("Edit", "action-edit", "Edit this message"));
    if (mine || this.moderator) bar.append(button("Delete", "action-delete", "Delete this message"));
    item.querySelector(".message__meta").append(bar);
  }

  /** One click handler for the whole list (event delegation). */
  handleClick(event) {
    const target = event.target.closest("button");
    const item = target?.closest("[data-message-id]");
    if (!item || target.disabled) return;
    const id = Number(item.dataset.messageId);
    if (target.classList.contains("reaction")) this.#toggleReaction(id, target);
    else if (target.classList.contains("action-react")) this.#openPicker(item, target);
    else if (target.classList.contains("picker__emoji")) this.#react(id, target.dataset.emoji);
    else if (target.classList.contains("action-edit")) this.#openEditor(item);
    else if (target.classList.contains("action-delete")) this.#confirmDelete(item, target);
  }

  async #call(method, path, body) {
    try {
      return await api(method, path, body);
    } catch (error) {
      this.onError(error.message);
      return undefined;
    }
  }

  #toggleReaction(id, reactionButton) {
    const emoji = reactionButton.dataset.emoji;
    if (reactionButton.getAttribute("aria-pressed") === "true") {
      this.#call("DELETE", `messages/${id}/reactions/${encodeURIComponent(emoji)}/`);
    } else {
      this.#react(id, emoji);
    }
  }

  #react(id, emoji) {
    document.querySelector(".picker")?.remove();
    this.#call("POST", `messages/${id}/reactions/`, { emoji });
  }

  #openPicker(item, opener) {
    const open = item.querySelector(".picker");
    document.querySelector(".picker")?.remove();
    if (open) return;
    const picker = document.createElement("div");
    picker.className = "picker";
    picker.setAttribute("role", "group");
    picker.setAttribute("aria-label", "Pick a reaction");
    for (const emoji of QUICK_EMOJI) {
      const choice = button(emoji, "picker__emoji", `React with ${emoji}`);
      choice.dataset.emoji = emoji;
      picker.append(choice);
    }
    picker.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        picker.remove();
        opener.focus();
      }
    });
    item.append(picker);
    picker.querySelector("button").focus();
  }

  async #openEditor(item) {
    if (item.querySelector(".editor")) return;
    const id = Number(item.dataset.messageId);
    const stored = await this.#call("GET", `messages/${id}/`); // the Markdown as typed
    if (!stored || item.querySelector(".editor")) return;
    // The body is replaced by every update, also while the editor is open: look it up each time.
    const body = () => item.querySelector(":scope > .message__body");
    const form = document.createElement("form");
    form.className = "editor";
    const label = document.createElement("label");
    label.className = "visually-hidden";
    label.htmlFor = `edit-${id}`;
    label.textContent = "Edit message";
    const textarea = document.createElement("textarea");
    textarea.id = `edit-${id}`;
    textarea.name = "body";
    textarea.rows = 3;
    textarea.value = stored.body;
    const save = button("Save", "editor__save");
    save.type = "submit";
    save.classList.remove("button--quiet");
    save.classList.add("button--primary");
    const cancel = button("Cancel", "editor__cancel");
    const close = () => {
      form.remove();
      body().hidden = false;
      item.querySelector(".action-edit")?.focus();
    };
    cancel.addEventListener("click", close);
    textarea.addEventListener("keydown", (event) => {
      if (event.key === "Escape") close();
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const message = await this.#call("PATCH", `messages/${id}/`, { body: textarea.value });
      if (message) {
        form.remove();
        body().hidden = false;
        this.onUpdated(message);
      }
    });
    form.append(label, textarea, save, cancel);
    body().hidden = true;
    body().after(form);
    textarea.focus();
  }

  #confirmDelete(item, deleteButton) {
    if (item.querySelector(".confirm")) return;
    const id = Number(item.dataset.messageId);
    const confirm = document.createElement("div");
    confirm.className = "confirm";
    confirm.setAttribute("role", "group");
    confirm.setAttribute("aria-label", "Delete this message?");
    const yes = button("Delete", "confirm__yes", "Yes, delete this message");
    yes.classList.remove("button--quiet");
    yes.classList.add("button--danger");
    const no = button("Keep", "confirm__no", "No, keep it");
    no.addEventListener("click", () => {
      confirm.remove();
      deleteButton.focus();
    });
    yes.addEventListener("click", async () => {
      if ((await this.#call("DELETE", `messages/${id}/`)) === undefined) return;
      confirm.remove();
      const tombstone = await this.#call("GET", `messages/${id}/`);
      if (tombstone) this.onUpdated(tombstone);
    });
    confirm.append("Delete this message? ", yes, no);
    item.append(confirm);
    no.focus();
  }
}
