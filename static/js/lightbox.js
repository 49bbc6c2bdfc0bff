// An image attachment's full picture in a modal <dialog> (the page's #lightbox): opened by a
// click on its thumbnail (a link to the image, which is what it stays without JavaScript),
// closed by Escape, the close button or a click outside the picture; focus then goes back to
// the thumbnail it came from.

export function setUpLightbox(root) {
  const dialog = document.getElementById("lightbox");
  if (!dialog) return;
  const image = dialog.querySelector(".lightbox__image");
  const name = dialog.querySelector(".lightbox__name");
  let opener = null;

  root.addEventListener("click", (event) => {
    const link = event.target.closest?.("a[data-lightbox]");
    if (!link || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) return;
    event.preventDefault();
    const thumbnail = link.querySelector("img");
    opener = link;
    image.removeAttribute("src"); // no stale picture while the new one loads
    image.src = link.href;
    image.alt = thumbnail?.alt ?? "";
    name.textContent = thumbnail?.alt ?? "";
    name.href = link.href;
    name.download = thumbnail?.alt ?? "";
    dialog.setAttribute("aria-label", thumbnail?.alt || "Image");
    dialog.showModal();
    dialog.querySelector(".lightbox__close").focus();
  });

  dialog.querySelector(".lightbox__close").addEventListener("click", () => dialog.close());
  // A click on the backdrop lands on the dialog itself; the picture and caption are inside it.
  dialog.addEventListener("click", (event) => {
    if (event.target === dialog) dialog.close();
  });
  dialog.addEventListener("close", () => {
    image.removeAttribute("src");
    opener?.focus();
    opener = null;
  });
}
