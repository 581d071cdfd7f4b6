/**
 * Fixtures for the group, membership, credential and search tests: a server
 * with an administrator, a rank-0 user and a rank-1 viewer, each on their own
 * logged-in connection, plus reply assertions.
 *
 * @module
 */
import { DatabaseSync } from "node:sqlite";
import { createUserViaApi, startTestServer, TestClient, type TestServer } from "../src/testing.ts";
import { assertModelError, assertNotFound, failed, ok } from "./_replies.ts";

/** A server with three logged-in connections. */
export interface World extends AsyncDisposable {
  server: TestServer;
  admin: TestClient;
  /** `alice`, rank 0. */
  user: TestClient;
  userId: number;
  /** `victor`, rank 1. */
  viewer: TestClient;
  viewerId: number;
  /** Creates a user (through the API) and returns a logged-in connection, closed with the world. */
  connectAs(username: string, rank: number): Promise<{ id: number; client: TestClient }>;
}

/** Starts a server and logs in admin, `alice` (rank 0) and `victor` (rank 1). */
export async function startWorld(): Promise<World> {
  const server = await startTestServer();
  const clients: TestClient[] = [];
  const admin = await TestClient.connect(server.wsUrl);
  clients.push(admin);
  await admin.login();
  async function connectAs(
    username: string,
    rank: number,
  ): Promise<{ id: number; client: TestClient }> {
    const id = await createUserViaApi(admin, username, rank);
    const client = await TestClient.connect(server.wsUrl);
    clients.push(client);
    await client.login(username, "password-" + username);
    return { id, client };
  }
  const alice = await connectAs("alice", 0);
  const victor = await connectAs("victor", 1);
  return {
    server,
    admin,
    user: alice.client,
    userId: alice.id,
    viewer: victor.client,
    viewerId: victor.id,
    connectAs,
    async [Symbol.asyncDispose]() {
      for (const client of clients.reverse()) await client.close();
      await server.close();
    },
  };
}

export { assertModelError, assertNotFound, failed, ok };

/** One row of `audit_events`. */
export interface AuditRow {
  id: number;
  kind: string;
  event_mask: number;
  author_id: number | null;
  description: string;
  target_id: number | null;
  target2_id: number | null;
  before: string | null;
  after: string | null;
  data: string;
}

/**
 * Reads `audit_events` from the database file through a separate connection
 * (after writing the buffered API-call rows: every reply already received
 * was sent after its row was buffered).
 */
export function readAuditRows(server: TestServer): Promise<AuditRow[]> {
  server.app.deps.audit.flush();
  const db = new DatabaseSync(server.store.databasePath, { readOnly: true });
  try {
    return Promise.resolve(
      db.prepare("SELECT * FROM audit_events ORDER BY id").all() as unknown as AuditRow[],
    );
  } finally {
    db.close();
  }
}
