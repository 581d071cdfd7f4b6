/**
 * Fixtures for the CRUD endpoint tests: a server with an administrator, a
 * rank-0 user and a rank-1 viewer, each on their own logged-in connection.
 *
 * @module
 */
import assert from "node:assert/strict";
import { createUserViaApi, startTestServer, TestClient, type TestServer } from "../src/testing.ts";
import type { ServerMessage } from "../src/ws/protocol.ts";

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

/** Asserts success and returns the content. */
// deno-lint-ignore no-explicit-any
export function ok(reply: ServerMessage): any {
  assert.equal(reply.status_code, 0, `expected success, got ${JSON.stringify(reply)}`);
  assert.equal(reply.status_string, "");
  return reply.content;
}

/** Asserts a status code and returns the content. */
// deno-lint-ignore no-explicit-any
export function failed(reply: ServerMessage, status: number): any {
  assert.equal(reply.status_code, status, `expected ${status}, got ${JSON.stringify(reply)}`);
  return reply.content;
}

/** Asserts ENTITY_NOT_FOUND for `entityType` and `entityId`. */
export function assertNotFound(reply: ServerMessage, entityType: string, entityId: unknown): void {
  assert.deepEqual(failed(reply, 8), { entity_id: String(entityId), entity_type: entityType });
}

/** Asserts a MODEL_EXCEPTION whose first error has `pointer`. */
export function assertModelError(reply: ServerMessage, pointer: string): string {
  const content = failed(reply, 11) as {
    errors: { detail: string; source: { pointer: string } }[];
  };
  assert.equal(content.errors[0]?.source.pointer, pointer);
  return content.errors[0]!.detail;
}

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
