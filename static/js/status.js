// Shows the socket's connection state in an element (role="status").

const LABELS = {
  connecting: "Connecting…",
  resuming: "Catching up…",
  open: "Live",
  reconnecting: "Reconnecting…",
  offline: "Offline",
  "signed-out": "Signed out: reload the page",
};

export function showConnection(socket, element) {
  if (!element) return;
  const show = ({ state, retryIn }) => {
    element.dataset.state = state;
    element.textContent =
      state === "waiting"
        ? `Disconnected, retrying in ${Math.max(1, Math.round(retryIn / 1000))} s`
        : LABELS[state];
  };
  show({ state: socket.state });
  socket.addEventListener("state", (event) => show(event.detail));
  element.hidden = false;
}
