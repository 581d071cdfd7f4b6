/**
 * Session tokens, stored as SHA-256 hashes with a sliding expiry.
 *
 * **On a full disk** (issue 14) logging in and staying logged in must not
 * depend on a write. {@linkcode createToken} first asks its caller to make
 * room (the disk reserve) and tries again; if the row still cannot be
 * stored, the token is kept in this process's memory only (at most
 * {@linkcode MAX_MEMORY_TOKENS}): it works like a stored one until it
 * expires or the process stops. An extension ({@linkcode refreshToken}) or a
 * deletion ({@linkcode deleteToken}) the disk refuses is kept in memory the
 * same way and overrides the stored row. Inside a transaction nothing is
 * swallowed: the caller's change fails as a whole.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { logger } from "../log.ts";
import { hashToken, newToken } from "./secrets.ts";
import { prepared } from "./db.ts";
import { int, rowReader, text } from "./rows.ts";
import { bumpAuthEpoch } from "./auth_epoch.ts";
import { isDiskFullError } from "./disk_reserve.ts";

const log = logger("store");

/** Leosac's sliding token lifetime: 20 minutes. */
export const TOKEN_LIFETIME_MS = 20 * 60 * 1000;
/** Tokens (and refused extensions or deletions) kept in memory per database; the oldest go beyond. */
export const MAX_MEMORY_TOKENS = 1000;

/** What the disk refused, per connection: a record (kept or extended) or null (deleted). */
const MEMORY = new WeakMap<DatabaseSync, Map<string, TokenRecord | null>>();

function memoryOf(db: DatabaseSync): Map<string, TokenRecord | null> {
  let map = MEMORY.get(db);
  if (map === undefined) MEMORY.set(db, map = new Map());
  return map;
}

/** Keeps what the disk refused (a write outside a transaction only); false when it must throw. */
function remember(
  db: DatabaseSync,
  error: unknown,
  tokenHash: string,
  value: TokenRecord | null,
): boolean {
  if (db.isTransaction || !isDiskFullError(error)) return false;
  const map = memoryOf(db);
  map.delete(tokenHash);
  map.set(tokenHash, value);
  if (map.size > MAX_MEMORY_TOKENS) map.delete(map.keys().next().value!);
  return true;
}

/** A stored token (its hash, never the token itself). */
export interface TokenRecord {
  tokenHash: string;
  userId: number;
  createdAt: number;
  expiresAt: number;
}

const readToken = rowReader("auth_tokens", {
  token_hash: text,
  user_id: int,
  created_at: int,
  expires_at: int,
});

function toRecord(raw: unknown): TokenRecord {
  const row = readToken(raw);
  return {
    tokenHash: row.token_hash,
    userId: row.user_id,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
  };
}

/** Options of {@linkcode createToken}. */
export interface CreateTokenOptions {
  /**
   * Called once when the disk is full: makes room (releases the disk
   * reserve) and returns true if it did, and the row is tried again.
   */
  makeRoom?: () => boolean;
}

/**
 * Creates a token for `userId`; returns the clear token (shown once), its
 * record, and whether its row is stored (false: kept in memory only, the
 * disk being full; see the module documentation).
 */
export function createToken(
  db: DatabaseSync,
  userId: number,
  nowMs: number,
  options: CreateTokenOptions = {},
): { token: string; record: TokenRecord; stored: boolean } {
  const token = newToken();
  const record = {
    tokenHash: hashToken(token),
    userId,
    createdAt: nowMs,
    expiresAt: nowMs + TOKEN_LIFETIME_MS,
  };
  const insert = (): void => {
    prepared(
      db,
      "INSERT INTO auth_tokens (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
    ).run(record.tokenHash, userId, nowMs, record.expiresAt);
  };
  try {
    insert();
    return { token, record, stored: true };
  } catch (error) {
    if (!isDiskFullError(error) || db.isTransaction) throw error;
    let last: unknown = error;
    if (options.makeRoom?.()) {
      try {
        insert();
        return { token, record, stored: true };
      } catch (again) {
        if (!isDiskFullError(again)) throw again;
        last = again;
      }
    }
    remember(db, last, record.tokenHash, record);
    log.warn("The disk is full: a login token of user {user} is kept in memory only", {
      user: userId,
    });
    return { token, record, stored: false };
  }
}

/** Finds a token by its hash (what the disk refused to store counts too). */
export function getTokenByHash(db: DatabaseSync, tokenHash: string): TokenRecord | undefined {
  const remembered = MEMORY.get(db)?.get(tokenHash);
  if (remembered !== undefined) return remembered ?? undefined;
  const row = prepared(db, "SELECT * FROM auth_tokens WHERE token_hash = ?").get(tokenHash);
  return row && toRecord(row);
}

/** Finds a clear token. */
export function findToken(db: DatabaseSync, token: string): TokenRecord | undefined {
  return getTokenByHash(db, hashToken(token));
}

/**
 * Pushes a token's expiry to now + lifetime. False if the token no longer
 * exists. On a full disk the new expiry is kept in memory.
 */
export function refreshToken(db: DatabaseSync, tokenHash: string, nowMs: number): boolean {
  const expiresAt = nowMs + TOKEN_LIFETIME_MS;
  const memory = MEMORY.get(db);
  const remembered = memory?.get(tokenHash);
  if (remembered === null) return false;
  if (remembered !== undefined) {
    memory!.set(tokenHash, { ...remembered, expiresAt });
    return true;
  }
  try {
    return Number(
      prepared(db, "UPDATE auth_tokens SET expires_at = ? WHERE token_hash = ?")
        .run(expiresAt, tokenHash).changes,
    ) > 0;
  } catch (error) {
    const record = getTokenByHash(db, tokenHash);
    if (record === undefined) return false;
    if (!remember(db, error, tokenHash, { ...record, expiresAt })) throw error;
    return true;
  }
}

/** Deletes one token. On a full disk the deletion is kept in memory. */
export function deleteToken(db: DatabaseSync, tokenHash: string): void {
  bumpAuthEpoch();
  try {
    prepared(db, "DELETE FROM auth_tokens WHERE token_hash = ?").run(tokenHash);
    MEMORY.get(db)?.delete(tokenHash);
  } catch (error) {
    if (!remember(db, error, tokenHash, null)) throw error;
  }
}

/** Deletes every token of a user except `keepHash` (those kept in memory too). */
export function deleteUserTokens(db: DatabaseSync, userId: number, keepHash?: string): void {
  bumpAuthEpoch();
  prepared(db, "DELETE FROM auth_tokens WHERE user_id = ? AND token_hash != ?")
    .run(userId, keepHash ?? "");
  const memory = MEMORY.get(db);
  if (memory === undefined) return;
  for (const [hash, record] of memory) {
    if (record !== null && record.userId === userId && hash !== keepHash) memory.set(hash, null);
  }
}

/** Deletes expired tokens; returns how many. A full disk deletes none (they stay expired). */
export function purgeExpiredTokens(db: DatabaseSync, nowMs: number): number {
  bumpAuthEpoch();
  const memory = MEMORY.get(db);
  if (memory !== undefined) {
    for (const [hash, record] of memory) {
      if (record !== null && record.expiresAt < nowMs) memory.delete(hash);
    }
  }
  try {
    return Number(prepared(db, "DELETE FROM auth_tokens WHERE expires_at < ?").run(nowMs).changes);
  } catch (error) {
    if (db.isTransaction || !isDiskFullError(error)) throw error;
    log.warn("The disk is full: expired tokens stay until there is room");
    return 0;
  }
}
