/**
 * Paged search of people, cards and groups, fast at a million cardholders.
 *
 * Each search returns one page in a stable order and a cursor for the next
 * (keyset paging: the page after the last row seen, never OFFSET), so rows
 * added or removed between two pages neither repeat nor shift the rest.
 *
 * Matching (case-insensitive, ASCII):
 * - people: every word of the query starts the username, first name, last
 *   name or e-mail; a card query (see cards) also finds the card's owner.
 *   Order: username.
 * - cards: the alias starts with the query; or the query is a card number
 *   (`3456`: an H10301 card of any facility), a facility and number (`12/3456`
 *   or `12:3456`: every catalogue format with a facility code), or the start
 *   of a card id in hexadecimal (`06:06:c0`). Order: id.
 * - groups: the name contains the query. Order: name.
 *
 * `ids` narrows any search to the rows with those ids (how a picker reads
 * the labels of what it already holds).
 *
 * How a page stays fast: a query word selects candidates from an index range
 * (migration 6's `NOCASE` indexes). When every range holds fewer than
 * {@linkcode CANDIDATE_CAP} rows, the candidates are read, filtered and
 * sorted directly. Otherwise the word is common (at least 0.2 % of a million
 * rows), and walking the table in page order with the filter finds a page
 * after a few thousand rows.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { type Credential, getCredential } from "./credentials.ts";
import { prepared, type SqlValue } from "./db.ts";
import { getUser, type User } from "./users.ts";
import { getGroup, type Group } from "./groups.ts";
import { getMembership, type Membership } from "./memberships.ts";
import { int, rowReader, text } from "./rows.ts";
import { FORMAT_CATALOGUE, H10301 } from "../hardware/wiegand/formats.ts";
import { cardIdFromFields } from "../shared/card_id.js";

/** Most rows one page returns. */
export const MAX_PAGE_LIMIT = 200;
/** Most words of a query used (the rest are ignored). */
export const MAX_QUERY_WORDS = 4;
/** Candidates per index range above which a word counts as common. */
export const CANDIDATE_CAP = 2000;

/** What a paged search takes. */
export interface SearchQuery {
  /** The text typed; empty or absent lists everything. */
  q?: string;
  /** The cursor of the previous page's last row (from {@linkcode SearchPage.next}). */
  after?: string;
  /** Rows per page, 1 to {@linkcode MAX_PAGE_LIMIT}. */
  limit: number;
  /**
   * Only these ids (a picker reading the labels of what it holds), at most
   * {@linkcode MAX_PAGE_LIMIT}; the other filters still apply.
   */
  ids?: readonly number[];
}

/** One page and the cursor of the next one (null on the last page). */
export interface SearchPage<T> {
  rows: T[];
  next: string | null;
}

const readId = rowReader("search id", { id: int });

/** The upper bound of the index range of strings that start with `prefix`. */
function prefixEnd(prefix: string): string {
  return prefix + "\u{10ffff}";
}

/** `prefix` as a LIKE pattern (`\` escapes `%`, `_` and itself). */
function likePrefix(prefix: string): string {
  return prefix.replace(/[\\%_]/g, (c) => `\\${c}`) + "%";
}

/** The query's words, lower-case, at most {@linkcode MAX_QUERY_WORDS}. */
export function queryWords(q: string | undefined): string[] {
  return (q ?? "").toLowerCase().split(/\s+/).filter(Boolean).slice(0, MAX_QUERY_WORDS);
}

function checkLimit(limit: number): void {
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_PAGE_LIMIT) {
    throw new RangeError(`Page limit must be 1 to ${MAX_PAGE_LIMIT}: ${limit}`);
  }
}

/** The condition "the row is one of `query.ids`" (none when absent). */
function idsCondition(query: SearchQuery, idColumn = "id"): Condition[] {
  if (query.ids === undefined) return [];
  if (query.ids.length > MAX_PAGE_LIMIT) {
    throw new RangeError(`At most ${MAX_PAGE_LIMIT} ids: ${query.ids.length}`);
  }
  return [{
    sql: `${idColumn} IN (SELECT value FROM json_each(?))`,
    params: [JSON.stringify(query.ids)],
  }];
}

/**
 * The ids of every branch together, or null when a branch holds
 * {@linkcode CANDIDATE_CAP} rows or more (the word is common).
 */
function candidates(
  db: DatabaseSync,
  branches: ReadonlyArray<{ sql: string; params: SqlValue[] }>,
): Set<number> | null {
  const ids = new Set<number>();
  for (const { sql, params } of branches) {
    const rows = prepared(db, `${sql} LIMIT ${CANDIDATE_CAP}`).all(...params);
    if (rows.length >= CANDIDATE_CAP) return null;
    for (const row of rows) ids.add(readId(row).id);
  }
  return ids;
}

/** A SQL condition and its parameters. */
interface Condition {
  sql: string;
  params: SqlValue[];
}

const USER_FIELDS = ["username", "firstname", "lastname", "email"] as const;

/** The index ranges of users one word may select (fields, and owners of matching cards). */
function userBranches(word: string): Condition[] {
  const end = prefixEnd(word);
  return [
    ...USER_FIELDS.map((field) => ({
      sql: field === "username"
        ? "SELECT id FROM users WHERE username >= ? AND username < ?"
        : `SELECT id FROM users WHERE ${field} >= ? COLLATE NOCASE AND ${field} < ? COLLATE NOCASE`,
      params: [word, end],
    })),
    ...cardBranches(word).map(({ sql, params }) => ({
      sql: `SELECT owner_id AS id FROM credentials WHERE id IN (${sql}) AND owner_id IS NOT NULL`,
      params,
    })),
  ];
}

/** "`word` starts a field of the user, or the user owns a card it finds". */
function userWordCondition(word: string, idColumn = "id"): Condition {
  const like = likePrefix(word);
  const cards = cardBranches(word);
  return {
    sql: `(${
      [
        ...USER_FIELDS.map((f) => `${f} LIKE ? ESCAPE '\\'`),
        ...cards.map((c) =>
          `${idColumn} IN (SELECT owner_id FROM credentials WHERE id IN (${c.sql}))`
        ),
      ].join(" OR ")
    })`,
    params: [...USER_FIELDS.map(() => like), ...cards.flatMap((c) => c.params)],
  };
}

/**
 * Runs `SELECT id FROM <table> WHERE <conditions> ORDER BY <order> LIMIT n`,
 * first narrowed to the smallest candidate set of `branchSets` when one is
 * small enough (see the module doc).
 */
function pageIds(
  db: DatabaseSync,
  table: string,
  order: string,
  conditions: Condition[],
  branchSets: Condition[][],
  take: number,
): number[] {
  const sets = branchSets.map((branches) => candidates(db, branches))
    .filter((s): s is Set<number> => s !== null)
    .sort((a, b) => a.size - b.size);
  const all = sets[0] === undefined ? conditions : [
    ...conditions,
    { sql: "id IN (SELECT value FROM json_each(?))", params: [JSON.stringify([...sets[0]])] },
  ];
  const where = all.length === 0 ? "" : `WHERE ${all.map((c) => c.sql).join(" AND ")}`;
  return prepared(db, `SELECT id FROM ${table} ${where} ORDER BY ${order} LIMIT ?`)
    .all(...all.flatMap((c) => c.params), take).map((r) => readId(r).id);
}

/**
 * One page of users matching `query.q` (see the module doc), by username;
 * only the user `onlyId` when given (a caller who may see only themself).
 *
 * @throws {RangeError} if the limit is out of range.
 */
export function searchUsersPage(
  db: DatabaseSync,
  query: SearchQuery,
  onlyId?: number,
): SearchPage<User> {
  checkLimit(query.limit);
  const words = queryWords(query.q);
  const conditions: Condition[] = [
    ...(query.after === undefined ? [] : [{ sql: "username > ?", params: [query.after] }]),
    ...(onlyId === undefined ? [] : [{ sql: "id = ?", params: [onlyId] }]),
    ...idsCondition(query),
    ...words.map((w) => userWordCondition(w)),
  ];
  const ids = pageIds(
    db,
    "users",
    "username",
    conditions,
    words.map(userBranches),
    query.limit + 1,
  );
  const users = ids.map((id) => getUser(db, id)).filter((u): u is User => u !== undefined);
  const rows = users.slice(0, query.limit);
  return { rows, next: users.length > query.limit ? rows.at(-1)!.username : null };
}

/**
 * One page of credentials matching `query.q` (see the module doc), by id;
 * only those of `ownerId` when given.
 *
 * @throws {RangeError} if the limit is out of range or the cursor is not an id.
 */
export function searchCredentialsPage(
  db: DatabaseSync,
  query: SearchQuery,
  ownerId?: number,
): SearchPage<Credential> {
  checkLimit(query.limit);
  const term = (query.q ?? "").trim().toLowerCase();
  const cards = term === "" ? [] : cardBranches(term);
  const aliasBranch = {
    sql: "SELECT id FROM credentials WHERE alias >= ? COLLATE NOCASE AND alias < ? COLLATE NOCASE",
    params: [term, prefixEnd(term)],
  };
  const conditions: Condition[] = [
    ...(query.after === undefined ? [] : [{ sql: "id > ?", params: [idCursor(query.after)] }]),
    ...(ownerId === undefined ? [] : [{ sql: "owner_id = ?", params: [ownerId] }]),
    ...idsCondition(query),
    ...(term === "" ? [] : [{
      sql: `(alias LIKE ? ESCAPE '\\'${cards.map((c) => ` OR id IN (${c.sql})`).join("")})`,
      params: [likePrefix(term), ...cards.flatMap((c) => c.params)],
    }]),
  ];
  const branchSets = term === "" ? [] : [[aliasBranch, ...cards]];
  const ids = pageIds(db, "credentials", "id", conditions, branchSets, query.limit + 1);
  const found = ids.map((id) => getCredential(db, id))
    .filter((c): c is Credential => c !== undefined);
  const rows = found.slice(0, query.limit);
  return { rows, next: found.length > query.limit ? String(rows.at(-1)!.id) : null };
}

/**
 * One page of groups whose name contains `query.q`, by name; only the groups
 * `memberId` belongs to when given.
 *
 * @throws {RangeError} if the limit is out of range.
 */
export function searchGroupsPage(
  db: DatabaseSync,
  query: SearchQuery,
  memberId?: number,
): SearchPage<Group> {
  checkLimit(query.limit);
  const term = (query.q ?? "").trim().toLowerCase();
  const conditions: Condition[] = [
    ...(query.after === undefined ? [] : [{ sql: "name > ?", params: [query.after] }]),
    ...(memberId === undefined ? [] : [{
      sql: "id IN (SELECT group_id FROM memberships WHERE user_id = ?)",
      params: [memberId],
    }]),
    ...idsCondition(query),
    ...(term === "" ? [] : [{ sql: "instr(lower(name), ?) > 0", params: [term] }]),
  ];
  const ids = pageIds(db, "groups", "name", conditions, [], query.limit + 1);
  const found = ids.map((id) => getGroup(db, id)).filter((g): g is Group => g !== undefined);
  const rows = found.slice(0, query.limit);
  return { rows, next: found.length > query.limit ? rows.at(-1)!.name : null };
}

/** A membership and its user's username. */
export interface MemberRow {
  membership: Membership;
  username: string;
}

const readMember = rowReader("group member", { id: int, username: text });

/**
 * One page of a group's members whose username, name or e-mail starts with
 * the words of `query.q`, by username.
 *
 * @throws {RangeError} if the limit is out of range.
 */
export function searchGroupMembersPage(
  db: DatabaseSync,
  groupId: number,
  query: SearchQuery,
): SearchPage<MemberRow> {
  checkLimit(query.limit);
  const words = queryWords(query.q).map((w) => userWordCondition(w, "u.id"));
  const conditions: Condition[] = [
    { sql: "m.group_id = ?", params: [groupId] },
    ...(query.after === undefined ? [] : [{ sql: "u.username > ?", params: [query.after] }]),
    // The word conditions name the user's columns unqualified (only users has them).
    ...words,
  ];
  const found = prepared(
    db,
    `SELECT m.id AS id, u.username AS username FROM memberships m JOIN users u ON u.id = m.user_id
     WHERE ${conditions.map((c) => c.sql).join(" AND ")} ORDER BY u.username LIMIT ?`,
  ).all(...conditions.flatMap((c) => c.params), query.limit + 1).map(readMember);
  const rows = found.slice(0, query.limit).flatMap(({ id, username }) => {
    const membership = getMembership(db, id);
    return membership ? [{ membership, username }] : [];
  });
  return {
    rows,
    next: found.length > query.limit ? found[query.limit - 1]!.username : null,
  };
}

const readCount = rowReader("count", { n: int });

/** The number of members of a group (an index range count: about 1 ms per 40,000). */
export function countMembers(db: DatabaseSync, groupId: number): number {
  return readCount(
    prepared(db, "SELECT count(*) AS n FROM memberships WHERE group_id = ?").get(groupId),
  ).n;
}

function idCursor(after: string): number {
  if (!/^\d{1,15}$/.test(after)) throw new RangeError(`Cursor must be an id: "${after}"`);
  return Number(after);
}

/** Where a card query looks: card ids computed from a number or facility/number, a hex prefix. */
function cardBranches(word: string): Condition[] {
  const branches: Condition[] = [];
  const ids = new Set<string>();
  const fields = /^(\d{1,10})[/:](\d{1,20})$/.exec(word);
  if (fields) {
    const [facility, number] = [Number(fields[1]), BigInt(fields[2]!)];
    for (const format of FORMAT_CATALOGUE) {
      if (format.facility === null) continue;
      try {
        ids.add(cardIdFromFields(format, facility, number));
      } catch { /* does not fit this format */ }
    }
  } else if (/^\d{1,5}$/.test(word) && Number(word) < 65536) {
    for (let facility = 0; facility < 256; facility++) {
      ids.add(cardIdFromFields(H10301, facility, Number(word)));
    }
  }
  if (ids.size > 0) {
    branches.push({
      sql: "SELECT id FROM credentials WHERE card_id IN (SELECT value FROM json_each(?))",
      params: [JSON.stringify([...ids])],
    });
  }
  if (word.includes(":") && /^[0-9a-f]{1,2}(:[0-9a-f]{1,2})*:?$/.test(word)) {
    branches.push({
      sql: "SELECT id FROM credentials WHERE card_id >= ? AND card_id < ?",
      params: [word, prefixEnd(word)],
    });
  }
  return branches;
}
