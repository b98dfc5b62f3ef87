// Full-text search with Pagefind: the index is static files under /pagefind/.
const form = document.querySelector("[data-search]");
const input = form.querySelector("input[type=search]");
const status = document.querySelector("[data-search-status]");
const list = document.querySelector("[data-search-results]");
const base = form.dataset.pagefindBase;
let pagefind;

const OPTIONS = { excerptLength: 24 };

async function parts() {
  // A large site's index comes in parts (parts.json names them), merged here.
  const response = await fetch(`${base}parts.json`);
  return response.ok ? (await response.json()).parts : [];
}

async function load() {
  const [module, others] = await Promise.all([import(`${base}pagefind.js`), parts()]);
  // An instance of its own: one whose load failed is dropped whole, and the next starts
  // clean (the module's own would keep the part that failed among those it merged).
  const engine = module.createInstance(OPTIONS);
  await engine.options(OPTIONS);
  await Promise.all(others.map((part) => engine.mergeIndex(new URL(part, new URL(base, location.href)).pathname, OPTIONS)));
  return engine;
}

function engine() {
  if (!pagefind) pagefind = load().catch((error) => { pagefind = undefined; throw error; });
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
  p.innerHTML = tidy(data); // built from our own pages by Pagefind, <mark> only
  li.append(h2, p);
  return li;
}

const plain = (html) => html.replace(/<[^>]*>/g, "");
const LEADING = /^((?:<[^>]*>)*)[\s?!;:.,…»)\]–—-]+/; // what a window cut just after a word leaves
const SENTENCE_END = /[.!?…»)]$/;

// Pagefind cuts a fixed window of words: the excerpt may open on the title it
// repeats, or on the punctuation that ended the previous sentence, and stop mid-sentence.
function tidy(data) {
  let html = data.excerpt.trim();
  const title = (data.meta.title || "").trim();
  if (title && plain(html).startsWith(title)) {
    let cut = 0; // drop the title's characters, tags aside
    for (let seen = 0; seen < title.length && cut < html.length; cut += 1) {
      if (html[cut] === "<") cut = html.indexOf(">", cut);
      else seen += 1;
    }
    html = html.slice(cut);
  }
  html = html.replace(LEADING, "$1").trim();
  const text = plain(html);
  const content = (data.content || "").replace(/\s+/g, " ").trim();
  if (text && !content.startsWith(text.slice(0, 40))) html = "…\u00a0" + html;
  if (text && !SENTENCE_END.test(text) && !content.endsWith(text.slice(-40))) html += "\u00a0…";
  return html;
}

async function run(query, again = true) {
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
    if (again) {
      // The index was replaced while it loaded (invoke livereload, a deploy): load it anew, once.
      pagefind = undefined;
      return run(query, false);
    }
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
