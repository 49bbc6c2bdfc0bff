// Times are rendered in UTC by the server; the browser shows them in the reader's time zone.

const FORMAT = { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" };

export function localTime(iso) {
  return new Date(iso).toLocaleString([], FORMAT);
}

/** Show a <time> in the reader's zone: one way for the times that came with the page and for
 *  those of live messages (the server's `datetime` and the payloads' differ only in notation,
 *  "+00:00" or "Z", so the attribute gets the browser's ISO form). */
export function showTime(element, iso) {
  const date = new Date(iso);
  element.dateTime = date.toISOString();
  element.textContent = localTime(iso);
  element.title = date.toLocaleString();
}

export function localizeTimes(root) {
  for (const element of root.querySelectorAll("time[datetime]")) showTime(element, element.dateTime);
}
