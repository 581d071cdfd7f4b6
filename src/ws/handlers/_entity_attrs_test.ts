import assert from "node:assert/strict";
import { BadRequestError, ValidationError } from "../../errors.ts";
import { applyValidity, attributesOf, intAttr, textAttr, validityAttr } from "./_entity_attrs.ts";

/** The pointer and message of the ValidationError `fn` throws. */
function failure(fn: () => unknown): { pointer: string | undefined; message: string } {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ValidationError, `expected a ValidationError, got ${error}`);
    return { pointer: error.errors[0]?.pointer, message: error.errors[0]?.detail ?? "" };
  }
  throw new Error("expected a ValidationError");
}

Deno.test("attributesOf: absent or null is {}, a non-object is a bad request", () => {
  assert.deepEqual(attributesOf(undefined), {});
  assert.deepEqual(attributesOf(null), {});
  assert.throws(() => attributesOf([]), BadRequestError);
  assert.throws(() => attributesOf("x"), BadRequestError);
});

Deno.test("textAttr: the pointer key and the too-long wording are the caller's", () => {
  assert.equal(textAttr({ a: null }, "a", 3), undefined);
  assert.deepEqual(failure(() => textAttr({ a: "abcd" }, "a", 3)), {
    pointer: "data/attributes/a",
    message: "At most 3 characters.",
  });
  assert.deepEqual(
    failure(() => textAttr({ a: "abcd" }, "a", 3, { wording: "Must be at most" })),
    { pointer: "data/attributes/a", message: "Must be at most 3 characters." },
  );
  assert.equal(
    failure(() => textAttr({ a: 1 }, "a", 3, { pointerKey: "b" })).pointer,
    "data/attributes/b",
  );
});

Deno.test("intAttr: numeric strings only when asked, the message and pointer as given", () => {
  const range = { min: 0, max: 2 };
  assert.equal(intAttr({ r: "2" }, "r", { ...range, numericStrings: true }), 2);
  assert.deepEqual(failure(() => intAttr({ r: "2" }, "r", range)), {
    pointer: "data/attributes/r",
    message: "Must be an integer from 0 to 2.",
  });
  assert.deepEqual(
    failure(() => intAttr({ r: 3 }, "r", { ...range, message: "No.", pointerKey: "rank" })),
    { pointer: "data/attributes/rank", message: "No." },
  );
});

Deno.test("validityAttr reads what was sent; applyValidity merges it and checks the order", () => {
  assert.equal(validityAttr({}), undefined);
  assert.equal(validityAttr({ "validity-enabled": null }), undefined);
  assert.deepEqual(validityAttr({ "validity-start": null }), { start: null });
  const patch = validityAttr({ "validity-end": "2030-01-01T00:00:00Z" });
  assert.deepEqual(patch, { end: Date.UTC(2030, 0, 1) });
  const current = { enabled: false, start: Date.UTC(2020, 0, 1), end: null };
  assert.deepEqual(applyValidity(current, patch!), { ...current, end: Date.UTC(2030, 0, 1) });
  // An end sent alone is checked against the start already stored.
  const early = validityAttr({ "validity-end": "2019-01-01T00:00:00Z" })!;
  assert.deepEqual(failure(() => applyValidity(current, early)), {
    pointer: "data/attributes/validity-end",
    message: "The validity end is before its start.",
  });
  assert.equal(
    failure(() => validityAttr({ "validity-enabled": "yes" })).pointer,
    "data/attributes/validity-enabled",
  );
  assert.equal(
    failure(() => validityAttr({ "validity-start": "tomorrow" })).pointer,
    "data/attributes/validity-start",
  );
});
