import assert from "node:assert/strict";
import { StoreError } from "../errors.ts";
import { openTempDatabase } from "./_test_db.ts";
import { isCheckViolation, isUniqueViolation } from "./constraint.ts";
import { DEVICE_DEFAULTS } from "./device_config.ts";
import {
  createDevice,
  deleteDevice,
  DEVICE_CLASS,
  deviceClassOf,
  type DeviceType,
  getDevice,
  getDeviceByName,
  listDevices,
  listDevicesByType,
  searchDevices,
  updateDevice,
} from "./devices.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

Deno.test("deviceClassOf() maps each type to its Leosac device class", () => {
  assert.equal(deviceClassOf("gpio"), DEVICE_CLASS.GPIO);
  assert.equal(deviceClassOf("wiegand-reader"), 2);
  assert.equal(deviceClassOf("led"), 3);
  assert.equal(deviceClassOf("buzzer"), 4);
});

Deno.test("createDevice() stores a device with a UUID and a typed config", () => {
  using t = openTempDatabase();
  const device = createDevice(t.db, {
    name: "strike",
    type: "gpio",
    config: { chip: "gpiochip1", offset: 17, direction: "out", fail_safe: true, unknown: 1 },
  });
  assert.match(device.id, UUID);
  assert.deepEqual(device, {
    id: device.id,
    name: "strike",
    type: "gpio",
    deviceClass: DEVICE_CLASS.GPIO,
    enabled: true,
    version: 1,
    controller: null,
    config: {
      ...DEVICE_DEFAULTS.gpio,
      chip: "gpiochip1",
      offset: 17,
      direction: "out",
      failSafe: true,
    },
  });
  // Stored in the canonical spelling, every key written, unknown keys dropped.
  const row = t.db.prepare("SELECT config FROM devices WHERE id = ?").get(device.id) as {
    config: string;
  };
  assert.deepEqual(JSON.parse(row.config), {
    chip: "gpiochip1",
    offset: 17,
    direction: "out",
    default_value: false,
    active_low: false,
    debounce_us: 0,
    interrupt_mode: "none",
    fail_safe: true,
  });
  assert.deepEqual(getDevice(t.db, device.id), device);
  assert.deepEqual(getDeviceByName(t.db, "strike"), device);
  assert.equal(getDevice(t.db, "missing"), undefined);
  assert.equal(getDeviceByName(t.db, "missing"), undefined);
});

Deno.test("createDevice() keeps a given id, class and enabled flag", () => {
  using t = openTempDatabase();
  const id = crypto.randomUUID();
  const device = createDevice(t.db, {
    id,
    name: "r",
    type: "wiegand-reader",
    deviceClass: DEVICE_CLASS.UNKNOWN,
    enabled: false,
  });
  assert.equal(device.id, id);
  assert.equal(device.deviceClass, 0);
  assert.equal(device.enabled, false);
  assert.deepEqual(device.config, DEVICE_DEFAULTS["wiegand-reader"]);
});

Deno.test("createDevice() rejects a config value of the wrong type, naming the key", () => {
  using t = openTempDatabase();
  assert.throws(
    () => createDevice(t.db, { name: "g", type: "gpio", config: { offset: "7" } }),
    (e) => e instanceof StoreError && /"offset": expected a non-negative integer/.test(e.message),
  );
  assert.throws(
    () => createDevice(t.db, { name: "r", type: "wiegand-reader", config: { mode: "FAST" } }),
    /"mode": expected one of SIMPLE_WIEGAND/,
  );
  assert.deepEqual(listDevices(t.db), []);
});

Deno.test("a stored row with a bad config names the device and the key", () => {
  using t = openTempDatabase();
  const device = createDevice(t.db, { name: "led", type: "led" });
  t.db.prepare("UPDATE devices SET config = ? WHERE id = ?").run('{"gpio_id": 5}', device.id);
  assert.throws(
    () => getDevice(t.db, device.id),
    new RegExp(`devices.config of device ${device.id}: .*"gpio_id": expected a non-empty string`),
  );
  t.db.prepare("UPDATE devices SET enabled = 2 WHERE id = ?").run(device.id);
  assert.throws(() => listDevices(t.db), /devices\.enabled: expected 0 or 1, got number 2/);
});

Deno.test("createDevice() rejects a duplicate name", () => {
  using t = openTempDatabase();
  createDevice(t.db, { name: "led1", type: "led" });
  assert.throws(() => createDevice(t.db, { name: "led1", type: "buzzer" }), isUniqueViolation);
});

Deno.test("createDevice() rejects an empty name and an unknown type", () => {
  using t = openTempDatabase();
  assert.throws(() => createDevice(t.db, { name: "", type: "led" }), isCheckViolation);
  assert.throws(
    () => createDevice(t.db, { name: "x", type: "relay" as DeviceType }),
    /Unknown device type "relay"/,
  );
  assert.deepEqual(listDevices(t.db), []);
});

Deno.test("listDevicesByType() filters by type and sorts by name", () => {
  using t = openTempDatabase();
  createDevice(t.db, { name: "b-gpio", type: "gpio" });
  createDevice(t.db, { name: "led", type: "led" });
  createDevice(t.db, { name: "a-gpio", type: "gpio" });
  assert.deepEqual(listDevicesByType(t.db, "gpio").map((d) => d.name), ["a-gpio", "b-gpio"]);
  assert.deepEqual(listDevicesByType(t.db, "buzzer"), []);
  assert.deepEqual(listDevices(t.db).map((d) => d.name), ["a-gpio", "b-gpio", "led"]);
});

Deno.test("updateDevice() applies a patch and replaces the config", () => {
  using t = openTempDatabase();
  const device = createDevice(t.db, { name: "g", type: "gpio", config: { offset: 1, chip: "c" } });
  const updated = updateDevice(t.db, device.id, { enabled: false, config: { offset: 2 } });
  assert.deepEqual(updated, {
    ...device,
    enabled: false,
    version: 2,
    config: { ...DEVICE_DEFAULTS.gpio, offset: 2 },
  });
  const renamed = updateDevice(t.db, device.id, { name: "h" });
  assert.equal(renamed?.enabled, false);
  assert.deepEqual(renamed?.config, updated?.config);
  assert.equal(updateDevice(t.db, "missing", { name: "x" }), undefined);
  createDevice(t.db, { name: "taken", type: "led" });
  assert.throws(() => updateDevice(t.db, device.id, { name: "taken" }), isUniqueViolation);
  assert.throws(() => updateDevice(t.db, device.id, { name: "" }), isCheckViolation);
});

Deno.test("deleteDevice() removes the device", () => {
  using t = openTempDatabase();
  const device = createDevice(t.db, { name: "g", type: "gpio" });
  assert.equal(deleteDevice(t.db, device.id), true);
  assert.equal(deleteDevice(t.db, device.id), false);
  assert.equal(getDevice(t.db, device.id), undefined);
});

Deno.test("searchDevices() matches a case-insensitive substring of the name", () => {
  using t = openTempDatabase();
  createDevice(t.db, { name: "Front-Reader", type: "wiegand-reader" });
  createDevice(t.db, { name: "back_reader", type: "wiegand-reader" });
  createDevice(t.db, { name: "strike", type: "gpio" });
  assert.deepEqual(searchDevices(t.db, "READER").map((d) => d.name), [
    "Front-Reader",
    "back_reader",
  ]);
  assert.deepEqual(searchDevices(t.db, "%"), []);
});
