import assert from "node:assert/strict";
import { ValidationError } from "../errors.ts";
import { openTempDatabase } from "./_test_db.ts";
import { isCheckViolation, isForeignKeyViolation, isUniqueViolation } from "./constraint.ts";
import {
  bitsFromCardId,
  cardIdFromBits,
  createCredential,
  deleteCredential,
  findCardByCardId,
  findPinsByHash,
  getCredential,
  listCredentials,
  listCredentialsOfUser,
  normalizeCardId,
  searchCredentials,
  updateCredential,
} from "./credentials.ts";
import { createMapping, createSchedule, getMapping } from "./schedules.ts";
import { hashPin } from "./secrets.ts";
import { createUser, deleteUser } from "./users.ts";

const SECRET = new Uint8Array(32).fill(7);

Deno.test("normalizeCardId() accepts colon-separated or bare hex and lower-cases it", () => {
  assert.equal(normalizeCardId("AA:BB:cc:dd"), "aa:bb:cc:dd");
  assert.equal(normalizeCardId("aabbccdd"), "aa:bb:cc:dd");
  assert.equal(normalizeCardId("  00:11:22:33 "), "00:11:22:33");
  assert.equal(normalizeCardId("0F"), "0f");
});

Deno.test("normalizeCardId() returns null for anything else", () => {
  for (
    const bad of ["", "a", "abc", "a:bb", "aa:bbcc", "aa::bb", "aa:bb:", "gg", "aa-bb", "0x1f"]
  ) {
    assert.equal(normalizeCardId(bad), null, bad);
  }
});

Deno.test("cardIdFromBits() packs MSB first and pads the last byte on the right", () => {
  assert.equal(cardIdFromBits(0x20200cen, 26), "80:80:33:80");
  assert.equal(cardIdFromBits(0xdeadbeefn, 32), "de:ad:be:ef");
  assert.equal(cardIdFromBits(1n, 1), "80");
  assert.equal(cardIdFromBits(0n, 34), "00:00:00:00:00");
  assert.throws(() => cardIdFromBits(1n << 26n, 26), RangeError);
  assert.throws(() => cardIdFromBits(1n, 0), RangeError);
});

Deno.test("bitsFromCardId() inverts cardIdFromBits() (Leosac 26-bit vector gives number 103)", () => {
  const bits = bitsFromCardId("80:80:33:80", 26);
  assert.equal(bits, 0x20200cen);
  // Leosac's to_int for 26 bits: drop the trailing parity bit, keep the low 16 bits.
  assert.equal((bits >> 1n) & 0xffffn, 103n);
  for (const [value, n] of [[0x1234567n, 26], [0x3ffffffffn, 34], [0x1fn, 5]] as const) {
    assert.equal(bitsFromCardId(cardIdFromBits(value, n), n), value);
  }
  assert.throws(() => bitsFromCardId("80:80:33", 26), RangeError);
  assert.throws(() => bitsFromCardId("80:80:33:81", 26), RangeError);
  assert.throws(() => bitsFromCardId("zz", 8), RangeError);
});

Deno.test("createCredential() stores a normalised card that reads back", () => {
  using t = openTempDatabase();
  const owner = createUser(t.db, { username: "alice" });
  const card = createCredential(t.db, {
    type: "rfid-card",
    cardId: "DEADBEEF",
    nbBits: 32,
    alias: "Badge",
    ownerId: owner.id,
  });
  assert.deepEqual(card, {
    id: 1,
    type: "rfid-card",
    alias: "Badge",
    description: "",
    ownerId: owner.id,
    validity: { enabled: true, start: null, end: null },
    version: 1,
    cardId: "de:ad:be:ef",
    nbBits: 32,
    requiredPinId: null,
  });
  assert.deepEqual(getCredential(t.db, card.id), card);
  assert.equal(getCredential(t.db, 99), undefined);
});

Deno.test("createCredential() stores only the hash of a PIN", () => {
  using t = openTempDatabase();
  const pinHash = hashPin(SECRET, "1234");
  const pin = createCredential(t.db, {
    type: "pin-code",
    pinHash,
    ownerId: 0,
    validity: { enabled: false, start: 10, end: 20 },
  });
  assert.equal(pin.type, "pin-code");
  assert.equal(pin.ownerId, null);
  assert.deepEqual(pin.validity, { enabled: false, start: 10, end: 20 });
  assert.deepEqual(getCredential(t.db, pin.id), pin);
  const raw = t.db.prepare("SELECT * FROM credentials").all();
  assert.ok(!JSON.stringify(raw).includes("1234"));
});

Deno.test("createCredential() rejects a duplicate card id in any spelling", () => {
  using t = openTempDatabase();
  createCredential(t.db, { type: "rfid-card", cardId: "aa:bb:cc:dd", nbBits: 32 });
  assert.throws(
    () => createCredential(t.db, { type: "rfid-card", cardId: "AABBCCDD", nbBits: 26 }),
    isUniqueViolation,
  );
});

Deno.test("createCredential() rejects a malformed card id, a zero bit count and an unknown owner", () => {
  using t = openTempDatabase();
  assert.throws(
    () => createCredential(t.db, { type: "rfid-card", cardId: "xyz", nbBits: 26 }),
    (e: unknown) =>
      e instanceof ValidationError && e.errors[0]?.pointer === "data/attributes/cardId",
  );
  assert.throws(
    () => createCredential(t.db, { type: "rfid-card", cardId: "aa", nbBits: 0 }),
    isCheckViolation,
  );
  assert.throws(
    () => createCredential(t.db, { type: "pin-code", pinHash: "h", ownerId: 42 }),
    isForeignKeyViolation,
  );
  assert.deepEqual(listCredentials(t.db), []);
});

Deno.test("findCardByCardId() finds a card by any spelling of its id", () => {
  using t = openTempDatabase();
  const card = createCredential(t.db, { type: "rfid-card", cardId: "80:80:33:80", nbBits: 26 });
  assert.deepEqual(findCardByCardId(t.db, "80803380"), card);
  assert.deepEqual(findCardByCardId(t.db, "80:80:33:80"), card);
  assert.equal(findCardByCardId(t.db, "80:80:33:81"), undefined);
  assert.equal(findCardByCardId(t.db, "not a card"), undefined);
});

Deno.test("findPinsByHash() returns every PIN code with that hash", () => {
  using t = openTempDatabase();
  const h = hashPin(SECRET, "1234");
  const a = createCredential(t.db, { type: "pin-code", pinHash: h });
  createCredential(t.db, { type: "pin-code", pinHash: hashPin(SECRET, "9999") });
  const b = createCredential(t.db, { type: "pin-code", pinHash: h });
  assert.deepEqual(findPinsByHash(t.db, h), [a, b]);
  assert.deepEqual(findPinsByHash(t.db, "nope"), []);
});

Deno.test("updateCredential() applies a patch and bumps the version", () => {
  using t = openTempDatabase();
  const alice = createUser(t.db, { username: "alice" });
  const card = createCredential(t.db, {
    type: "rfid-card",
    cardId: "aa:bb",
    nbBits: 16,
    alias: "old",
    description: "keep",
    ownerId: alice.id,
  });
  const updated = updateCredential(t.db, card.id, { alias: "new", cardId: "CC:DD" });
  assert.deepEqual(updated, {
    ...card,
    alias: "new",
    cardId: "cc:dd",
    version: 2,
  });
  assert.equal(updateCredential(t.db, card.id, { ownerId: 0 })?.ownerId, null);
  assert.equal(updateCredential(t.db, card.id, { ownerId: alice.id })?.ownerId, alice.id);
  assert.equal(updateCredential(t.db, card.id, { ownerId: null })?.version, 5);
  assert.equal(updateCredential(t.db, 99, { alias: "x" }), undefined);
});

Deno.test("updateCredential() rejects fields of the other type and a taken card id", () => {
  using t = openTempDatabase();
  const card = createCredential(t.db, { type: "rfid-card", cardId: "aa", nbBits: 8 });
  createCredential(t.db, { type: "rfid-card", cardId: "bb", nbBits: 8 });
  const pin = createCredential(t.db, { type: "pin-code", pinHash: "h1" });
  assert.throws(() => updateCredential(t.db, card.id, { pinHash: "h" }), TypeError);
  assert.throws(() => updateCredential(t.db, pin.id, { cardId: "cc" }), TypeError);
  assert.throws(() => updateCredential(t.db, card.id, { cardId: "BB" }), isUniqueViolation);
  assert.throws(() => updateCredential(t.db, card.id, { cardId: "b" }), ValidationError);
  assert.equal(updateCredential(t.db, pin.id, { pinHash: "h2" })?.type, "pin-code");
  assert.deepEqual(findPinsByHash(t.db, "h2").map((p) => p.id), [pin.id]);
  assert.equal(getCredential(t.db, card.id)?.version, 1);
});

Deno.test("deleteUser() leaves the user's credentials without an owner", () => {
  using t = openTempDatabase();
  const alice = createUser(t.db, { username: "alice" });
  const bob = createUser(t.db, { username: "bob" });
  const card = createCredential(t.db, {
    type: "rfid-card",
    cardId: "aa",
    nbBits: 8,
    ownerId: alice.id,
  });
  const other = createCredential(t.db, { type: "pin-code", pinHash: "h", ownerId: bob.id });
  assert.deepEqual(listCredentialsOfUser(t.db, alice.id), [card]);
  deleteUser(t.db, alice.id);
  assert.equal(getCredential(t.db, card.id)?.ownerId, null);
  assert.deepEqual(listCredentialsOfUser(t.db, alice.id), []);
  assert.deepEqual(listCredentialsOfUser(t.db, bob.id), [other]);
});

Deno.test("deleteCredential() removes the credential and its mapping rows", () => {
  using t = openTempDatabase();
  const card = createCredential(t.db, { type: "rfid-card", cardId: "aa", nbBits: 8 });
  const schedule = createSchedule(t.db, { name: "always" });
  const mapping = createMapping(t.db, schedule.id, { credentialIds: [card.id] });
  assert.equal(deleteCredential(t.db, card.id), true);
  assert.equal(deleteCredential(t.db, card.id), false);
  assert.equal(getCredential(t.db, card.id), undefined);
  assert.deepEqual(getMapping(t.db, mapping.id)?.credentialIds, []);
});

Deno.test("searchCredentials() matches a case-insensitive substring of the alias", () => {
  using t = openTempDatabase();
  createCredential(t.db, { type: "rfid-card", cardId: "aa", nbBits: 8, alias: "Blue Badge" });
  createCredential(t.db, { type: "pin-code", pinHash: "h", alias: "front PIN" });
  createCredential(t.db, { type: "rfid-card", cardId: "bb", nbBits: 8, alias: "red badge" });
  assert.deepEqual(searchCredentials(t.db, "BADGE").map((c) => c.alias), [
    "Blue Badge",
    "red badge",
  ]);
  assert.deepEqual(searchCredentials(t.db, "pin").map((c) => c.type), ["pin-code"]);
  assert.deepEqual(searchCredentials(t.db, "_"), []);
});
