/**
 * UI scale benchmark (issue 10, "Scale"): builds a site of 1,000,000
 * cardholders (the access benchmark's population: a user, an H10301 card and
 * two memberships each, plus names and e-mails) and 10,000,000 audit rows
 * (nine in ten access decisions over a year at 14 doors, the rest changes
 * made by administrators) in a data directory, then measures:
 *
 * 1. server side, in-process: people, card and group searches (`src/store/search.ts`)
 *    and audit keyset pages with every filter (`src/store/audit_page.ts`),
 *    each query repeated, median and worst;
 *
 * Not measured yet: the WebSocket round trip and the People page in Chromium
 * at this size (the page makes one `user.list` call of 50 rows, measured
 * above as the first-page query).
 *
 * Targets: search < 200 ms, an audit page < 50 ms on the server, the People
 * page usable < 1 s after navigation.
 *
 * Usage: deno run -A scripts/bench_ui_scale.ts [--users 1000000] [--audit 10000000]
 *   [--dir DIR (keep and reuse the built data there)] [--runs 20]
 *
 * The audit rows are written without their hash chain (hash NULL): chain
 * verification is not measured here (see scripts/bench_audit.ts).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import type { DatabaseSync } from "node:sqlite";
import { openDatabase, transaction } from "../src/store/db.ts";
import { AUDIT_EVENT, AUDIT_KIND, auditMask } from "../src/store/audit.ts";
import { queryAuditPage } from "../src/store/audit_page.ts";
import { searchCredentialsPage, searchGroupsPage, searchUsersPage } from "../src/store/search.ts";
import { DATA_FILES } from "../src/store/store.ts";
import { populate } from "./_bench_population.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    users: { type: "string", default: "1000000" },
    audit: { type: "string", default: "10000000" },
    dir: { type: "string" },
    runs: { type: "string", default: "20" },
  },
});

const USERS = Number(values.users);
const AUDIT_ROWS = Number(values.audit);
const RUNS = Number(values.runs);
/** Doors of the population (2 + 10 API readers, see _bench_population.ts) and two more. */
const DOORS = 14;
const YEAR_MS = 365 * 86_400_000;
const FIRST = [
  "ada",
  "alan",
  "grace",
  "linus",
  "margaret",
  "ken",
  "barbara",
  "dennis",
  "frances",
  "john",
  "mary",
  "edsger",
  "donald",
  "radia",
  "tim",
  "sophie",
  "niklaus",
  "hedy",
  "claude",
  "anita",
];
const LAST = [
  "lovelace",
  "turing",
  "hopper",
  "torvalds",
  "hamilton",
  "thompson",
  "liskov",
  "ritchie",
  "allen",
  "backus",
  "keller",
  "dijkstra",
  "knuth",
  "perlman",
  "berners-lee",
  "wilson",
  "wirth",
  "lamarr",
  "shannon",
  "borg",
  "smith",
  "martin",
  "bernard",
  "dubois",
  "moreau",
];

function print(line: string): void {
  Deno.stdout.writeSync(new TextEncoder().encode(line + "\n"));
}

/** A deterministic pseudo-random integer in [0, n) for `i` and `salt`. */
function pick(i: number, salt: number, n: number): number {
  let x = (i * 2654435761 + salt * 40503) >>> 0;
  x = (x ^ (x >>> 15)) >>> 0;
  x = Math.imul(x, 2246822519) >>> 0;
  x = (x ^ (x >>> 13)) >>> 0;
  return x % n;
}

function lastNameOf(i: number): string {
  return `${LAST[pick(i, 2, LAST.length)]}${pick(i, 3, 1000)}`;
}

/** Builds the population; returns the time it took. */
function build(db: DatabaseSync): number {
  const started = performance.now();
  db.exec("PRAGMA synchronous = OFF");
  populate(db, USERS);
  print(`  ${USERS} cardholders in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  transaction(db, () => {
    const update = db.prepare(
      "UPDATE users SET firstname = ?, lastname = ?, email = ? WHERE id = ?",
    );
    for (let i = 1; i <= USERS; i++) {
      const first = FIRST[pick(i, 1, FIRST.length)]!;
      const last = lastNameOf(i);
      update.run(first, last, `${first}.${last}.${i}@example.com`, i);
    }
    const door = db.prepare("INSERT INTO doors (alias) VALUES (?)");
    for (let d = 13; d <= DOORS; d++) door.run(`bench-extra-${d}`);
  });
  print(`  names in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  // Index builds after the rows are in are much faster than per-row updates.
  const indexes = db.prepare(
    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'audit_events' AND sql IS NOT NULL",
  ).all() as Array<{ name: string; sql: string }>;
  for (const { name } of indexes) db.exec(`DROP INDEX ${name}`);
  const insert = db.prepare(
    `INSERT INTO audit_events (id, timestamp, kind, event_mask, author_id, description, target_id,
       target2_id, data, chain, prev_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)`,
  );
  const granted = auditMask(AUDIT_EVENT.AUTH_GRANTED);
  const denied = auditMask(AUDIT_EVENT.AUTH_DENIED);
  const edited = auditMask(AUDIT_EVENT.USER_EDITED);
  const start = Date.now() - YEAR_MS;
  const BATCH = 200_000;
  for (let from = 1; from <= AUDIT_ROWS; from += BATCH) {
    transaction(db, () => {
      for (let id = from; id < Math.min(from + BATCH, AUDIT_ROWS + 1); id++) {
        const at = start + Math.floor((id / AUDIT_ROWS) * YEAR_MS);
        if (id % 10 !== 0) {
          const user = 1 + pick(id, 4, USERS);
          const door = 1 + pick(id, 5, DOORS);
          const ok = pick(id, 6, 10) !== 0;
          insert.run(
            id,
            at,
            AUDIT_KIND.AUTH,
            ok ? granted : denied,
            null,
            `Access ${ok ? "granted" : "denied"} to user ${user} (user-${user}) at door ${door}`,
            user,
            door,
            JSON.stringify({
              granted: ok,
              reason: ok ? "GRANTED" : "NO_SCHEDULE",
              door,
              credential: user,
              user,
              username: `user-${user}`,
            }),
            "access",
          );
        } else {
          const user = 1 + pick(id, 7, USERS);
          insert.run(
            id,
            at,
            AUDIT_KIND.USER,
            edited,
            1 + pick(id, 8, 5),
            `User user-${user} edited`,
            user,
            null,
            "{}",
            "other",
          );
        }
      }
    });
    if ((from - 1) % 2_000_000 === 0) {
      print(`  audit ${from - 1} rows, ${((performance.now() - started) / 1000).toFixed(1)} s`);
    }
  }
  for (const { sql } of indexes) db.exec(sql);
  db.exec("ANALYZE");
  return performance.now() - started;
}

interface Stat {
  median: number;
  worst: number;
}

function measure(fn: () => unknown): Stat {
  const times: number[] = [];
  fn(); // warm the statement cache (not the page cache: the first run is counted below)
  for (let r = 0; r < RUNS; r++) {
    const t = performance.now();
    fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)]!, worst: times.at(-1)! };
}

function row(name: string, stat: Stat, targetMs: number): boolean {
  const ok = stat.worst < targetMs;
  print(
    `| ${name} | ${stat.median.toFixed(2)} | ${stat.worst.toFixed(2)} | < ${targetMs} | ${
      ok ? "yes" : "**no**"
    } |`,
  );
  return ok;
}

/** Server-side measurements, in-process. Returns false when one misses its target. */
function serverSide(db: DatabaseSync): boolean {
  let ok = true;
  print("\n| Query (in-process) | median ms | worst ms | target ms | met |\n|---|---|---|---|---|");
  const searches: Array<[string, () => unknown]> = [
    ["people: first page, no query", () => searchUsersPage(db, { limit: 50 })],
    ["people: page 1000 cursor", () => searchUsersPage(db, { limit: 50, after: "user-5" })],
    ["people: 'a' (common prefix)", () => searchUsersPage(db, { q: "a", limit: 50 })],
    ["people: 'turing' (5 % of rows)", () => searchUsersPage(db, { q: "turing", limit: 50 })],
    ["people: 'turing42' (rare)", () => searchUsersPage(db, { q: "turing42", limit: 50 })],
    ["people: 'ada turing' (two words)", () => searchUsersPage(db, { q: "ada turing", limit: 50 })],
    ["people: 'zzz' (no match)", () => searchUsersPage(db, { q: "zzz", limit: 50 })],
    ["people: 'user-77777'", () => searchUsersPage(db, { q: "user-77777", limit: 50 })],
    ["people: card '3/3456'", () => searchUsersPage(db, { q: "3/3456", limit: 50 })],
    ["cards: first page", () => searchCredentialsPage(db, { limit: 50 })],
    [
      "cards: number '3456' (any facility)",
      () => searchCredentialsPage(db, { q: "3456", limit: 50 }),
    ],
    ["cards: '3/3456'", () => searchCredentialsPage(db, { q: "3/3456", limit: 50 })],
    ["cards: hex prefix '80:80'", () => searchCredentialsPage(db, { q: "80:80", limit: 50 })],
    ["groups: 'group-1'", () => searchGroupsPage(db, { q: "group-1", limit: 50 })],
  ];
  for (const [name, fn] of searches) ok = row(name, measure(fn), 200) && ok;
  const middle = queryAuditPage(db, { limit: 50 }).rows[0]!.timestamp - YEAR_MS / 2;
  const audits: Array<[string, () => unknown]> = [
    ["audit: newest page", () => queryAuditPage(db, { limit: 50 })],
    [
      "audit: page in the middle (cursor)",
      () => queryAuditPage(db, { limit: 50, after: `${middle}.${Math.floor(AUDIT_ROWS / 2)}` }),
    ],
    ["audit: door 3", () => queryAuditPage(db, { limit: 50, doorId: 3 })],
    ["audit: user 4242", () => queryAuditPage(db, { limit: 50, userId: 4242 })],
    ["audit: card 4242", () => queryAuditPage(db, { limit: 50, credentialId: 4242 })],
    [
      "audit: type user events",
      () => queryAuditPage(db, { limit: 50, kinds: [AUDIT_KIND.USER, AUDIT_KIND.GROUP] }),
    ],
    [
      "audit: one day, six months ago",
      () => queryAuditPage(db, { limit: 50, fromMs: middle - 86_400_000, toMs: middle }),
    ],
    [
      "audit: door 3 + one day",
      () => queryAuditPage(db, { limit: 50, doorId: 3, fromMs: middle - 86_400_000, toMs: middle }),
    ],
    [
      "audit: door 3 + zone events (none)",
      () => queryAuditPage(db, { limit: 50, doorId: 3, kinds: [AUDIT_KIND.ZONE] }),
    ],
  ];
  for (const [name, fn] of audits) ok = row(name, measure(fn), 50) && ok;
  return ok;
}

async function main(): Promise<void> {
  const dir = values.dir ?? await Deno.makeTempDir({ prefix: "leosac-ui-scale-" });
  const path = join(dir, DATA_FILES.database);
  const exists = await Deno.stat(path).then((s) => s.isFile, () => false);
  const db = openDatabase(path);
  try {
    if (!exists) {
      print(`Building ${USERS} cardholders and ${AUDIT_ROWS} audit rows in ${path}`);
      print(`Built in ${(build(db) / 1000).toFixed(1)} s`);
    } else print(`Reusing ${path}`);
    const { size } = await Deno.stat(path);
    print(`Database: ${(size / 2 ** 20).toFixed(0)} MiB`);
    if (!serverSide(db)) Deno.exitCode = 1;
  } finally {
    if (db.isOpen) db.close();
    if (values.dir === undefined) await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) await main();
