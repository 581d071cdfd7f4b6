/**
 * Fixtures for the CRUD endpoint tests: a server with an administrator, a
 * rank-0 user and a rank-1 viewer, each on their own logged-in connection.
 *
 * @module
 */
import { createUserViaApi, startTestServer, TestClient, type TestServer } from "../src/testing.ts";
import { assertModelError, assertNotFound, failed, ok } from "./_replies.ts";

/** A server with three logged-in connections. */
export interface CrudWorld extends AsyncDisposable {
  server: TestServer;
  admin: TestClient;
  /** Rank 0. */
  user: TestClient;
  userId: number;
  /** Rank 1. */
  viewer: TestClient;
  viewerId: number;
}

/** Starts a server and logs in admin, `alice` (rank 0) and `victor` (rank 1). */
export async function startCrudWorld(): Promise<CrudWorld> {
  const server = await startTestServer();
  const admin = await TestClient.connect(server.wsUrl);
  await admin.login();
  const userId = await createUserViaApi(admin, "alice", 0);
  const viewerId = await createUserViaApi(admin, "victor", 1);
  const user = await TestClient.connect(server.wsUrl);
  await user.login("alice", "password-alice");
  const viewer = await TestClient.connect(server.wsUrl);
  await viewer.login("victor", "password-victor");
  return {
    server,
    admin,
    user,
    userId,
    viewer,
    viewerId,
    async [Symbol.asyncDispose]() {
      await user.close();
      await viewer.close();
      await admin.close();
      await server.close();
    },
  };
}

export { assertModelError, assertNotFound, failed, ok };

/** The audit rows of `kind` with bit `event` set, oldest first, as (target, mask) pairs. */
export function auditRows(
  server: TestServer,
  kind: string,
  event: number,
): { target_id: number; before: string | null; after: string | null }[] {
  return server.store.db.prepare(
    `SELECT target_id, before, after FROM audit_events
     WHERE kind = ? AND (event_mask / ?) % 2 = 1 ORDER BY id`,
  ).all(kind, 2 ** event) as unknown as {
    target_id: number;
    before: string | null;
    after: string | null;
  }[];
}
