// Full-text search with Pagefind: the index is static files under /pagefind/.
const form = document.querySelector("[data-search]");
const input = form.querySelector("input[type=search]");
const status = document.querySelector("[data-search-status]");
const list = document.querySelector("[data-search-results]");
const base = form.dataset.pagefindBase;
let pagefind;

async function engine() {
  if (!pagefind) {
    pagefind = await import(`${base}pagefind.js`);
    await pagefind.options({ excerptLength: 24 });
  }
  return pagefind;
}

function item(data) {
  const li = document.createElement("li");
  li.className = "card";
  const h2 = document.createElement("h2");
  const a = document.createElement("a");
  a.href = data.url;
  a.textContent = data.meta.title || data.url;
  h2.append(a);
  const p = document.createElement("p");
  p.className = "summary";
  p.innerHTML = data.excerpt; // built from our own pages by Pagefind, <mark> only
  li.append(h2, p);
  return li;
}

async function run(query) {
  const term = query.trim();
  list.replaceChildren();
  if (!term) { status.textContent = ""; return; }
  status.textContent = "Recherche…";
  try {
    const search = await (await engine()).debouncedSearch(term, {}, 200);
    if (search === null) return; // superseded by a newer keystroke
    const results = await Promise.all(search.results.slice(0, 20).map((r) => r.data()));
    list.replaceChildren(...results.map(item));
    const n = search.results.length;
    status.textContent = n === 0
      ? `Aucun résultat pour «\u202f${term}\u202f».`
      : `${n} résultat${n > 1 ? "s" : ""} pour «\u202f${term}\u202f».`;
  } catch (error) {
    status.textContent = "La recherche est indisponible\u00a0: l’index n’a pas été construit (invoke build).";
  }
}

input.addEventListener("input", () => run(input.value));
form.addEventListener("submit", (event) => {
  event.preventDefault();
  history.replaceState(null, "", `?q=${encodeURIComponent(input.value)}`);
  run(input.value);
});
const initial = new URLSearchParams(location.search).get("q");
if (initial) { input.value = initial; run(initial); }
