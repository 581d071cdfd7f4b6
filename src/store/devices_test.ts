import assert from "node:assert/strict";
import { openTempDatabase } from "./_test_db.ts";
import { isCheckViolation, isUniqueViolation } from "./constraint.ts";
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

Deno.test("createDevice() stores a device with a UUID and a JSON config", () => {
  using t = openTempDatabase();
  const config = { chip: "gpiochip0", line: 17, direction: "out", nested: { a: [1, 2] } };
  const device = createDevice(t.db, { name: "strike", type: "gpio", config });
  assert.match(device.id, UUID);
  assert.deepEqual(device, {
    id: device.id,
    name: "strike",
    type: "gpio",
    deviceClass: DEVICE_CLASS.GPIO,
    enabled: true,
    config,
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
  assert.deepEqual(device.config, {});
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
    isCheckViolation,
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
  const device = createDevice(t.db, { name: "g", type: "gpio", config: { line: 1, chip: "c" } });
  const updated = updateDevice(t.db, device.id, { enabled: false, config: { line: 2 } });
  assert.deepEqual(updated, { ...device, enabled: false, config: { line: 2 } });
  assert.equal(updateDevice(t.db, device.id, { name: "h" })?.enabled, false);
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
