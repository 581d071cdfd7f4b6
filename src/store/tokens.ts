/**
 * Session tokens, stored as SHA-256 hashes with a sliding expiry.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { hashToken, newToken } from "./secrets.ts";
import { prepared } from "./db.ts";
import { int, rowReader, text } from "./rows.ts";
import { bumpAuthEpoch } from "./auth_epoch.ts";

/** Leosac's sliding token lifetime: 20 minutes. */
export const TOKEN_LIFETIME_MS = 20 * 60 * 1000;

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

/** Creates a token for `userId`; returns the clear token (shown once) and its record. */
export function createToken(
  db: DatabaseSync,
  userId: number,
  nowMs: number,
): { token: string; record: TokenRecord } {
  const token = newToken();
  const record = {
    tokenHash: hashToken(token),
    userId,
    createdAt: nowMs,
    expiresAt: nowMs + TOKEN_LIFETIME_MS,
  };
  prepared(
    db,
    "INSERT INTO auth_tokens (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
  ).run(record.tokenHash, userId, nowMs, record.expiresAt);
  return { token, record };
}

/** Finds a token by its hash. */
export function getTokenByHash(db: DatabaseSync, tokenHash: string): TokenRecord | undefined {
  const row = prepared(db, "SELECT * FROM auth_tokens WHERE token_hash = ?").get(tokenHash);
  return row && toRecord(row);
}

/** Finds a clear token. */
export function findToken(db: DatabaseSync, token: string): TokenRecord | undefined {
  return getTokenByHash(db, hashToken(token));
}

/** Pushes a token's expiry to now + lifetime. False if the token no longer exists. */
export function refreshToken(db: DatabaseSync, tokenHash: string, nowMs: number): boolean {
  return Number(
    prepared(db, "UPDATE auth_tokens SET expires_at = ? WHERE token_hash = ?")
      .run(nowMs + TOKEN_LIFETIME_MS, tokenHash).changes,
  ) > 0;
}

/** Deletes one token. */
export function deleteToken(db: DatabaseSync, tokenHash: string): void {
  bumpAuthEpoch();
  prepared(db, "DELETE FROM auth_tokens WHERE token_hash = ?").run(tokenHash);
}

/** Deletes every token of a user except `keepHash`. */
export function deleteUserTokens(db: DatabaseSync, userId: number, keepHash?: string): void {
  bumpAuthEpoch();
  prepared(db, "DELETE FROM auth_tokens WHERE user_id = ? AND token_hash != ?")
    .run(userId, keepHash ?? "");
}

/** Deletes expired tokens; returns how many. */
export function purgeExpiredTokens(db: DatabaseSync, nowMs: number): number {
  bumpAuthEpoch();
  return Number(prepared(db, "DELETE FROM auth_tokens WHERE expires_at < ?").run(nowMs).changes);
}
