// The page's REST calls (/api/v1/): the session cookie, and the CSRF token in a header.

export class ApiError extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
  }
}

export function csrfToken() {
  return document.querySelector('meta[name="csrf-token"]')?.content ?? "";
}

/** The first error text of a DRF error body: {"detail": ...} or {"field": [...]}. */
export function errorText(body, status) {
  if (body && typeof body === "object") {
    const first = body.detail ?? Object.values(body)[0];
    if (typeof first === "string") return first;
    if (Array.isArray(first) && typeof first[0] === "string") return first[0];
  }
  return `The server answered ${status}.`;
}

export async function api(method, path, body) {
  const response = await fetch(`/api/v1/${path}`, {
    method,
    credentials: "same-origin",
    headers: {
      Accept: "application/json",
      "Content-Type": "application/json",
      "X-CSRFToken": csrfToken(),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 204) return null;
  const data = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, errorText(data, response.status));
  return data;
}
