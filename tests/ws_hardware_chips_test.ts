/**
 * Wiring checked against the chips the controller has (issue 10), in
 * simulated mode too: a line on a chip it does not have, or past the chip's
 * last line, is refused with a sentence naming what exists; the wiring
 * problems the controller found reach `hardware.warnings` (not only the
 * server log). Without a controller nothing can be checked, and nothing is.
 */
import assert from "node:assert/strict";
import { assertModelError, ok } from "./_replies.ts";
import { createDevice, createGpio, startDeviceWorld } from "./_device_fixtures.ts";

Deno.test("sim: gpio lines on a missing chip or past the last line are refused, with what exists", async () => {
  await using w = await startDeviceWorld({ hardware: "sim" });
  const missing = assertModelError(
    await w.admin.request("gpio.create", {
      attributes: { name: "ghost", device: "gpiochip9", offset: 77, direction: 0 },
    }),
    "data/attributes/device",
  );
  assert.equal(missing, "This controller has no chip gpiochip9. It has gpiochip0 (lines 0 to 63).");
  const past = assertModelError(
    await w.admin.request("gpio.create", {
      attributes: { name: "far", device: "gpiochip0", offset: 77, direction: 0 },
    }),
    "data/attributes/offset",
  );
  assert.equal(past, "Chip gpiochip0 has no line 77: its lines are 0 to 63.");
  const id = await createGpio(w.admin, "fine", 7, 0, { device: "/dev/gpiochip0" });
  assertModelError(
    await w.admin.request("gpio.update", { gpio_id: id, attributes: { offset: 64 } }),
    "data/attributes/offset",
  );
  const chips = ok(await w.manager.request("hardware.warnings", {}));
  assert.deepEqual(chips.chips, [{ name: "gpiochip0", lines: 64 }]);
});

Deno.test("hardware.warnings: the controller's wiring problems, for the UI's device and door pages", async () => {
  await using w = await startDeviceWorld({ hardware: "sim" });
  assert.deepEqual(ok(await w.manager.request("hardware.warnings", {})).warnings, []);
  const d0 = await createGpio(w.admin, "half-d0", 0, 0);
  const reader = await createDevice(w.admin, "wiegand-reader", {
    name: "half-reader",
    mode: "SIMPLE_WIEGAND",
    gpio_low_id: d0,
  });
  const ap = ok(
    await w.admin.request("access_point.create", {
      attributes: {
        alias: "half",
        "controller-module": "LEOSAC-BUILTIN-ACCESS-POINT",
        reader,
        "reader-mode": "card",
      },
    }),
  ).data.id;
  ok(await w.admin.request("door.create", { attributes: { alias: "Half", access_point_id: ap } }));
  const { warnings } = ok(await w.manager.request("hardware.warnings", {}));
  assert.ok(
    warnings.some((text: string) => text.includes("half-reader") && text.includes("D1")),
    JSON.stringify(warnings),
  );
});

Deno.test("without a controller, lines are not checked and there are no warnings", async () => {
  await using w = await startDeviceWorld();
  await createGpio(w.admin, "anywhere", 77, 0, { device: "gpiochip9" });
  assert.deepEqual(ok(await w.admin.request("hardware.warnings", {})), {
    warnings: [],
    chips: [],
  });
});
