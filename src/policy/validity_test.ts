import assert from "node:assert/strict";
import { isValidAt, validityProblem } from "./validity.ts";

const WINDOW = { enabled: true, start: 1_000, end: 2_000 };

Deno.test("validityProblem() holds inside the window, bounds included", () => {
  for (const now of [1_000, 1_500, 2_000]) {
    assert.equal(validityProblem(WINDOW, now), null, `${now}`);
  }
  assert.equal(validityProblem({ enabled: true, start: null, end: null }, -1), null);
});

Deno.test("validityProblem() is outside_window before start and after end", () => {
  assert.equal(validityProblem(WINDOW, 999), "outside_window");
  assert.equal(validityProblem(WINDOW, 2_001), "outside_window");
  assert.equal(validityProblem({ enabled: true, start: null, end: 5 }, 6), "outside_window");
  assert.equal(validityProblem({ enabled: true, start: 5, end: null }, 4), "outside_window");
});

Deno.test("validityProblem() reports disabled first, whatever the window", () => {
  assert.equal(validityProblem({ ...WINDOW, enabled: false }, 1_500), "disabled");
  assert.equal(validityProblem({ ...WINDOW, enabled: false }, 3_000), "disabled");
});

Deno.test("isValidAt() is true exactly when there is no problem", () => {
  assert.equal(isValidAt(WINDOW, 1_000), true);
  assert.equal(isValidAt(WINDOW, 2_001), false);
  assert.equal(isValidAt({ ...WINDOW, enabled: false }, 1_500), false);
});
