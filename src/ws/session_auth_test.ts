import assert from "node:assert/strict";
import { openStore, type Store } from "../store/store.ts";
import { createToken, deleteToken, getTokenByHash, TOKEN_LIFETIME_MS } from "../store/tokens.ts";
import { createUser, updateUser, USER_RANK } from "../store/users.ts";
import { SessionAuth } from "./session_auth.ts";

const T0 = Date.UTC(2026, 0, 5, 12);

async function withStore(fn: (store: Store) => void): Promise<void> {
  const dir = await Deno.makeTempDir();
  const store = openStore(dir);
  try {
    fn(store);
  } finally {
    store.close();
    await Deno.remove(dir, { recursive: true });
  }
}

/** A SessionAuth logged in as a new user; returns it with the token hash and user id. */
function loggedIn(store: Store, now: number) {
  const user = createUser(store.db, { username: `u${crypto.randomUUID().slice(0, 8)}` });
  const { record } = createToken(store.db, user.id, now);
  const auth = new SessionAuth(store.db);
  auth.login(user.id, user.rank, {
    tokenHash: record.tokenHash,
    username: user.username,
    expiresAt: record.expiresAt,
    validity: user.validity,
  });
  return { auth, tokenHash: record.tokenHash, userId: user.id };
}

Deno.test("SessionAuth: a deleted token aborts the session at its next request, privileges included", () =>
  withStore((store) => {
    const { auth, tokenHash } = loggedIn(store, T0);
    assert.deepEqual(auth.check(T0 + 1000), { ok: true });
    deleteToken(store.db, tokenHash);
    const result = auth.check(T0 + 2000);
    assert.equal(result.ok, false);
    assert.match(!result.ok ? result.reason : "", /token no longer exists/);
    assert.equal(auth.actor, null);
    assert.equal(auth.tokenHash, null);
    assert.deepEqual(auth.check(T0 + 3000), { ok: true }, "a logged-out session passes");
  }));

Deno.test("SessionAuth: a disabled user is cut off, and its token deleted", () =>
  withStore((store) => {
    const { auth, tokenHash, userId } = loggedIn(store, T0);
    updateUser(store.db, userId, { validity: { enabled: false, start: null, end: null } });
    const result = auth.check(T0 + 1000);
    assert.match(!result.ok ? result.reason : "", /account is disabled/);
    assert.equal(getTokenByHash(store.db, tokenHash), undefined);
  }));

Deno.test("SessionAuth: a rank change is picked up; a push check never extends the token", () =>
  withStore((store) => {
    const { auth, tokenHash, userId } = loggedIn(store, T0);
    updateUser(store.db, userId, { rank: USER_RANK.MANAGER });
    const late = T0 + TOKEN_LIFETIME_MS - 30_000;
    assert.equal(auth.isAuthenticatedAt(late), true);
    assert.equal(auth.actor?.rank, USER_RANK.MANAGER);
    assert.equal(getTokenByHash(store.db, tokenHash)!.expiresAt, T0 + TOKEN_LIFETIME_MS);
    assert.equal(auth.isAuthenticatedAt(T0 + TOKEN_LIFETIME_MS + 1), false, "expired");
  }));

Deno.test("SessionAuth: a request near the end of the token's life extends it", () =>
  withStore((store) => {
    const { auth, tokenHash } = loggedIn(store, T0);
    const late = T0 + TOKEN_LIFETIME_MS - 30_000;
    assert.deepEqual(auth.check(late), { ok: true });
    assert.equal(getTokenByHash(store.db, tokenHash)!.expiresAt, late + TOKEN_LIFETIME_MS);
  }));
