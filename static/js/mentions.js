// Mentions of the reader stand out: a `.mention` span (the server renders them) for the
// signed-in user, or for @all, gets `mention--me`. Marks the page on load; render.js marks
// each message body it builds.

const me = document.body.dataset.userId ?? "";

/** Mark the reader's own mentions under `root`. */
export function markMentions(root) {
  if (!me) return;
  for (const span of root.querySelectorAll(".mention")) {
    const id = span.dataset.userId;
    span.classList.toggle("mention--me", id === me || id === "all");
  }
}

markMentions(document);
