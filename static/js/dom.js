// DOM helpers shared by the page scripts.
//
// Markup that the server also renders comes from the page's <template> elements, which Django
// fills from the same include as the server's own items: the scripts clone a part and set its
// fields (textContent and attributes), so what arrives live looks like what came with the page.

/** A new element; text goes in as textContent, never parsed as HTML. */
export function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** The content of <template id="...">, or an error naming the missing template. */
export function templateContent(id) {
  const template = document.getElementById(id);
  if (!(template instanceof HTMLTemplateElement)) throw new Error(`The page has no #${id}`);
  return template.content;
}

/** A fresh copy of the first element matching the selector in a template's content. */
export function cloneFrom(content, selector) {
  const part = content.querySelector(selector);
  if (!part) throw new Error(`The template has no ${selector}`);
  return part.cloneNode(true);
}
