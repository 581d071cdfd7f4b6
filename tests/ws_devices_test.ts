/**
 * gpio.*, libgpiod.gpio.*, wiegand-reader.*, led.* and buzzer.* over a real
 * server: success, not found, validation errors, permissions, audit rows.
 * wiegand-reader.* is in ws_devices_reader_test.ts, the end-to-end wiring
 * test in ws_devices_e2e_test.ts.
 */
import assert from "node:assert/strict";
import { AUDIT_EVENT, AUDIT_KIND } from "../src/store/audit.ts";
import { assertModelError, assertNotFound, failed, ok } from "./_crud_fixtures.ts";
import { createDevice, createGpio, startDeviceWorld } from "./_device_fixtures.ts";

const MISSING = "00000000-0000-4000-8000-000000000000";

function deviceAudit(
  db: import("node:sqlite").DatabaseSync,
  event: number,
): { data: string; before: string | null; after: string | null }[] {
  return db.prepare(
    `SELECT data, before, after FROM audit_events
     WHERE kind = ? AND (event_mask / ?) % 2 = 1 ORDER BY id`,
  ).all(AUDIT_KIND.DEVICE, 2 ** event) as unknown as {
    data: string;
    before: string | null;
    after: string | null;
  }[];
}

Deno.test("gpio.* and libgpiod.gpio.*: create, read, update, delete, audit", async () => {
  await using w = await startDeviceWorld();
  assert.deepEqual(ok(await w.admin.request("gpio.read", { gpio_id: 0 })).data, []);
  const created = ok(
    await w.admin.request("libgpiod.gpio.create", {
      attributes: {
        name: "strike",
        "device-class": 1,
        enabled: true,
        device: "/dev/gpiochip1",
        offset: 7,
        direction: 1,
        "default-value": false,
        "active-low": true,
        debounce: null,
        "interrupt-mode": null,
      },
    }),
  ).data;
  assert.match(created.id, /^[0-9a-f-]{36}$/);
  assert.deepEqual(created, {
    id: created.id,
    type: "libgpiod-gpio",
    attributes: {
      name: "strike",
      "device-class": 1,
      enabled: true,
      device: "/dev/gpiochip1",
      offset: 7,
      number: 7,
      direction: 1,
      "default-value": false,
      "active-low": true,
      debounce: 0,
      "interrupt-mode": "none",
      "fail-safe": false,
      version: 1,
    },
  });
  // Both families read the same rows; 0, "0" and null list them all.
  for (const [type, id] of [["gpio.read", 0], ["libgpiod.gpio.read", "0"], ["gpio.read", null]]) {
    assert.deepEqual(ok(await w.admin.request(type as string, { gpio_id: id })).data, [created]);
  }
  assert.deepEqual(
    ok(await w.supervisor.request("gpio.read", { gpio_id: created.id })).data,
    created,
  );

  // `number` is an alias of offset; absent attributes keep their value.
  const updated = ok(
    await w.admin.request("gpio.update", {
      gpio_id: created.id,
      attributes: { number: 9, direction: 0, debounce: 2000, "interrupt-mode": "both" },
    }),
  ).data;
  assert.equal(updated.attributes.offset, 9);
  assert.equal(updated.attributes.direction, 0);
  assert.equal(updated.attributes.debounce, 2000);
  assert.equal(updated.attributes["interrupt-mode"], "both");
  assert.equal(updated.attributes["active-low"], true);
  assert.equal(updated.attributes.device, "/dev/gpiochip1");
  // What the controller reads.
  const row = w.server.store.db.prepare("SELECT config FROM devices WHERE id = ?").get(created.id);
  assert.deepEqual(JSON.parse((row as { config: string }).config), {
    chip: "/dev/gpiochip1",
    offset: 9,
    direction: "in",
    default_value: false,
    active_low: true,
    debounce_us: 2000,
    interrupt_mode: "both",
  });

  assert.equal(ok(await w.admin.request("gpio.delete", { gpio_id: created.id })), null);
  assertNotFound(await w.admin.request("gpio.read", { gpio_id: created.id }), "gpio", created.id);

  const [c] = deviceAudit(w.server.store.db, AUDIT_EVENT.DEVICE_CREATED);
  assert.deepEqual(JSON.parse(c!.data), { device_id: created.id, device_type: "gpio" });
  assert.equal(c!.before, null);
  assert.equal(JSON.parse(c!.after!).name, "strike");
  const [u] = deviceAudit(w.server.store.db, AUDIT_EVENT.DEVICE_UPDATED);
  assert.equal(JSON.parse(u!.before!).config.offset, 7);
  assert.equal(JSON.parse(u!.after!).config.offset, 9);
  const [d] = deviceAudit(w.server.store.db, AUDIT_EVENT.DEVICE_DELETED);
  assert.equal(JSON.parse(d!.before!).config.offset, 9);
  assert.equal(d!.after, null);
});

Deno.test("gpio.*: validation errors name the attribute", async () => {
  await using w = await startDeviceWorld();
  const create = (attributes: Record<string, unknown>) =>
    w.admin.request("gpio.create", { attributes: { name: "g", offset: 1, ...attributes } });
  assert.match(assertModelError(await create({ name: "" }), "data/attributes/name"), /empty/);
  assertModelError(await create({ offset: null }), "data/attributes/offset");
  assertModelError(await create({ offset: -1 }), "data/attributes/offset");
  assertModelError(await create({ direction: 2 }), "data/attributes/direction");
  assertModelError(
    await create({ "interrupt-mode": "sideways" }),
    "data/attributes/interrupt-mode",
  );
  assertModelError(await create({ device: "../etc/passwd" }), "data/attributes/device");
  assertModelError(await create({ "active-low": "yes" }), "data/attributes/active-low");
  assertModelError(await create({ debounce: 5_000_000 }), "data/attributes/debounce");
  await createGpio(w.admin, "taken", 1, 0);
  assert.equal(
    assertModelError(await create({ name: "taken", offset: 2 }), "data/attributes/name"),
    "Device name already used",
  );
  // Two gpio devices cannot claim the same line of the same chip.
  assertModelError(
    await create({ name: "other", device: "/dev/gpiochip0" }),
    "data/attributes/offset",
  );
  ok(await create({ name: "other", device: "gpiochip1" }));
  failed(await w.admin.request("gpio.read", {}), 1); // key 'gpio_id' not found
  assertNotFound(
    await w.admin.request("gpio.update", { gpio_id: MISSING, attributes: {} }),
    "gpio",
    MISSING,
  );
  assertNotFound(await w.admin.request("gpio.delete", { gpio_id: MISSING }), "gpio", MISSING);
});

Deno.test("led.* and buzzer.*: output gpio, blink defaults, relationships", async () => {
  await using w = await startDeviceWorld();
  const out = await createGpio(w.admin, "led-line", 5, 1);
  const input = await createGpio(w.admin, "button", 6, 0);
  for (const family of ["led", "buzzer"] as const) {
    const id = await createDevice(w.admin, family, {
      name: `front-${family}`,
      "device-class": family === "led" ? 3 : 4,
      enabled: true,
      "default-blink-duration": null,
      "default-blink-speed": 250,
      gpio_id: family === "led" ? out : 0,
    });
    const read = ok(await w.supervisor.request(`${family}.read`, { [`${family}_id`]: id })).data;
    assert.deepEqual(read, {
      id,
      type: family,
      attributes: {
        name: `front-${family}`,
        "device-class": family === "led" ? 3 : 4,
        enabled: true,
        "default-blink-duration": 1000,
        "default-blink-speed": 250,
        version: 1,
      },
      relationships: {
        gpio: { data: family === "led" ? { id: out, type: "libgpiod-gpio" } : null },
      },
    });
    const key = `${family}_id`;
    assertModelError(
      await w.admin.request(`${family}.update`, { [key]: id, attributes: { gpio_id: input } }),
      "data/relationships/gpio",
    );
    assertModelError(
      await w.admin.request(`${family}.update`, { [key]: id, attributes: { gpio_id: MISSING } }),
      "data/relationships/gpio",
    );
    assertModelError(
      await w.admin.request(`${family}.update`, {
        [key]: id,
        attributes: { "default-blink-speed": -5 },
      }),
      "data/attributes/default-blink-speed",
    );
    assertNotFound(await w.admin.request(`${family}.read`, { [key]: MISSING }), family, MISSING);
    // A gpio id is not a led/buzzer id.
    assertNotFound(await w.admin.request(`${family}.read`, { [key]: out }), family, out);
    const all = ok(await w.admin.request(`${family}.read`, { [key]: "0" })).data;
    assert.deepEqual(all.map((d: { id: string }) => d.id), [id]);
  }
  // The LED's line is in use: no delete, no direction change.
  const detail = assertModelError(await w.admin.request("gpio.delete", { gpio_id: out }), "");
  assert.match(detail, /led "front-led"/);
  assertModelError(
    await w.admin.request("gpio.update", { gpio_id: out, attributes: { direction: 0 } }),
    "data/attributes/direction",
  );
  const led = ok(await w.admin.request("led.read", { led_id: 0 })).data[0].id;
  assert.equal(ok(await w.admin.request("led.delete", { led_id: led })), null);
  assert.equal(ok(await w.admin.request("gpio.delete", { gpio_id: out })), null);
});

Deno.test("device permissions: supervisor reads, admin writes; manager and user denied", async () => {
  await using w = await startDeviceWorld();
  const gpio = await createGpio(w.admin, "g", 0, 1);
  const led = await createDevice(w.admin, "led", { name: "l", gpio_id: gpio });
  const buzzer = await createDevice(w.admin, "buzzer", { name: "b" });
  const reader = await createDevice(w.admin, "wiegand-reader", { name: "r" });
  const families = [
    ["gpio", "gpio_id", gpio],
    ["libgpiod.gpio", "gpio_id", gpio],
    ["led", "led_id", led],
    ["buzzer", "buzzer_id", buzzer],
    ["wiegand-reader", "reader_id", reader],
  ] as const;
  for (const [family, key, id] of families) {
    ok(await w.supervisor.request(`${family}.read`, { [key]: id }));
    ok(await w.supervisor.request(`${family}.read`, { [key]: 0 }));
    for (const client of [w.user, w.manager]) {
      failed(await client.request(`${family}.read`, { [key]: id }), 2);
      failed(await client.request(`${family}.read`, { [key]: 0 }), 2);
    }
    for (const client of [w.manager, w.supervisor]) {
      failed(await client.request(`${family}.create`, { attributes: { name: "x", offset: 9 } }), 2);
      failed(await client.request(`${family}.update`, { [key]: id, attributes: { name: "y" } }), 2);
      failed(await client.request(`${family}.delete`, { [key]: id }), 2);
    }
  }
  // Nothing changed.
  assert.equal(ok(await w.admin.request("gpio.read", { gpio_id: 0 })).data.length, 1);
  assert.equal(ok(await w.admin.request("led.read", { led_id: led })).data.attributes.name, "l");
});
