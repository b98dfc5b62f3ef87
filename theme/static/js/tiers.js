// In-page unlocking of the gated parts (see plugins/tiers/seal.py for the scheme).
// A passphrase comes from the form, from a link's fragment (#cle=…) or from this
// device's memory; PBKDF2 turns it into a key that unwraps the content keys of its
// tier and the tiers below, and AES-GCM opens the sealed parts. A reserved image is
// a sealed file of its own (data-sealed-src on <img>, data-sealed-href on <a>):
// fetched, opened with its tier's content key and shown from a blob: address.
const STORE = "nenufar-cle";
const envelope = JSON.parse(document.getElementById("tier-envelope").textContent);
const gates = () => [...document.querySelectorAll(".tier-gate")].filter((g) => g.querySelector(".tier-sealed"));
const bytes = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
const utf8 = new TextEncoder();

function say(gate, text, kind) {
  const message = gate.querySelector(".tier-message");
  message.textContent = text;
  message.dataset.kind = kind || "";
}

async function contentKeys(passphrase) {
  const secret = utf8.encode(passphrase.trim().normalize("NFC"));
  const base = await crypto.subtle.importKey("raw", secret, "PBKDF2", false, ["deriveKey"]);
  for (const opener of Object.values(envelope.openers)) {
    const kek = await crypto.subtle.deriveKey(
      { name: "PBKDF2", salt: bytes(opener.salt), iterations: envelope.iterations, hash: "SHA-256" },
      base, { name: "AES-GCM", length: 256 }, false, ["decrypt"]);
    try {
      const keys = {};
      for (const [tier, wrapped] of Object.entries(opener.wraps)) {
        const data = bytes(wrapped);
        const raw = await crypto.subtle.decrypt(
          { name: "AES-GCM", iv: data.slice(0, 12), additionalData: utf8.encode("cle:" + tier) },
          kek, data.slice(12));
        keys[tier] = await crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["decrypt"]);
      }
      return keys;
    } catch {
      // not this tier's passphrase: try the next one
    }
  }
  return null;
}

const images = new Map(); // sealed file address -> Promise of its blob: address

function openImage(url, type, tier, key) {
  if (!images.has(url)) {
    images.set(url, (async () => {
      const response = await fetch(url);
      if (!response.ok) throw new Error(`${url}: ${response.status}`);
      const data = new Uint8Array(await response.arrayBuffer());
      const plain = await crypto.subtle.decrypt(
        { name: "AES-GCM", iv: data.slice(0, 12), additionalData: utf8.encode("img:" + tier) },
        key, data.slice(12));
      return URL.createObjectURL(new Blob([plain], { type }));
    })());
  }
  return images.get(url);
}

// Not awaited: the text shows at once, each image when it has arrived.
function revealImages(part, keys) {
  for (const element of part.querySelectorAll("[data-sealed-src], [data-sealed-href]")) {
    const { sealedSrc, sealedHref, sealedType, sealedTier } = element.dataset;
    const key = keys[sealedTier];
    if (!key) continue;
    openImage(sealedSrc || sealedHref, sealedType, sealedTier, key).then((address) => {
      if (sealedSrc) element.src = address;
      else element.href = address;
    }, () => {
      images.delete(sealedSrc || sealedHref); // a later unlocking may try again
      element.dataset.sealedError = "";
    });
  }
}

async function open(keys) {
  let opened = 0;
  for (const gate of gates()) {
    const key = keys[gate.dataset.tier];
    if (!key) break;
    const sealed = gate.querySelector(".tier-sealed");
    const plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: bytes(sealed.dataset.nonce), additionalData: utf8.encode(gate.dataset.tier) },
      key, bytes(sealed.dataset.sealed));
    const part = document.createElement("div");
    part.className = "prose e-content tier-opened";
    part.dataset.tier = gate.dataset.tier;
    part.innerHTML = new TextDecoder().decode(plain); // the author's own HTML, sealed at build time
    gate.replaceWith(part);
    revealImages(part, keys);
    opened += 1;
  }
  const next = gates()[0];
  if (next) next.hidden = false; // the next tier's teaser, now that what precedes it is open
  if (opened) gatherNotes();
  return opened;
}

// Each part ends with its own notes; once parts are open, the notes of all of
// them go to one box after the last open part, in reading order (each list
// keeps its start, so the numbers run on), as the email editions show them.
function gatherNotes() {
  const parts = [...document.querySelectorAll(".tier-opened")];
  const last = parts[parts.length - 1];
  const article = last.closest("article") || document.body;
  let box = article.querySelector(".footnote.notes-gathered");
  const boxes = [...article.querySelectorAll("div.footnote:not(.notes-gathered)")]
    .filter((found) => found.parentElement.matches(".prose, .tier-opened") && !found.nextElementSibling);
  if (!box && boxes.length < 2) return;
  if (!box) {
    box = document.createElement("div");
    box.className = "footnote notes-gathered";
    box.append(document.createElement("hr"));
  }
  for (const found of boxes) {
    for (const list of found.querySelectorAll(":scope > ol")) box.append(list);
    found.remove();
  }
  last.append(box);
}

function forgetNote() {
  const last = [...document.querySelectorAll(".tier-opened")].pop();
  if (!last || !localStorage.getItem(STORE)) return;
  const note = document.createElement("p");
  note.className = "tier-note";
  note.append("Clé mémorisée sur cet appareil. ");
  const button = document.createElement("button");
  button.type = "button";
  button.textContent = "Oublier la clé";
  button.addEventListener("click", () => {
    localStorage.removeItem(STORE);
    note.textContent = "Clé oubliée sur cet appareil.";
  });
  note.append(button);
  last.append(note);
}

// Resolves to "wrong" (the key opens nothing), "other" (a real key, but not for
// the parts on this page) or "opened".
async function unlock(passphrase, gate, remember) {
  if (gate) say(gate, "Vérification de la clé…", "wait");
  const keys = await contentKeys(passphrase);
  if (!keys) {
    if (gate) say(gate, gate.dataset.wrongKey, "error"); // the words, in the site's voice, come from the page
    return "wrong";
  }
  if (remember) localStorage.setItem(STORE, passphrase);
  const opened = await open(keys);
  if (!opened && gate) say(gate, "Cette clé est valable, mais pour un autre palier que cette partie.", "error");
  forgetNote();
  return opened ? "opened" : "other";
}

async function fromLink() {
  const key = new URLSearchParams(location.hash.slice(1)).get("cle");
  if (!key) return false;
  history.replaceState(null, "", location.pathname + location.search); // keep the key out of sight
  const first = gates()[0];
  if ((await unlock(key, first, true)) !== "opened" && first) first.scrollIntoView();
  return true;
}

async function start() {
  if (!window.isSecureContext || !window.crypto || !crypto.subtle) {
    for (const gate of gates()) {
      const note = document.createElement("p");
      note.className = "tier-message";
      note.dataset.kind = "error";
      note.textContent = gate.dataset.insecure;
      gate.append(note);
    }
    return;
  }
  for (const gate of gates()) {
    const form = gate.querySelector(".tier-unlock");
    form.hidden = false;
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      await unlock(form.elements.cle.value, gate, form.elements.memoriser.checked);
    });
  }
  addEventListener("hashchange", fromLink); // a key link followed while on the page
  if (await fromLink()) return;
  const remembered = localStorage.getItem(STORE);
  if (remembered && (await unlock(remembered, null, false)) === "wrong") {
    localStorage.removeItem(STORE); // a key that no longer opens anything (renewed since)
  }
}

start();
