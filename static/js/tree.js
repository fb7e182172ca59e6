// Expand a node of the organization tree in place by fetching its children as HTML.
// Without JavaScript every node still links to its own page, which lists its children.
(function () {
  "use strict";

  async function load(list, url) {
    const response = await fetch(url, { headers: { "X-Requested-With": "fetch" }, credentials: "same-origin" });
    if (!response.ok) {
      throw new Error(String(response.status));
    }
    list.insertAdjacentHTML("beforeend", await response.text());
  }

  document.addEventListener("click", async function (event) {
    const toggle = event.target.closest(".tree-toggle");
    const more = event.target.closest(".tree-more");
    if (toggle) {
      const list = toggle.closest(".org-node").querySelector(":scope > .org-children");
      const open = toggle.getAttribute("aria-expanded") === "true";
      if (!open && !list.dataset.loaded) {
        toggle.disabled = true;
        try {
          await load(list, toggle.dataset.childrenUrl);
          list.dataset.loaded = "1";
        } finally {
          toggle.disabled = false;
        }
      }
      list.hidden = open;
      toggle.setAttribute("aria-expanded", String(!open));
      toggle.textContent = open ? "+" : "−";
    } else if (more) {
      event.preventDefault();
      const item = more.closest("li");
      const list = item.parentElement;
      item.remove();
      await load(list, more.getAttribute("href"));
    }
  });
})();
