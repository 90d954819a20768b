// Search page: results over Pagefind's JavaScript API, one index per month (shards.json lists
// them, newest first) merged in the browser. Everything that comes from an article (titles,
// excerpts, topics, dates) is written into the page as text, never as HTML.
(() => {
  "use strict";
  const root = document.getElementById("search");
  const input = document.getElementById("site-search");  // the masthead's box is the page's box
  if (!root || !input) return;
  const base = root.dataset.base;
  const bundle = root.dataset.bundle;
  const status = root.querySelector(".search__status");
  const filter = root.querySelector(".search__filter");
  const filterList = filter.querySelector("ul");
  const list = root.querySelector(".search__results");
  const more = root.querySelector(".search__more");
  const PAGE = 10;
  const chosen = new Set();
  let engine = null;
  let results = [];
  let shown = 0;
  let run = 0;

  const element = (name, className, text) => {
    const node = document.createElement(name);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = String(text);
    return node;
  };

  // Pagefind's excerpts are text with <mark> around the words found. They are read in an inert
  // document (nothing in it loads or runs) and copied over as text and <mark> elements only.
  const excerpt = (html) => {
    const paragraph = element("p", "search__excerpt");
    const parsed = new DOMParser().parseFromString(`<body>${html}</body>`, "text/html").body;
    for (const node of parsed.childNodes) {
      if (node.nodeName === "MARK") paragraph.append(element("mark", "", node.textContent));
      else paragraph.append(document.createTextNode(node.textContent || ""));
    }
    return paragraph;
  };

  // Only links into this site: a result's URL is a path under the site's base.
  const safeUrl = (url) => (typeof url === "string" && url.startsWith(base) && !url.startsWith("//") ? url : null);

  const load = async () => {
    if (engine) return engine;
    const listing = await (await fetch(`${bundle}shards.json`)).json();
    const names = listing.shards.map((s) => s.name).filter((n) => /^\d{4}-\d{2}$/.test(n));
    if (!names.length) throw new Error("the search index is empty");
    const pagefind = await import(`${bundle}${names[0]}/pagefind.js`);
    await pagefind.options({ baseUrl: base, excerptLength: 24 });
    await Promise.all(names.slice(1).map((name) => pagefind.mergeIndex(`${bundle}${name}/`, { baseUrl: base })));
    await pagefind.filters();  // loads the filter indexes, so that searches count topics
    engine = pagefind;
    return engine;
  };

  const showFilters = (counts) => {
    filterList.replaceChildren();
    const tags = Object.entries(counts || {}).filter(([name, n]) => n > 0 || chosen.has(name));
    tags.sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    for (const [name, n] of tags) {
      const item = element("li");
      const label = element("label");
      const box = element("input");
      box.type = "checkbox";
      box.checked = chosen.has(name);
      box.addEventListener("change", () => {
        if (box.checked) chosen.add(name);
        else chosen.delete(name);
        search();
      });
      label.append(box, document.createTextNode(` ${name} `), element("span", "search__count", `(${n})`));
      item.append(label);
      filterList.append(item);
    }
    filter.hidden = tags.length === 0;
  };

  const showMore = async () => {
    const mine = run;
    const slice = results.slice(shown, shown + PAGE);
    shown += slice.length;
    more.hidden = true;
    const data = await Promise.all(slice.map((r) => r.data()));
    if (mine !== run) return;
    for (const item of data) {
      const url = safeUrl(item.url);
      if (!url) continue;
      const entry = element("li", "search__result");
      const heading = element("h2", "search__title");
      const link = element("a", "", item.meta?.title || url);
      link.href = url;
      heading.append(link);
      entry.append(heading);
      const facts = [item.meta?.date, ...(item.filters?.tag || [])].filter(Boolean);
      if (facts.length) entry.append(element("p", "search__meta", facts.join(" · ")));
      entry.append(excerpt(item.excerpt || ""));
      list.append(entry);
    }
    more.hidden = shown >= results.length;
  };

  const normal = (text) => String(text || "").toLowerCase().replace(/[…"“”'‘’]/g, "").replace(/\s+/g, " ").trim();

  // The archive's one-index-per-month shards, searched as one index would be:
  // - Pagefind drops a word its index does not know, so a month without "Truss" would answer
  //   "Truss NATO" with every NATO story; so each word is also searched alone, and only pages
  //   holding every word the archive knows are kept.
  // - Scores are per shard, so an article whose headline is the query could rank anywhere; so
  //   the query is also searched as a phrase, and those pages come first, the headline's own
  //   article before the rest.
  const find = async (query) => {
    const pagefind = await load();
    const filters = chosen.size ? { tag: { any: [...chosen] } } : {};
    const words = query.split(/[^\p{L}\p{N}]+/u).filter(Boolean);  // as Pagefind splits words
    const phrase = `"${query.replace(/"/g, "")}"`;
    const [found, quoted, ...alone] = await Promise.all([
      pagefind.search(query, { filters }),
      words.length > 1 ? pagefind.search(phrase, { filters }) : null,
      ...(words.length > 1 ? words.map((word) => pagefind.search(word, { filters })) : []),
    ]);
    const known = alone.filter((r) => r && r.results.length).map((r) => new Set(r.results.map((x) => x.id)));
    const kept = found.results.filter((r) => known.every((ids) => ids.has(r.id)));
    const first = [];
    if (quoted && quoted.results.length) {
      const hits = quoted.results.slice(0, PAGE).filter((r) => kept.some((k) => k.id === r.id));
      const data = await Promise.all(hits.map((r) => r.data()));
      hits.forEach((r, i) => first.push([normal(data[i].meta?.title) === normal(query) ? 0 : 1, i, r]));
      first.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    }
    const ahead = new Set(first.map(([, , r]) => r.id));
    const ordered = [...first.map(([, , r]) => r), ...kept.filter((r) => !ahead.has(r.id))];
    let tags = found.filters?.tag;
    if (kept.length < found.results.length && kept.length <= 200) {
      tags = Object.fromEntries(Object.keys(tags || {}).map((name) => [name, 0]));
      for (const data of await Promise.all(kept.map((r) => r.data()))) {
        for (const name of data.filters?.tag || []) tags[name] = (tags[name] || 0) + 1;
      }
    }
    return { results: ordered, tags };
  };

  const search = async () => {
    const mine = ++run;
    const query = input.value.trim();
    const url = new URL(window.location.href);
    if (query) url.searchParams.set("q", query);
    else url.searchParams.delete("q");
    window.history.replaceState(null, "", url);
    if (!query) {
      results = [];
      list.replaceChildren();
      filter.hidden = true;
      more.hidden = true;
      status.textContent = "";
      return;
    }
    let found;
    try {
      found = await find(query);
    } catch (error) {
      status.textContent = `Search is not working right now (${error.message}).`;
      return;
    }
    if (mine !== run || !found) return;
    results = found.results;
    shown = 0;
    list.replaceChildren();
    const n = results.length;
    status.textContent = n ? `${n} ${n === 1 ? "article" : "articles"} found for “${query}”` : `No article found for “${query}”`;
    showFilters(found.tags);
    await showMore();
  };

  let timer = 0;
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(search, 150);
  });
  input.form?.addEventListener("submit", (event) => {
    event.preventDefault();
    search();
  });
  more.addEventListener("click", showMore);
  const query = new URLSearchParams(window.location.search).get("q");
  if (query) {
    input.value = query;
    search();
  } else {
    input.focus();
  }
})();
