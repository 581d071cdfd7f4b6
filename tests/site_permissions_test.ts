/**
 * Two real controllers (`main.ts serve --site … --site-user …`) on a NATS
 * server that enforces, for each of them, the permissions of
 * `deploy/nats-server.conf` ({@linkcode controllerPermissions}): founding,
 * joining from a snapshot, policy written on one and effective on the other,
 * a door opened across the site, and events read site-wide all work within
 * them, and the server reports no permission violation. The rules
 * themselves are proven with a bare client in `nats_permissions_test.ts`;
 * this proves the controller needs nothing more.
 *
 * Skipped without /usr/sbin/nats-server unless LEOSAC_REQUIRE_NATS=1.
 *
 * @module
 */
import assert from "node:assert/strict";
import { ok } from "./_crash_fixtures.ts";
import { controllerPermissions, skipWithoutNats, startNats } from "./_nats.ts";
import {
  caughtUp,
  type Controller,
  count,
  createCardholder,
  present,
  startController,
  until,
  wireDoor,
} from "./_site_fixtures.ts";
import { DEFAULT_SITE_NAME } from "../src/site/names.ts";

const ignore = skipWithoutNats("tests/site_permissions_test.ts");

const password = (controller: string) => `nats-pw-of-${controller}-1`;

Deno.test({
  name:
    "controllers under their deploy permissions found, join, replicate, open doors and share events",
  ignore,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const root = await Deno.makeTempDir({ prefix: "leosac-site-perm-" });
    await using nats = await startNats({
      users: ["A", "B"].map((controller) => ({
        user: controller,
        password: password(controller),
        permissions: controllerPermissions(DEFAULT_SITE_NAME, controller),
      })),
    });
    const controllers: Controller[] = [];
    try {
      for (const name of ["A", "B"]) {
        const started = await startController(
          nats,
          root,
          name,
          nats.urls.join(","),
          ["--site-user", name, "--site-password-env", "LEOSAC_TEST_NATS_PASSWORD"],
          { LEOSAC_TEST_NATS_PASSWORD: password(name) },
        );
        controllers.push({ name, ...started, ...await wireDoor(started.admin, name) });
      }
      const [a, b] = controllers as [Controller, Controller];

      // Policy written on A (four changes) decides at B's door.
      await createCardholder(a.admin, "ann", 2001, [b.door]);
      await caughtUp(b, a);
      assert.equal(await present(b, 2001), true);
      assert.equal(await present(b, 2002), false);

      // A door command from A to B's door: a request, and its reply in A's own inbox.
      const doorRows = "SELECT count(*) FROM audit_events WHERE kind LIKE '%Door%'";
      const before = count(b, doorRows);
      assert.deepEqual(ok(await a.admin.request("door.open", { door_id: b.door })), {
        door_id: b.door,
        opened: true,
      });
      await until("B recorded the remote open", () => count(b, doorRows) > before);

      // B's events reach A through the site's event stream.
      await until(
        "A holds B's access decisions",
        () =>
          count(
            a,
            "SELECT count(*) FROM site_events WHERE controller = 'B' AND kind = 'Leosac::Audit::AuthEvent'",
          ) === 2,
      );
      const page = ok(
        await a.admin.request("audit.get", { site: true, controller: "B", page: 1, page_size: 50 }),
      );
      assert.ok((page.data as unknown[]).length >= 2);

      // Both controllers' status: connected to the site.
      for (const c of controllers) {
        const health = await (await fetch(new URL("/healthz", c.server.url))).json();
        assert.equal(health.site?.connected, true, c.name);
      }
      for (const c of controllers) {
        assert.doesNotMatch(c.server.output, /Permissions Violation|permission/i, c.name);
      }
    } finally {
      for (const c of controllers) {
        await c.admin.close().catch(() => {});
        await c.server.stop("SIGTERM").catch(() => {});
      }
      await Deno.remove(root, { recursive: true }).catch(() => {});
    }
  },
});

Deno.test({
  name:
    "a controller whose NATS password is refused says so and keeps retrying (it does not crash)",
  ignore,
  async fn() {
    const root = await Deno.makeTempDir({ prefix: "leosac-site-refused-" });
    await using nats = await startNats({
      users: [{
        user: "A",
        password: password("A"),
        permissions: controllerPermissions(DEFAULT_SITE_NAME, "A"),
      }],
    });
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        new URL("../main.ts", import.meta.url).pathname,
        "serve",
        "--data",
        root,
        "--listen",
        "127.0.0.1:0",
        "--site",
        nats.urls.join(","),
        "--controller",
        "A",
        "--site-user",
        "A",
        "--site-password-env",
        "LEOSAC_TEST_NATS_PASSWORD",
      ],
      env: {
        LEOSAC_ADMIN_PASSWORD: "refused-admin-pw-1",
        LEOSAC_TEST_NATS_PASSWORD: "not-the-password",
        NO_COLOR: "1",
      },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    let output = "";
    const drained = Promise.all([child.stdout, child.stderr].map(async (stream) => {
      for await (const chunk of stream.pipeThrough(new TextDecoderStream())) output += chunk;
    }));
    let exited = false;
    child.status.then(() => exited = true);
    try {
      await until(
        "two refused logins",
        () => exited || output.match(/Authorization Violation/g)?.length === 2,
        30_000,
      );
      assert.equal(exited, false, output);
      assert.doesNotMatch(output, /Uncaught|ECONNRESET/, output);
      assert.doesNotMatch(output, /not-the-password/, "the password is never printed");
    } finally {
      try {
        child.kill("SIGKILL");
      } catch { /* exited */ }
      await child.status;
      await drained;
      await Deno.remove(root, { recursive: true });
    }
  },
});
