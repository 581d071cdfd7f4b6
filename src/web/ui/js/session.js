// @ts-check
// Who is logged in, what they may do, and the token kept for reloads.

import { ApiError, cleanStatusString, STATUS } from "./api.js";

/** @typedef {import("./api.js").Api} Api */

const TOKEN_KEY = "leosac.token";

/** Rank numbers. */
export const RANK = { USER: 0, VIEWER: 1, MANAGER: 2, SUPERVISOR: 3, ADMIN: 4 };

/**
 * The logged-in user.
 * @typedef {{ id: number, username: string, firstname: string, lastname: string, email: string, rank: number }} User
 */

/**
 * What the UI may show: see {@link Session.can}.
 * @typedef {"view" | "manage" | "doorControl" | "simulate" | "hardwareRead" | "auditFull" | "hardwareWrite"} Capability
 */

/**
 * The site this controller belongs to (`system_overview.site`, docs/site.md).
 * @typedef {object} SiteStatus
 * @property {string} name the site's name
 * @property {string} controller this controller's name
 * @property {boolean} connected true while a NATS server of the site answers
 * @property {number} lag_ms how far this copy is behind the site's policy log
 * @property {number} applied_sequence the last policy-log sequence applied
 */

/** The logged-in user and the server facts the UI needs. */
export class Session {
  /** @type {Api} */
  #api;
  /** @type {Set<() => void>} */
  #listeners = new Set();
  /** @type {User | null} */
  user = null;
  /**
   * "none" | "sim" | "gpio" (from system_overview).
   * @type {string}
   */
  hardware = "none";
  /**
   * The site this controller belongs to, null for a controller alone (from
   * system_overview; {@link Session.refreshOverview} reads it again).
   * @type {SiteStatus | null}
   */
  site = null;
  instanceName = "";
  version = "";
  /** Why the last session ended (shown on the login page). */
  closedReason = "";

  /** @param {Api} api */
  constructor(api) {
    this.#api = api;
    api.on("session_closed", (content) => {
      this.#forget(`Your session was closed by the server: ${content?.reason ?? "no reason"}`);
    });
    api.onSessionAborted = (reply) => {
      this.#forget(`Your session has ended: ${cleanStatusString(reply.status_string)}`);
    };
    // After a reconnect, log the new connection in again before anything queued runs.
    api.onOpen = () => {
      const token = sessionStorage.getItem(TOKEN_KEY);
      if (this.user !== null && token) {
        api.request("authenticate_with_token", { token }).then((reply) => {
          if (reply?.status !== 0) this.#forget("Your session has expired: please log in again.");
          else this.#emit();
        }).catch(() => {});
      }
    };
  }

  /**
   * Calls `fn()` whenever the user logs in or out (or is re-authenticated).
   * @param {() => void} fn
   * @returns {() => boolean} unsubscribes
   */
  onChange(fn) {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  #emit() {
    for (const fn of this.#listeners) fn();
  }

  /** @param {string} reason */
  #forget(reason) {
    sessionStorage.removeItem(TOKEN_KEY);
    const was = this.user;
    this.user = null;
    this.closedReason = reason;
    if (was !== null) this.#emit();
  }

  /** The user's rank, -1 when logged out. */
  get rank() {
    return this.user?.rank ?? -1;
  }

  /**
   * What the UI shows: mirrors the server's permission table (the server still decides).
   * @param {Capability} what
   * @returns {boolean}
   */
  can(what) {
    const r = this.rank;
    switch (what) {
      case "view":
        return r >= RANK.VIEWER;
      case "manage":
      case "doorControl":
        return r >= RANK.MANAGER;
      case "simulate":
        return r >= RANK.MANAGER && this.hardware === "sim";
      case "hardwareRead":
      case "auditFull":
        return r >= RANK.SUPERVISOR;
      case "hardwareWrite":
        return r >= RANK.ADMIN;
      default:
        return false;
    }
  }

  /**
   * Ranks this user may give to others.
   * @returns {number[]}
   */
  grantableRanks() {
    if (this.rank >= RANK.ADMIN) return [0, 1, 2, 3, 4];
    if (this.rank >= RANK.MANAGER) return [0, 1];
    return [];
  }

  /** @param {number} userId */
  async #loadUser(userId) {
    const doc = await this.#api.request("user.read", { user_id: userId });
    const a = doc.data.attributes;
    this.user = {
      id: Number(doc.data.id),
      username: a.username,
      firstname: a.firstname,
      lastname: a.lastname,
      email: a.email ?? "",
      rank: a.rank,
    };
    await this.refreshOverview();
    this.closedReason = "";
    this.#emit();
  }

  /**
   * Reads `system_overview` again: hardware, instance name and the site's
   * state (connected, lag), which change while the UI runs.
   * @returns {Promise<SiteStatus | null>} the site's state, null outside a site
   */
  async refreshOverview() {
    const overview = await this.#api.request("system_overview");
    this.hardware = overview.hardware ?? "none";
    this.instanceName = overview.instance_name ?? "";
    this.site = overview.site ?? null;
    return this.site;
  }

  /**
   * Logs in. Resolves `{ok: true}` or `{ok: false, message}` for a refused
   * login; other failures reject.
   * @param {string} username
   * @param {string} password
   * @returns {Promise<{ ok: true } | { ok: false, message: string }>}
   */
  async login(username, password) {
    let reply;
    try {
      reply = await this.#api.request("create_auth_token", { username, password });
    } catch (error) {
      if (error instanceof ApiError && error.code === STATUS.RATE_LIMITED) {
        return {
          ok: false,
          message: "Too many failed login attempts. Wait a few minutes, then try again.",
        };
      }
      if (error instanceof ApiError && error.code === STATUS.GENERAL_FAILURE) {
        return { ok: false, message: error.message };
      }
      throw error;
    }
    if (reply.status !== 0) return { ok: false, message: "Wrong username or password." };
    sessionStorage.setItem(TOKEN_KEY, reply.token);
    await this.#loadUser(reply.user_id);
    return { ok: true };
  }

  /**
   * Logs in again with the stored token (page reload). Resolves true when it worked.
   * @returns {Promise<boolean>}
   */
  async restore() {
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (!token) return false;
    try {
      const reply = await this.#api.request("authenticate_with_token", { token });
      if (reply.status !== 0) {
        this.#forget("Your session has expired: please log in again.");
        return false;
      }
      await this.#loadUser(reply.user_id);
      return true;
    } catch {
      sessionStorage.removeItem(TOKEN_KEY);
      return false;
    }
  }

  /** Logs out here and on the server. */
  async logout() {
    sessionStorage.removeItem(TOKEN_KEY);
    try {
      await this.#api.request("logout");
    } catch {
      // Logged out locally either way.
    }
    this.user = null;
    this.closedReason = "";
    this.#emit();
  }

  /**
   * Loads the server version once (for the footer).
   * @returns {Promise<string>}
   */
  async loadVersion() {
    try {
      const reply = await this.#api.request("get_leosac_version");
      this.version = reply.version ?? "";
    } catch {
      this.version = "";
    }
    return this.version;
  }
}
