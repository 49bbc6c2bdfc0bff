// Times are rendered in UTC by the server; the browser shows them in the reader's time zone.

const FORMAT = { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" };

export function localTime(iso) {
  return new Date(iso).toLocaleString([], FORMAT);
}

export function localizeTimes(root) {
  for (const element of root.querySelectorAll("time[datetime]")) {
    element.textContent = localTime(element.dateTime);
    element.title = new Date(element.dateTime).toLocaleString();
  }
}
