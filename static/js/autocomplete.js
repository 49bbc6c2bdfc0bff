// Mention autocomplete in the compose box: typing `@` and the start of a name lists the
// group's matching members (GET /api/v1/groups/{id}/members/?q=, one query), and `@all`.
// Keys while the list is open: Up and Down move, Enter or Tab takes the member, Escape closes
// it; a click takes one too. The textarea is a combobox for screen readers (ARIA 1.2).

import { api } from "./api.js";

const MENTION_BEFORE_CARET = /(?:^|[^\w.@+-])@([\w.+-]{0,30})$/u;
const ALL = { username: "all", display_name: "Everyone in this conversation" };
const DELAY_MS = 100;

export function attachMentions(textarea, groupId) {
  const menu = document.createElement("ul");
  menu.id = "mention-suggestions";
  menu.className = "mention-menu";
  menu.setAttribute("role", "listbox");
  menu.setAttribute("aria-label", "Members to mention");
  menu.hidden = true;
  textarea.closest(".composer__row").after(menu);
  textarea.setAttribute("role", "combobox");
  textarea.setAttribute("aria-autocomplete", "list");
  textarea.setAttribute("aria-controls", menu.id);
  textarea.setAttribute("aria-expanded", "false");

  let users = [];
  let active = -1;
  let query = null;
  let timer = null;

  function close() {
    users = [];
    active = -1;
    menu.hidden = true;
    menu.replaceChildren();
    textarea.setAttribute("aria-expanded", "false");
    textarea.removeAttribute("aria-activedescendant");
  }

  function highlight(index) {
    active = index;
    for (const [i, option] of [...menu.children].entries()) {
      option.setAttribute("aria-selected", String(i === index));
    }
    textarea.setAttribute("aria-activedescendant", `mention-option-${index}`);
  }

  function show(found) {
    users = found;
    if (users.length === 0) return close();
    menu.replaceChildren(
      ...users.map((user, i) => {
        const option = document.createElement("li");
        option.id = `mention-option-${i}`;
        option.setAttribute("role", "option");
        option.className = "mention-menu__option";
        const name = document.createElement("span");
        name.className = "mention-menu__name";
        name.textContent = `@${user.username}`;
        option.append(name, " ", user.display_name || "");
        option.addEventListener("mousedown", (event) => {
          event.preventDefault(); // the textarea keeps the focus
          take(i);
        });
        return option;
      }),
    );
    menu.hidden = false;
    textarea.setAttribute("aria-expanded", "true");
    highlight(0);
  }

  async function look(prefix) {
    let page;
    try {
      page = await api("GET", `groups/${groupId}/members/?q=${encodeURIComponent(prefix)}&limit=8`);
    } catch {
      return close();
    }
    if (prefix !== query) return; // typed on meanwhile
    const found = page.results.map((member) => member.user);
    if (ALL.username.startsWith(prefix.toLowerCase())) found.push(ALL);
    show(found);
  }

  function take(index) {
    const user = users[index];
    if (!user) return;
    const caret = textarea.selectionStart;
    const before = textarea.value.slice(0, caret).replace(/@[\w.+-]*$/u, `@${user.username} `);
    textarea.value = before + textarea.value.slice(caret);
    textarea.setSelectionRange(before.length, before.length);
    textarea.dispatchEvent(new Event("input"));
    close();
  }

  textarea.addEventListener("input", () => {
    const match = MENTION_BEFORE_CARET.exec(textarea.value.slice(0, textarea.selectionStart));
    if (!match) {
      query = null;
      return close();
    }
    query = match[1];
    clearTimeout(timer);
    timer = setTimeout(() => look(query), DELAY_MS);
  });

  // Before the composer's own Enter-sends handler: an open list takes the key.
  textarea.addEventListener(
    "keydown",
    (event) => {
      if (menu.hidden) return;
      const keys = {
        ArrowDown: () => highlight((active + 1) % users.length),
        ArrowUp: () => highlight((active - 1 + users.length) % users.length),
        Enter: () => take(active),
        Tab: () => take(active),
        Escape: close,
      };
      const act = keys[event.key];
      if (!act || event.isComposing || event.shiftKey) return;
      event.preventDefault();
      event.stopImmediatePropagation();
      act();
    },
    true,
  );
  textarea.addEventListener("blur", close);
}
