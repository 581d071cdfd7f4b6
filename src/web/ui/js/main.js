// @ts-check
// Entry point: the connection, the session, the shell and the hash router.

import { Api } from "./api.js";
import { clearErrorToasts, h, replace } from "./dom.js";
import { RANKS } from "./format.js";
import { Session } from "./session.js";
import * as login from "./pages/login.js";
import * as dashboard from "./pages/dashboard.js";
import * as people from "./pages/people.js";
import * as access from "./pages/access.js";
import * as doors from "./pages/doors.js";
import * as audit from "./pages/audit.js";
import * as account from "./pages/account.js";

/**
 * A page module: renders into `view`, may return its teardown.
 * @typedef {{ render: (view: HTMLElement, ctx: import("./types.js").PageContext) => unknown }} Page
 */

/**
 * The main navigation: route, label, capability needed (null: everyone), page.
 * @type {[string, string, import("./session.js").Capability | null, Page][]}
 */
const NAV = [
  ["dashboard", "Dashboard", "view", dashboard],
  ["people", "People", "view", people],
  ["access", "Access rules", "view", access],
  ["doors", "Doors & readers", "view", doors],
  ["audit", "Audit log", "view", audit],
  ["account", "My account", null, account],
];

const api = new Api(Api.defaultUrl());
const session = new Session(api);
const root = /** @type {HTMLElement} */ (document.getElementById("app"));
// One notice area for the whole session: a toast shown just before a
// navigation ("Door created") must survive the re-render.
const toastArea = h("div", { id: "toasts", class: "toasts" });
/** @type {(() => void) | null} */
let cleanup = null;
let generation = 0;

function currentRoute() {
  const path = location.hash.replace(/^#\/?/, "");
  const [name = "", ...params] = path.split("/").map(decodeURIComponent);
  return { name, params };
}

/**
 * Goes to `#/path` (re-renders even when already there).
 * @param {string} path
 */
function navigate(path) {
  const hash = `#/${path}`;
  if (location.hash === hash) render();
  else location.hash = hash;
}

function homeRoute() {
  return session.can("view") ? "dashboard" : "account";
}

function connectionBanner() {
  const banner = h("div", { class: "banner", role: "status", hidden: true });
  const update = (/** @type {import("./api.js").ConnectionState} */ state) => {
    banner.hidden = state === "open";
    banner.textContent = state === "closed"
      ? "Connection to the controller lost. Reconnecting…"
      : "Connecting…";
  };
  update(api.state);
  api.onStatus(update);
  return banner;
}

/**
 * The page frame: top bar, navigation, `view` as the main content.
 * @param {string} active
 * @param {HTMLElement} view
 * @returns {HTMLElement}
 */
function shell(active, view) {
  const user = /** @type {import("./session.js").User} */ (session.user);
  const nav = h(
    "nav",
    { class: "sidebar", "aria-label": "Main" },
    h(
      "ul",
      null,
      NAV.filter(([, , need]) => need === null || session.can(need)).map(([route, label]) =>
        h(
          "li",
          null,
          h("a", { href: `#/${route}`, "aria-current": route === active ? "page" : null }, label),
        )
      ),
    ),
  );
  const logout = h("button", { class: "secondary small", type: "button" }, "Log out");
  logout.addEventListener("click", async () => {
    await session.logout();
    navigate("login");
  });
  return h(
    "div",
    { class: "shell" },
    h("a", { class: "skip", href: "#main", onclick: skipToMain }, "Skip to content"),
    h(
      "header",
      { class: "topbar" },
      h(
        "div",
        { class: "brand" },
        h("span", { class: "logo", "aria-hidden": "true" }, "L"),
        h("span", null, "Leosac"),
        session.instanceName && session.instanceName.toLowerCase() !== "leosac"
          ? h("span", { class: "instance" }, session.instanceName)
          : null,
        session.hardware === "sim"
          ? h("span", { class: "badge sim", title: "Simulated hardware" }, "Simulation")
          : null,
      ),
      h(
        "div",
        { class: "who" },
        h(
          "span",
          { class: "user-chip", id: "current-user" },
          h("strong", null, user.username),
          h("span", { class: "muted" }, ` · ${RANKS[user.rank] ?? user.rank}`),
        ),
        logout,
      ),
    ),
    connectionBanner(),
    h("div", { class: "layout" }, nav, h("main", { id: "main", tabindex: "-1" }, view)),
    h("footer", { class: "footer" }, session.version ? `Leosac ${session.version}` : ""),
  );
}

/** @param {Event} event */
function skipToMain(event) {
  event.preventDefault();
  document.getElementById("main")?.focus();
}

async function render() {
  const myGeneration = ++generation;
  clearErrorToasts();
  if (typeof cleanup === "function") cleanup();
  cleanup = null;
  const route = currentRoute();
  if (session.user === null) {
    if (route.name !== "login") {
      location.replace("#/login");
      return;
    }
    const view = h("div", { class: "login-page" });
    replace(root, view, toastArea);
    login.render(view, { session, navigate, homeRoute });
    return;
  }
  const entry = NAV.find(([name]) => name === route.name);
  if (!entry || (entry[2] !== null && !session.can(entry[2]))) {
    location.replace(`#/${homeRoute()}`);
    return;
  }
  const view = h("div", { class: "page" });
  replace(root, shell(route.name, view), toastArea);
  const ctx = {
    api,
    session,
    navigate,
    params: route.params,
    alive: () => myGeneration === generation,
  };
  const result = await entry[3].render(view, ctx);
  const teardown = typeof result === "function" ? /** @type {() => void} */ (result) : null;
  if (myGeneration === generation) cleanup = teardown;
  else teardown?.();
}

async function start() {
  replace(root, h("p", { class: "loading", role: "status" }, "Connecting to the controller…"));
  api.connect();
  const versionLoaded = session.loadVersion();
  await session.restore();
  await versionLoaded;
  session.onChange(() => {
    if (session.user === null) {
      // The next person at this browser does not see the previous one's notices.
      toastArea.replaceChildren();
      navigate("login");
    }
  });
  globalThis.addEventListener("hashchange", render);
  if (session.user !== null && currentRoute().name === "login") navigate(homeRoute());
  else render();
}

start();
