// The composer's files: each file picked, dropped or pasted uploads at once (POST /api/v1/uploads/,
// the page's session and CSRF token, like api.js) with its own progress bar and a × that cancels
// it in flight or takes it back once it is in. A failed upload stays in the list with the
// server's reason until it is taken away. A message holds at most MAX_FILES: one more is
// refused here, before any byte is sent.
//
// XMLHttpRequest rather than fetch: it reports upload progress and can be aborted.

import { csrfToken, errorText } from "./api.js";
import { element } from "./dom.js";
import { humanSize } from "./render.js";

export const MAX_FILES = 10;
const UPLOAD_URL = "/api/v1/uploads/";

export class Uploads {
  #list;
  #status;
  #onChange;
  #items = new Set();

  /** list: the <ul> of the composer's files; status: a live region; onChange: called whenever
   *  an upload starts, ends or goes, so the composer can tell whether it may send. */
  constructor({ list, status, onChange }) {
    this.#list = list;
    this.#status = status;
    this.#onChange = onChange;
  }

  /** Upload these files (a FileList or an array), as many as still fit in the message;
   *  returns how many did not fit. */
  add(files) {
    const all = [...files];
    const accepted = all.slice(0, Math.max(0, MAX_FILES - this.#counted()));
    for (const file of accepted) this.#start(file);
    return all.length - accepted.length;
  }

  /** Whether an upload is still under way. */
  get busy() {
    return [...this.#items].some((item) => item.state === "uploading");
  }

  /** The attachments that are in, in the order they were added. */
  get done() {
    return [...this.#items].filter((item) => item.state === "done").map((item) => item.attachment);
  }

  /** Empty the list (the message went): uploads in flight are cancelled. */
  clear() {
    for (const item of [...this.#items]) this.#remove(item, { quiet: true });
  }

  #counted() {
    return [...this.#items].filter((item) => item.state !== "failed").length;
  }

  #start(file) {
    const item = { file, state: "uploading", attachment: null, xhr: new XMLHttpRequest() };
    item.row = this.#row(item);
    this.#items.add(item);
    this.#list.append(item.row);
    this.#list.hidden = false;
    this.#send(item);
    this.#onChange();
  }

  #row(item) {
    const row = element("li", "upload upload--uploading");
    const name = element("span", "upload__name", item.file.name || "pasted file");
    const size = element("span", "upload__size", humanSize(item.file.size));
    const progress = element("progress", "upload__progress");
    progress.max = 100;
    progress.value = 0;
    progress.setAttribute("aria-label", `Uploading ${name.textContent}`);
    const message = element("span", "upload__message");
    const cancel = element("button", "upload__cancel", "×");
    cancel.type = "button";
    cancel.setAttribute("aria-label", `Cancel ${name.textContent}`);
    cancel.addEventListener("click", () => this.#remove(item));
    row.append(name, size, progress, message, cancel);
    return row;
  }

  #send(item) {
    const { xhr, row } = item;
    const progress = row.querySelector(".upload__progress");
    xhr.open("POST", UPLOAD_URL);
    xhr.responseType = "json";
    xhr.setRequestHeader("Accept", "application/json");
    xhr.setRequestHeader("X-CSRFToken", csrfToken());
    xhr.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) progress.value = Math.round((event.loaded / event.total) * 100);
    });
    xhr.addEventListener("load", () => {
      if (xhr.status === 201 && xhr.response?.id) this.#finished(item, xhr.response);
      else this.#failed(item, uploadError(xhr.response, xhr.status));
    });
    xhr.addEventListener("error", () => this.#failed(item, "The upload failed: check the connection."));
    const form = new FormData();
    form.append("file", item.file, item.file.name || "pasted file");
    xhr.send(form);
  }

  #finished(item, attachment) {
    item.state = "done";
    item.attachment = attachment;
    const { row } = item;
    row.className = "upload upload--done";
    row.dataset.attachmentId = String(attachment.id);
    row.querySelector(".upload__name").textContent = attachment.name;
    row.querySelector(".upload__progress").value = 100;
    row.querySelector(".upload__cancel").setAttribute("aria-label", `Remove ${attachment.name}`);
    if (attachment.thumbnail_url) {
      const preview = element("img", "upload__preview");
      preview.src = attachment.thumbnail_url;
      preview.alt = "";
      row.prepend(preview);
    }
    this.#say(`${attachment.name} is ready to send.`);
    this.#onChange();
  }

  #failed(item, reason) {
    item.state = "failed";
    const { row } = item;
    row.className = "upload upload--failed";
    row.querySelector(".upload__progress").remove();
    const message = row.querySelector(".upload__message");
    message.textContent = reason;
    message.setAttribute("role", "alert");
    row.querySelector(".upload__cancel").setAttribute("aria-label", `Remove ${item.file.name}`);
    this.#onChange();
  }

  #remove(item, { quiet = false } = {}) {
    if (item.state === "uploading") item.xhr.abort();
    item.row.remove();
    this.#items.delete(item);
    this.#list.hidden = this.#items.size === 0;
    if (!quiet) {
      this.#say(`${item.file.name || "The file"} removed.`);
      this.#onChange();
    }
  }

  #say(text) {
    this.#status.textContent = text;
  }
}

function uploadError(body, status) {
  if (status === 413 && !(body && typeof body === "object")) return "The file is too large.";
  return errorText(body, status);
}
