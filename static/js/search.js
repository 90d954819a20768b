// Search page: Pagefind's own UI, results as you type; the masthead form's ?q= runs at once.
window.addEventListener("DOMContentLoaded", () => {
  const element = document.getElementById("search");
  if (!element || typeof PagefindUI === "undefined") return;
  const ui = new PagefindUI({
    element: "#search",
    baseUrl: element.dataset.base,
    bundlePath: element.dataset.bundle,
    showSubResults: false,
    showImages: false,
    resetStyles: false,
  });
  const query = new URLSearchParams(window.location.search).get("q");
  if (query) ui.triggerSearch(query);
});
