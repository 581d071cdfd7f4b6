import assert from "node:assert/strict";
import type { PresentedCard } from "../engine/mod.ts";
import type { KeypadKey } from "../hardware/wiegand/keypad.ts";
import { CredentialCollector } from "./collector.ts";

const MS = 1_000_000n;
const BOUND: PresentedCard = { cardId: "aa:00:00:01", nbBits: 32 };
const ORDINARY: PresentedCard = { cardId: "bb:00:00:02", nbBits: 32 };

function cardOrPin(): CredentialCollector {
  return new CredentialCollector({
    readerMode: "card_or_pin",
    pinTimeoutMs: 5000,
    needsPin: (card) => card.cardId === BOUND.cardId,
  });
}

Deno.test("CredentialCollector card_or_pin: a bound card waits for its PIN", () => {
  const c = cardOrPin();
  assert.deepEqual(c.card(BOUND, 0n), []);
  assert.equal(c.waitingForPin, true);
  assert.equal(c.nextDeadlineNs(), 5000n * MS);
  assert.deepEqual(c.pin("1234", 4999n * MS), [{ card: BOUND, pin: "1234" }]);
  assert.equal(c.waitingForPin, false);
});

Deno.test("CredentialCollector card_or_pin: a bound card alone is decided at the PIN timeout", () => {
  const c = cardOrPin();
  c.card(BOUND, 0n);
  assert.deepEqual(c.expire(4999n * MS), []);
  assert.deepEqual(c.expire(5000n * MS), [{ card: BOUND }]);
  assert.deepEqual(c.pin("1234", 5001n * MS), [{ pin: "1234" }], "a later PIN is alone");
});

Deno.test("CredentialCollector card_or_pin: keys typed after a bound card complete it", () => {
  const c = cardOrPin();
  c.card(BOUND, 0n);
  const out = ["1", "2", "3", "4", "#"].flatMap((k, i) =>
    c.key(k as KeypadKey, BigInt(i + 1) * 100n * MS)
  );
  assert.deepEqual(out, [{ card: BOUND, pin: "1234" }]);
});

Deno.test("CredentialCollector card_or_pin: ordinary cards and PINs are decided at once; a new card replaces a waiting one", () => {
  const c = cardOrPin();
  assert.deepEqual(c.card(ORDINARY, 0n), [{ card: ORDINARY }]);
  assert.deepEqual(c.pin("1234", 1n), [{ pin: "1234" }]);
  c.card(BOUND, 2n);
  assert.deepEqual(c.card(ORDINARY, 3n), [{ card: ORDINARY }]);
  assert.equal(c.waitingForPin, false);
  assert.deepEqual(c.pin("1234", 4n), [{ pin: "1234" }]);
});

Deno.test("CredentialCollector card_or_pin without needsPin decides every card at once", () => {
  const c = new CredentialCollector({ readerMode: "card_or_pin", pinTimeoutMs: 5000 });
  assert.deepEqual(c.card(BOUND, 0n), [{ card: BOUND }]);
  assert.equal(c.nextDeadlineNs(), null);
});
