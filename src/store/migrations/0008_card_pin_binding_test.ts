import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { ValidationError } from "../../errors.ts";
import { MIGRATIONS, openDatabase, SCHEMA_VERSION, schemaVersion } from "../db.ts";
import { openTempDatabase } from "../_test_db.ts";
import { isCheckViolation, isUniqueViolation } from "../constraint.ts";
import {
  bindCardToPin,
  cardRequiringPin,
  createCredential,
  deleteCredential,
  getCredential,
} from "../credentials.ts";
import { createUser } from "../users.ts";

Deno.test("migration 8: a schema-7 database keeps its credentials, all unbound", () => {
  const dir = Deno.makeTempDirSync({ prefix: "leosac-migration-8-" });
  try {
    const path = join(dir, "old.db");
    const raw = new DatabaseSync(path);
    raw.exec("PRAGMA foreign_keys = OFF"); // as migrate() runs them
    for (const migration of MIGRATIONS.slice(0, 7)) {
      if (typeof migration === "string") raw.exec(migration);
      else migration(raw);
    }
    raw.exec("PRAGMA user_version = 7");
    raw.exec(`INSERT INTO users (id, username) VALUES (3, 'bob');
      INSERT INTO credentials (id, type, owner_id, card_id, nb_bits) VALUES (1, 'rfid-card', 3, 'aa', 8);
      INSERT INTO credentials (id, type, owner_id, pin_hash) VALUES (2, 'pin-code', 3, 'h');`);
    raw.close();

    const db = openDatabase(path); // migrates 7 -> 8
    try {
      assert.equal(schemaVersion(db), SCHEMA_VERSION);
      assert.deepEqual(
        db.prepare("SELECT id, required_pin_id FROM credentials ORDER BY id").all()
          .map((r) => ({ ...r })),
        [{ id: 1, required_pin_id: null }, { id: 2, required_pin_id: null }],
      );
      const card = getCredential(db, 1);
      assert.ok(card?.type === "rfid-card");
      assert.equal(card.requiredPinId, null);
      // Only a card carries a bound PIN (CHECK), and a PIN binds one card (unique index).
      assert.throws(
        () => db.exec("UPDATE credentials SET required_pin_id = 1 WHERE id = 2"),
        isCheckViolation,
      );
      db.exec("UPDATE credentials SET required_pin_id = 2 WHERE id = 1");
      db.exec(
        "INSERT INTO credentials (id, type, owner_id, card_id, nb_bits) VALUES (4, 'rfid-card', 3, 'bb', 8)",
      );
      assert.throws(
        () => db.exec("UPDATE credentials SET required_pin_id = 2 WHERE id = 4"),
        isUniqueViolation,
      );
      assert.deepEqual(db.prepare("PRAGMA foreign_key_check").all(), []);
    } finally {
      db.close();
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

function pairOf(db: DatabaseSync) {
  const bob = createUser(db, { username: "bob" });
  const card = createCredential(db, {
    type: "rfid-card",
    cardId: "aa",
    nbBits: 8,
    ownerId: bob.id,
  });
  const pin = createCredential(db, { type: "pin-code", pinHash: "h", ownerId: bob.id });
  return { bob, card, pin };
}

Deno.test("bindCardToPin() binds a card to a PIN of its owner and bumps the card's version", () => {
  using t = openTempDatabase();
  const { card, pin } = pairOf(t.db);
  const bound = bindCardToPin(t.db, card.id, pin.id);
  assert.equal(bound.requiredPinId, pin.id);
  assert.equal(bound.version, card.version + 1);
  assert.deepEqual(getCredential(t.db, card.id), bound);
  assert.equal(cardRequiringPin(t.db, pin.id), card.id);
  assert.equal(cardRequiringPin(t.db, card.id), null);
});

Deno.test("bindCardToPin() refuses what is not a pair of one owner, and changes nothing", () => {
  using t = openTempDatabase();
  const { card, pin } = pairOf(t.db);
  const alice = createUser(t.db, { username: "alice" });
  const alicePin = createCredential(t.db, { type: "pin-code", pinHash: "h", ownerId: alice.id });
  const ownerless = createCredential(t.db, { type: "rfid-card", cardId: "cc", nbBits: 8 });
  const otherCard = createCredential(t.db, {
    type: "rfid-card",
    cardId: "bb",
    nbBits: 8,
    ownerId: card.ownerId,
  });
  const refused = (cardId: number, pinId: number, message: RegExp) =>
    assert.throws(() => bindCardToPin(t.db, cardId, pinId), (e) => {
      assert.ok(e instanceof ValidationError);
      assert.match(e.message, message);
      return true;
    });
  refused(pin.id, pin.id, /is not a card/);
  refused(card.id, otherCard.id, /is not a PIN code/);
  refused(card.id, alicePin.id, /same owner/);
  refused(ownerless.id, pin.id, /same owner/);
  refused(card.id, 999, /is not a PIN code/);
  bindCardToPin(t.db, card.id, pin.id);
  refused(otherCard.id, pin.id, new RegExp(`PIN ${pin.id} is already bound to card ${card.id}`));
  const second = createCredential(t.db, { type: "pin-code", pinHash: "g", ownerId: card.ownerId });
  refused(card.id, second.id, /already bound/);
  assert.equal(
    (getCredential(t.db, otherCard.id) as { requiredPinId: number | null }).requiredPinId,
    null,
  );
});

Deno.test("deleteCredential(): a bound card takes its PIN along; the PIN alone cannot go", () => {
  using t = openTempDatabase();
  const { card, pin } = pairOf(t.db);
  const free = createCredential(t.db, { type: "pin-code", pinHash: "h", ownerId: card.ownerId });
  bindCardToPin(t.db, card.id, pin.id);
  assert.throws(() => deleteCredential(t.db, pin.id), (e) => {
    assert.ok(e instanceof ValidationError);
    assert.match(e.message, /bound to card credential .*delete the card/);
    return true;
  });
  assert.ok(getCredential(t.db, pin.id));
  assert.equal(deleteCredential(t.db, card.id), true);
  assert.equal(getCredential(t.db, card.id), undefined);
  assert.equal(getCredential(t.db, pin.id), undefined, "the bound PIN went with its card");
  assert.ok(getCredential(t.db, free.id), "other PINs of the owner stay");
});
