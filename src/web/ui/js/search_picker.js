// @ts-check
// Type-to-search pickers for people, cards and groups, which may number a
// million: the server searches (user.list, credential.list, group.list) and
// the picker shows the first matches. Keyboard: type to search, ArrowDown /
// ArrowUp to move, Enter to choose, Escape to close (the ARIA combobox
// pattern with aria-activedescendant).

import { field, h, replace } from "./dom.js";

/** @typedef {import("./api.js").Api} Api */
/** One choice: its id and what is shown. @typedef {{ id: number, text: string }} Choice */
/** A server search: the first matches of what was typed. @typedef {(q: string) => Promise<Choice[]>} Search */

/** Milliseconds after the last keystroke before the search is sent. */
const SEARCH_DELAY_MS = 150;
/** Matches shown. */
const SHOWN = 20;
let pickerCounter = 0;

/** The paged call of each kind of choice, and how one of its items is shown. */
const KINDS = {
  users: {
    method: "user.list",
    choice: (/** @type {any} */ u, /** @type {any} */ _meta) => ({
      id: Number(u.id),
      text: personLabel(u.attributes),
    }),
  },
  groups: {
    method: "group.list",
    choice: (/** @type {any} */ g, /** @type {any} */ _meta) => ({
      id: Number(g.id),
      text: String(g.attributes.name),
    }),
  },
  credentials: {
    method: "credential.list",
    choice: (/** @type {any} */ c, /** @type {any} */ meta) => ({
      id: Number(c.id),
      text: credentialLabel(c, meta.owners),
    }),
  },
};

/** What a picker chooses. @typedef {keyof typeof KINDS} Kind */

/**
 * The searches of the pickers, over the paged calls.
 * @param {Api} api
 * @returns {Record<Kind, Search>}
 */
export function searches(api) {
  /** @param {Kind} kind @returns {Search} */
  const search = (kind) => async (q) => {
    const { method, choice } = KINDS[kind];
    const doc = await api.request(method, { q, limit: SHOWN });
    return doc.data.map((/** @type {any} */ item) => choice(item, doc.meta));
  };
  return { users: search("users"), groups: search("groups"), credentials: search("credentials") };
}

/** Most ids one paged call reads (the server's page limit). */
const IDS_PER_CALL = 200;

/**
 * The labels of `ids` (what a picker already holds), read by id through the
 * paged calls' `ids`, 200 a call: a site may hold a million people, a
 * schedule names a few. An id the caller may not see (or gone) is missing
 * from the map.
 * @param {Api} api
 * @param {Kind} kind
 * @param {Iterable<number>} ids
 * @returns {Promise<Map<number, string>>}
 */
export async function labelsOf(api, kind, ids) {
  const { method, choice } = KINDS[kind];
  const wanted = [...new Set(ids)];
  /** @type {number[][]} */
  const chunks = [];
  for (let i = 0; i < wanted.length; i += IDS_PER_CALL) {
    chunks.push(wanted.slice(i, i + IDS_PER_CALL));
  }
  const docs = await Promise.all(
    chunks.map((chunk) => api.request(method, { ids: chunk, limit: IDS_PER_CALL })),
  );
  return new Map(
    docs.flatMap((doc) =>
      doc.data.map((/** @type {any} */ item) => {
        const { id, text } = choice(item, doc.meta);
        return /** @type {[number, string]} */ ([id, text]);
      })
    ),
  );
}

/**
 * "username (First Last)".
 * @param {Record<string, any>} a a user's attributes
 * @returns {string}
 */
export function personLabel(a) {
  const name = [a.firstname, a.lastname].filter(Boolean).join(" ");
  return name ? `${a.username} (${name})` : a.username;
}

/**
 * A card's or PIN's alias (or card id) and its owner.
 * @param {any} c a credential resource
 * @param {Record<string, string>} [owners] owner id → username
 * @returns {string}
 */
export function credentialLabel(c, owners = {}) {
  const a = c.attributes;
  const what = c.type === "rfid-card" ? `card ${a["card-id"]}` : "PIN";
  const owner = owners[c.relationships?.owner?.data?.id];
  return [a.alias || what, owner ? `(${owner})` : ""].filter(Boolean).join(" ");
}

/**
 * A combobox that searches the server as the person types and reports the
 * choice. Put it in a form with {@link searchField}.
 * @param {Search} search
 * @param {{ name?: string, placeholder?: string, disabled?: boolean, onPick?: (choice: Choice) => void }} [settings]
 * @returns {{ input: HTMLInputElement, list: HTMLUListElement, value: () => number | null, clear: () => void }}
 */
export function searchBox(search, { name, placeholder = "Type to search", disabled, onPick } = {}) {
  const listId = `picker${++pickerCounter}`;
  const input = h("input", {
    type: "text",
    name,
    placeholder,
    disabled,
    autocomplete: "off",
    role: "combobox",
    "aria-autocomplete": "list",
    "aria-expanded": "false",
    "aria-controls": listId,
  });
  const list = h("ul", { id: listId, role: "listbox", class: "picker-list", hidden: true });
  /** @type {Choice[]} */
  let shown = [];
  let active = -1;
  /** @type {Choice | null} */
  let chosen = null;
  let asked = 0;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  const close = () => {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  };
  const highlight = (/** @type {number} */ index) => {
    active = index;
    [...list.children].forEach((li, i) => li.setAttribute("aria-selected", String(i === index)));
    if (index >= 0) {
      input.setAttribute("aria-activedescendant", `${listId}-${index}`);
      list.children[index]?.scrollIntoView({ block: "nearest" });
    } else input.removeAttribute("aria-activedescendant");
  };
  const choose = (/** @type {Choice} */ choice) => {
    chosen = choice;
    input.value = choice.text;
    close();
    onPick?.(choice);
  };
  const draw = () => {
    replace(
      list,
      shown.length === 0
        ? h("li", { class: "muted", role: "option", "aria-disabled": "true" }, "No match")
        : shown.map((choice, i) => {
          const li = h("li", { id: `${listId}-${i}`, role: "option" }, choice.text);
          // mousedown, not click: the input keeps the focus.
          li.addEventListener("mousedown", (event) => {
            event.preventDefault();
            choose(choice);
          });
          return li;
        }),
    );
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
    highlight(shown.length > 0 ? 0 : -1);
  };
  const run = async () => {
    const mine = ++asked;
    try {
      const found = await search(input.value.trim());
      if (mine !== asked || document.activeElement !== input) return;
      shown = found;
      draw();
    } catch {
      if (mine === asked) close();
    }
  };
  input.addEventListener("input", () => {
    chosen = null;
    clearTimeout(timer);
    timer = setTimeout(run, SEARCH_DELAY_MS);
  });
  input.addEventListener("focus", () => {
    if (chosen === null) run();
  });
  input.addEventListener("blur", () => close());
  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (list.hidden) return void run();
      const step = event.key === "ArrowDown" ? 1 : -1;
      if (shown.length > 0) highlight((active + step + shown.length) % shown.length);
    } else if (event.key === "Enter" && !list.hidden && shown[active] !== undefined) {
      event.preventDefault();
      choose(/** @type {Choice} */ (shown[active]));
    } else if (event.key === "Escape" && !list.hidden) {
      event.preventDefault();
      close();
    }
  });
  return {
    input,
    list,
    value: () => chosen?.id ?? null,
    clear: () => {
      chosen = null;
      input.value = "";
      close();
    },
  };
}

/**
 * A labelled field holding a {@link searchBox}.
 * @param {string} label
 * @param {ReturnType<typeof searchBox>} box
 * @param {{ hint?: string, keys?: string[] }} [settings]
 * @returns {HTMLDivElement}
 */
export function searchField(label, box, settings = {}) {
  const wrapper = field(label, box.input, settings);
  wrapper.classList.add("picker");
  box.input.after(box.list);
  return wrapper;
}

/**
 * A multi-value picker over a server search: chosen items as removable chips
 * and a search box that adds one. `selected` are `[id, text]` pairs.
 * @param {string} label
 * @param {Search} search
 * @param {ReadonlyArray<readonly [number, string]>} [selected]
 * @param {{ disabled?: boolean }} [settings]
 * @returns {{ element: HTMLDivElement, value: () => number[] }}
 */
export function searchChips(label, search, selected = [], { disabled = false } = {}) {
  const chosen = new Map(selected.map(([id, text]) => [Number(id), text]));
  const chips = h("div", { class: "chips", "aria-live": "polite" });
  const draw = () =>
    replace(
      chips,
      [...chosen].map(([id, text]) =>
        h(
          "span",
          { class: "chip" },
          text,
          disabled ? null : h("button", {
            type: "button",
            "aria-label": `Remove ${text}`,
            onclick: () => {
              chosen.delete(id);
              draw();
            },
          }, "×"),
        )
      ),
      chosen.size === 0 ? h("span", { class: "muted small" }, "None") : null,
    );
  const box = searchBox(async (q) => (await search(q)).filter((c) => !chosen.has(c.id)), {
    placeholder: "Type to add…",
    disabled,
    onPick: (choice) => {
      chosen.set(choice.id, choice.text);
      box.clear();
      draw();
    },
  });
  draw();
  const wrapper = searchField(label, box);
  wrapper.insertBefore(chips, box.input);
  return { element: wrapper, value: () => [...chosen.keys()] };
}
