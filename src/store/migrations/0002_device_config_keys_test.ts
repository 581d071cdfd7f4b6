import assert from "node:assert/strict";
import { parseDeviceConfig } from "../device_config.ts";
import { canonicalDeviceConfig } from "./0002_device_config_keys.ts";

Deno.test("migration 2: the first old spelling present wins, aliases are removed, unknown keys kept", () => {
  assert.deepEqual(
    canonicalDeviceConfig("gpio", { number: 3, line: 2, "active-low": true, note: "x" }),
    { offset: 2, active_low: true, note: "x" },
  );
  assert.deepEqual(
    canonicalDeviceConfig("wiegand-reader", { d0: "a", gpio_low: "b", "gpio-low-id": null }),
    { gpio_low_id: "b" },
  );
  assert.deepEqual(canonicalDeviceConfig("buzzer", { gpio: { id: { id: "g" } } }), {
    gpio_id: "g",
  });
});

Deno.test("migration 2: values the old readers ignored are left out, so the defaults apply", () => {
  assert.deepEqual(
    canonicalDeviceConfig("gpio", {
      offset: -1,
      chip: 7,
      direction: "sideways",
      fail_safe: "true",
      interrupt_mode: "often",
    }),
    { fail_safe: false },
  );
  assert.deepEqual(
    canonicalDeviceConfig("wiegand-reader", {
      mode: "FAST",
      gpio_high_id: "0",
      silence_ms: "0",
      fixed_length: 0,
      formats: "H10301",
    }),
    {},
  );
  assert.deepEqual(canonicalDeviceConfig("led", []), {});
});

Deno.test("migration 2: every rewritten document parses with the current reader", () => {
  const cases: [Parameters<typeof parseDeviceConfig>[0], unknown][] = [
    ["gpio", { device: "/dev/gpiochip2", line: "9", direction: 1, "debounce-us": 5 }],
    ["wiegand-reader", { d1: { id: "x" }, formats: [{ name: "f" }, ["bad"], "raw"] }],
    ["led", { gpio: "", default_blink_speed: "50" }],
  ];
  const expected = [
    { chip: "/dev/gpiochip2", offset: 9, direction: "out", debounceUs: 5 },
    { gpioHighId: "x", formats: [{ name: "f" }, "raw"] },
    { gpioId: null, defaultBlinkSpeed: 50 },
  ];
  cases.forEach(([type, old], i) => {
    const { config } = parseDeviceConfig(type, canonicalDeviceConfig(type, old));
    for (const [key, value] of Object.entries(expected[i]!)) {
      assert.deepEqual((config as unknown as Record<string, unknown>)[key], value, key);
    }
  });
});
