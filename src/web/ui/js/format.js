// @ts-check
// Human-readable names and texts for ranks, times, decisions and events.

import { GROUP_RANK_NAMES, USER_RANK_NAMES } from "./shared/ranks.js";
import { cardText } from "./wiegand.js";

/** User ranks (Leosac numbers), the server's words (`src/shared/ranks.js`). */
export const RANKS = USER_RANK_NAMES;

/** Group membership ranks, the server's words (`src/shared/ranks.js`). */
export const GROUP_RANKS = GROUP_RANK_NAMES;

/** Days of a timeframe (0 = Monday). */
export const DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

/**
 * Door modes and what they mean: `[mode, label, hint]`.
 * @type {ReadonlyArray<readonly [string, string, string]>}
 */
export const DOOR_MODES = [
  ["normal", "Normal", "Opens for granted credentials"],
  ["unlocked", "Unlocked", "Strike held open"],
  ["locked", "Locked", "Refuses every card, PIN and remote opening; the exit button still works"],
  [
    "lockdown",
    "Lockdown",
    "Emergency lock: refuses every card, PIN and remote opening until lifted; the exit button still works",
  ],
];

/** @type {Record<string, string>} */
const REASONS = {
  GRANTED: "granted",
  GRANTED_DOOR_UNLOCKED: "granted (door already unlocked)",
  GRANTED_ANTI_PASSBACK_SOFT: "granted despite anti-passback (soft)",
  UNKNOWN_CREDENTIAL: "unknown credential",
  CREDENTIAL_DISABLED: "credential disabled",
  CREDENTIAL_OUT_OF_VALIDITY: "credential outside its validity period",
  OWNER_DISABLED: "account disabled",
  OWNER_OUT_OF_VALIDITY: "account outside its validity period",
  NO_OWNER: "credential has no owner",
  NO_SCHEDULE: "no schedule for this door",
  OUTSIDE_SCHEDULE: "outside schedule",
  HOLIDAY: "holiday",
  DOOR_LOCKED: "door locked",
  LOCKDOWN: "door in lockdown",
  ANTI_PASSBACK: "anti-passback",
  PIN_REQUIRED: "PIN required",
  WRONG_PIN: "wrong PIN",
  CARD_REQUIRED: "card required",
  CARD_NEEDS_PIN: "card needs its PIN",
  PIN_NEEDS_CARD: "PIN needs its card",
  PAIR_REQUIRED: "reader takes only cards bound to a PIN",
  AMBIGUOUS_PIN: "PIN shared by several people",
  READER_MODE_MISMATCH: "wrong credential type for this reader",
  BAD_READ: "bad read",
};

/**
 * A deny or grant reason code as words.
 * @param {unknown} code
 * @returns {string}
 */
export function reasonText(code) {
  const text = typeof code === "string" ? REASONS[code] : undefined;
  return text ?? String(code ?? "").toLowerCase().replaceAll("_", " ");
}

/** @param {number} n */
function pad(n) {
  return String(n).padStart(2, "0");
}

/** The browser's locale formats: one time format everywhere (the time inputs use it too). */
const TIME = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit" });
const TIME_SECONDS = new Intl.DateTimeFormat(undefined, {
  hour: "numeric",
  minute: "2-digit",
  second: "2-digit",
});
const DATE_TIME = new Intl.DateTimeFormat(undefined, {
  year: "numeric",
  month: "short",
  day: "numeric",
  hour: "numeric",
  minute: "2-digit",
  second: "2-digit",
});

/**
 * The time of day with seconds when it is today, else the date and time, in
 * the browser's locale.
 * @param {number | string | Date} ms
 * @returns {string}
 */
export function formatTime(ms) {
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return "";
  if (d.toDateString() === new Date().toDateString()) return TIME_SECONDS.format(d);
  return DATE_TIME.format(d);
}

/**
 * The date and time, in the browser's locale.
 * @param {number | string | Date} ms
 * @returns {string}
 */
export function formatDateTime(ms) {
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return "";
  return DATE_TIME.format(d);
}

/**
 * A schedule's `"8:0"` as the browser shows times (`8:00 AM` or `08:00`),
 * the format of the form's time inputs.
 * @param {unknown} text
 * @returns {string}
 */
export function clockText(text) {
  const [hours, minutes] = String(text ?? "0:0").split(":");
  const date = new Date(2000, 0, 1, Number(hours) || 0, Number(minutes) || 0);
  // ICU puts a narrow no-break space before AM/PM; a plain space reads (and matches) the same.
  return TIME.format(date).replaceAll("\u202f", " ");
}

/**
 * A Leosac validity date → `YYYY-MM-DD` (local), or "" when unbounded.
 * @param {string | null | undefined} text
 * @returns {string}
 */
export function dateInputValue(text) {
  if (!text || text.startsWith("1677-") || text.startsWith("2262-")) return "";
  const ms = Date.parse(
    String(text).replace(/\.(\d{3})\d*/, ".$1").replace(/([+-]\d\d)(\d\d)$/, "$1:$2"),
  );
  if (Number.isNaN(ms)) return "";
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/**
 * `YYYY-MM-DD` (local) → ISO string at the start or end of that day, "" when empty.
 * @param {string} value
 * @param {boolean} endOfDay
 * @returns {string}
 */
export function dateToWire(value, endOfDay) {
  if (!value) return "";
  const [y = 0, m = 1, d = 1] = value.split("-").map(Number);
  const date = endOfDay ? new Date(y, m - 1, d, 23, 59, 59) : new Date(y, m - 1, d, 0, 0, 0);
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/**
 * `"8:0"` → `"08:00"` (for `<input type="time">`).
 * @param {unknown} text
 * @returns {string}
 */
export function timeInputValue(text) {
  const [hours, minutes] = String(text ?? "0:0").split(":");
  return `${pad(Number(hours) || 0)}:${pad(Number(minutes) || 0)}`;
}

/**
 * Who did it: the username the event recorded, else the current one when known.
 * @param {unknown} userId
 * @param {Map<number, string> | null | undefined} users
 * @param {unknown} [recorded] the event's own `username`
 * @returns {string}
 */
export function who(userId, users, recorded) {
  if (userId === null || userId === undefined) return "unknown holder";
  if (typeof recorded === "string" && recorded !== "") return recorded;
  const name = users?.get(Number(userId));
  return name ? name : `user #${userId}`;
}

/** @param {Record<string, any>} content */
function doorName(content) {
  const alias = content.door_alias;
  return alias ? alias : content.door ? `door #${content.door}` : "a door";
}

/** @type {Record<string, string>} */
const DOOR_EVENTS = {
  UNLOCKED: "unlocked",
  RELOCKED: "relocked",
  OPENED: "opened",
  CLOSED: "closed",
  REX: "request to exit pressed",
  MODE_CHANGED: "mode changed",
  OPENED_MANUALLY: "opened remotely",
  FORCED: "forced open",
  FORCED_END: "forced-open alarm cleared",
  HELD_OPEN: "held open too long",
  HELD_OPEN_END: "held-open alarm cleared",
};

/**
 * A live event (or an audit row with the same data) as `{kind, title, detail}`;
 * `kind` is granted | denied | door | alarm | info.
 * @param {string} category
 * @param {Record<string, any>} content
 * @param {Map<number, string> | null | undefined} users
 * @returns {{ kind: "granted" | "denied" | "door" | "alarm" | "info", title: string, detail: string }}
 */
export function describeEvent(category, content, users) {
  if (category === "access") {
    const card = content.card_id
      ? `card ${cardText(content.card_id, content.nb_bits)}`
      : content.pin_presented
      ? "PIN"
      : "";
    if (content.granted) {
      return {
        kind: "granted",
        title: `Access granted at ${doorName(content)}`,
        detail: [who(content.user, users, content.username), card].filter(Boolean).join(" · "),
      };
    }
    const holder = content.user === null || content.user === undefined
      ? ""
      : who(content.user, users, content.username);
    return {
      kind: "denied",
      title: `Access denied at ${doorName(content)}`,
      detail: [reasonText(content.reason), holder, card].filter(Boolean).join(" · "),
    };
  }
  if (category === "alarm") {
    if (content.alarm === "worker_died" || content.reason && !content.door) {
      return {
        kind: "alarm",
        title: "Controller restarted",
        detail: String(content.reason ?? ""),
      };
    }
    const what = DOOR_EVENTS[content.event] ?? content.alarm ?? "";
    if (String(content.event ?? "").endsWith("_END")) {
      return { kind: "door", title: `${doorName(content)}: ${what}`, detail: "" };
    }
    return { kind: "alarm", title: `Alarm: ${doorName(content)} ${what}`, detail: "" };
  }
  const what = DOOR_EVENTS[content.event] ?? String(content.event ?? "").toLowerCase();
  let detail = "";
  if (content.event === "MODE_CHANGED") detail = `${content.from} → ${content.to}`;
  else if (content.event === "UNLOCKED" && content.cause) detail = `cause: ${content.cause}`;
  else if (content.event === "OPENED" && content.authorized === false) detail = "not authorized";
  return { kind: "door", title: `${doorName(content)} ${what}`, detail };
}

/**
 * A short summary of timeframes: `Mon–Fri 8:00 AM–6:00 PM` (the browser's time format).
 * @param {unknown} frames
 * @returns {string}
 */
export function timeframesSummary(frames) {
  if (!Array.isArray(frames) || frames.length === 0) return "No timeframe";
  /** @type {Map<string, number[]>} */
  const groups = new Map();
  for (const f of frames) {
    const key = `${clockText(f["start-time"])}–${clockText(f["end-time"])}`;
    groups.set(key, [...(groups.get(key) ?? []), f.day]);
  }
  return [...groups].map(([span, days]) => `${daysText(days)} ${span}`).join("; ");
}

/** @param {number[]} days */
function daysText(days) {
  const sorted = [...new Set(days)].sort((a, b) => a - b);
  const short = (/** @type {number | undefined} */ d) =>
    d === undefined ? "?" : DAYS[d]?.slice(0, 3) ?? "?";
  const contiguous = sorted.every((d, i) => i === 0 || d === (sorted[i - 1] ?? NaN) + 1);
  if (sorted.length === 7) return "Every day";
  if (contiguous && sorted.length > 2) return `${short(sorted[0])}–${short(sorted.at(-1))}`;
  return sorted.map(short).join(", ");
}
