/**
 * Fixtures for the device endpoint tests: a server (optionally with the sim
 * controller) with an administrator, a supervisor (rank 3), a manager
 * (rank 2) and a user (rank 0), each on their own connection, and helpers
 * that create devices over the API.
 *
 * @module
 */
import { createUserViaApi, startTestServer, TestClient, type TestServer } from "../src/testing.ts";
import { ok } from "./_crud_fixtures.ts";

/** A server and four logged-in connections. */
export interface DeviceWorld extends AsyncDisposable {
  server: TestServer;
  admin: TestClient;
  supervisor: TestClient;
  manager: TestClient;
  user: TestClient;
}

/** Starts the world; `hardware: "sim"` adds a real controller worker on the sim chip. */
export async function startDeviceWorld(options: { hardware?: "sim" } = {}): Promise<DeviceWorld> {
  const server = await startTestServer(options.hardware === undefined ? {} : { hardware: "sim" });
  const admin = await TestClient.connect(server.wsUrl);
  await admin.login();
  const clients: TestClient[] = [];
  for (const [name, rank] of [["sam", 3], ["mona", 2], ["ursula", 0]] as const) {
    await createUserViaApi(admin, name, rank);
    const client = await TestClient.connect(server.wsUrl);
    await client.login(name, `password-${name}`);
    clients.push(client);
  }
  const [supervisor, manager, user] = clients as [TestClient, TestClient, TestClient];
  return {
    server,
    admin,
    supervisor,
    manager,
    user,
    async [Symbol.asyncDispose]() {
      for (const client of [...clients, admin]) await client.close();
      await server.close();
    },
  };
}

/** Creates a gpio over `gpio.create`; returns its id. */
export async function createGpio(
  client: TestClient,
  name: string,
  offset: number,
  direction: 0 | 1,
  extra: Record<string, unknown> = {},
): Promise<string> {
  const reply = await client.request("gpio.create", {
    attributes: { name, "device-class": 1, enabled: true, offset, direction, ...extra },
  });
  return ok(reply).data.id;
}

/** Creates a device of `family` (`led`, `buzzer`, `wiegand-reader` …); returns its id. */
export async function createDevice(
  client: TestClient,
  family: string,
  attributes: Record<string, unknown>,
): Promise<string> {
  return ok(await client.request(`${family}.create`, { attributes })).data.id;
}
