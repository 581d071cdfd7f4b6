/**
 * wiegand-reader.* over a real server: mode, D0/D1, LED and buzzer
 * references, catalogue and administrator formats, in-use rules.
 */
import assert from "node:assert/strict";
import { assertModelError, assertNotFound, ok } from "./_crud_fixtures.ts";
import { createDevice, createGpio, startDeviceWorld } from "./_device_fixtures.ts";

const MISSING = "00000000-0000-4000-8000-000000000000";

Deno.test("wiegand-reader.*: mode, lines, LED, buzzer, formats", async () => {
  await using w = await startDeviceWorld();
  const d0 = await createGpio(w.admin, "d0", 0, 0);
  const d1 = await createGpio(w.admin, "d1", 1, 0);
  const out = await createGpio(w.admin, "out", 2, 1);
  const led = await createDevice(w.admin, "led", { name: "led", gpio_id: out });
  const site26 = {
    name: "site-26",
    length: 26,
    facility: { start: 1, length: 8 },
    number: { start: 9, length: 16 },
    parity: [
      { bit: 0, kind: "even", start: 1, length: 12 },
      { bit: 25, kind: "odd", start: 13, length: 12 },
    ],
  };
  const created = ok(
    await w.admin.request("wiegand-reader.create", {
      attributes: {
        name: "front",
        "device-class": 2,
        enabled: true,
        mode: "WIEGAND_CARD_PIN_4BITS",
        gpio_low_id: d0,
        gpio_high_id: d1,
        green_led_id: led,
        buzzer_id: "0",
        formats: ["h10301", site26],
        "silence-timeout": 30,
        "fixed-length": 26,
      },
    }),
  ).data;
  assert.deepEqual(created, {
    id: created.id,
    type: "wiegand-reader",
    attributes: {
      name: "front",
      "device-class": 2,
      enabled: true,
      mode: "WIEGAND_CARD_PIN_4BITS",
      formats: ["H10301", site26],
      "silence-timeout": 30,
      "fixed-length": 26,
      version: 1,
    },
    relationships: {
      "gpio-high": { data: { id: d1, type: "libgpiod-gpio" } },
      "gpio-low": { data: { id: d0, type: "libgpiod-gpio" } },
      "green-led": { data: { id: led, type: "led" } },
      buzzer: { data: null },
    },
  });
  const rid = created.id;
  const update = (attributes: Record<string, unknown>) =>
    w.admin.request("wiegand-reader.update", { reader_id: rid, attributes });
  assertModelError(await update({ mode: "MAGIC" }), "data/attributes/mode");
  assertModelError(await update({ gpio_low_id: out }), "data/relationships/gpio-low");
  assertModelError(await update({ gpio_high_id: MISSING }), "data/relationships/gpio-high");
  assertModelError(await update({ gpio_high_id: d0 }), "data/relationships/gpio-high");
  assertModelError(await update({ green_led_id: d0 }), "data/relationships/green-led");
  assertModelError(await update({ buzzer_id: led }), "data/relationships/buzzer");
  assertModelError(await update({ formats: ["H99999"] }), "data/attributes/formats/0");
  assertModelError(await update({ formats: "H10301" }), "data/attributes/formats");
  const badParity = { ...site26, parity: [{ bit: 3, kind: "even", start: 1, length: 12 }] };
  const detail = assertModelError(
    await update({ formats: ["H10301", badParity] }),
    "data/attributes/formats/1/parity/0/bit",
  );
  assert.match(detail, /inside a data field/);
  assertModelError(
    await update({ formats: [{ ...site26, number: { start: 9 } }] }),
    "data/attributes/formats/0/number/length",
  );
  assertModelError(await update({ "silence-timeout": 0 }), "data/attributes/silence-timeout");
  assertModelError(await update({ name: "d0" }), "data/attributes/name");

  const cleared = ok(
    await update({ mode: "AUTODETECT", green_led_id: null, formats: null, "fixed-length": null }),
  ).data;
  assert.equal(cleared.attributes.mode, "AUTODETECT");
  assert.deepEqual(cleared.attributes.formats, []);
  assert.equal(cleared.attributes["fixed-length"], null);
  assert.deepEqual(cleared.relationships["green-led"], { data: null });
  assert.deepEqual(cleared.relationships["gpio-low"], { data: { id: d0, type: "libgpiod-gpio" } });

  // The reader's lines are in use; an input used as D0 cannot become an output.
  assert.match(assertModelError(await w.admin.request("gpio.delete", { gpio_id: d0 }), ""), /D0/);
  assertModelError(
    await w.admin.request("gpio.update", { gpio_id: d1, attributes: { direction: 1 } }),
    "data/attributes/direction",
  );
  // An access point using the reader keeps it from being deleted.
  const ap = ok(
    await w.admin.request("access_point.create", {
      attributes: { alias: "ap", "controller-module": "LEOSAC-BUILTIN-ACCESS-POINT", reader: rid },
    }),
  ).data.id;
  assert.match(
    assertModelError(await w.admin.request("wiegand-reader.delete", { reader_id: rid }), ""),
    /access point/,
  );
  ok(await w.admin.request("access_point.delete", { access_point_id: ap }));
  assert.equal(ok(await w.admin.request("wiegand-reader.delete", { reader_id: rid })), null);
  assertNotFound(
    await w.admin.request("wiegand-reader.read", { reader_id: rid }),
    "wiegand-reader",
    rid,
  );
  ok(await w.admin.request("gpio.delete", { gpio_id: d0 }));
});
