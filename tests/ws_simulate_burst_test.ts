/**
 * A burst of `hardware.simulate` calls on one reader, sent without waiting
 * for the replies, gives one read per call, in order: the worker queues the
 * frames per reader and leaves the reader's inter-frame gap between them (a
 * real reader does the same), so the assembler never merges two frames into
 * one bad read.
 */
import assert from "node:assert/strict";
import { cardIdHex, encodeCard, H10301 } from "../src/hardware/wiegand/formats.ts";
import { startTestServer, TestClient } from "../src/testing.ts";
import { configureDoor, type Json, ok } from "./_controller_fixtures.ts";

const NUMBERS = [3456, 1, 2, 3, 4] as const;

function cardId(number: number): string {
  const frame = encodeCard(H10301, 12, number);
  return cardIdHex(frame.bits, frame.nbBits);
}

Deno.test("five hardware.simulate cards sent at once on one reader give five reads in order", async () => {
  await using server = await startTestServer({ hardware: "sim" });
  await using admin = await TestClient.connect(server.wsUrl);
  await admin.login();
  const { doorId, userId } = await configureDoor(server, admin);
  ok(await admin.request("events.subscribe", { categories: ["access"] }));

  const replies = await Promise.all(
    NUMBERS.map((number) =>
      admin.request("hardware.simulate", {
        action: "card",
        reader: "front-reader",
        format: "H10301",
        facility: 12,
        number,
      })
    ),
  );
  for (const reply of replies) assert.deepEqual(ok(reply), { action: "card", frames: 1, bits: 26 });

  const events: Json[] = [];
  while (events.length < NUMBERS.length) {
    // On failure (merged frames) fewer events come: stop waiting and compare.
    const next = await admin.nextUnsolicited((m) => m.type === "event.access", 3000)
      .catch(() => null);
    if (next === null) break;
    events.push(next.content);
  }
  assert.deepEqual(
    events.map((e) => [e.card_id, e.reason]),
    NUMBERS.map((n, i) => [cardId(n), i === 0 ? "GRANTED" : "UNKNOWN_CREDENTIAL"]),
    JSON.stringify(events),
  );
  assert.equal(events[0].user, userId);
  assert.ok(events.every((e) => e.door === doorId));
  // Nothing else was read (no phantom bad read trailing the burst): a marker
  // card's reply comes once its frame has been decided, and its event is the
  // only access event after the five.
  ok(
    await admin.request("hardware.simulate", {
      action: "card",
      reader: "front-reader",
      format: "H10301",
      facility: 12,
      number: 9,
    }),
  );
  const rest = admin.unsolicited.filter((m) => m.type === "event.access").map((m) => m.content);
  assert.deepEqual(rest.map((e) => (e as Json).card_id), [cardId(9)], JSON.stringify(rest));
});

Deno.test("cards sent at once from several connections on one reader are read one by one", async () => {
  await using server = await startTestServer({ hardware: "sim" });
  await using admin = await TestClient.connect(server.wsUrl);
  await admin.login();
  await configureDoor(server, admin);
  ok(await admin.request("events.subscribe", { categories: ["access"] }));
  // Each connection runs its calls one at a time; the worker gets all of them at once.
  const others = await Promise.all(NUMBERS.map(() => TestClient.connect(server.wsUrl)));
  try {
    for (const client of others) await client.login();
    const replies = await Promise.all(
      others.map((client, i) =>
        client.request("hardware.simulate", {
          action: "card",
          reader: "front-reader",
          facility: 12,
          number: NUMBERS[i],
        })
      ),
    );
    for (const reply of replies) ok(reply);
  } finally {
    for (const client of others) await client.close();
  }
  const events: Json[] = [];
  while (events.length < NUMBERS.length) {
    const next = await admin.nextUnsolicited((m) => m.type === "event.access", 3000)
      .catch(() => null);
    if (next === null) break;
    events.push(next.content);
  }
  assert.deepEqual(
    events.map((e) => e.card_id).sort(),
    NUMBERS.map(cardId).sort(),
    JSON.stringify(events),
  );
});
