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
import { createDevice, createGpio, startDeviceWorld } from "./_device_fixtures.ts";

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
  // card played after the five is the next access event, and the only one.
  ok(
    await admin.request("hardware.simulate", {
      action: "card",
      reader: "front-reader",
      format: "H10301",
      facility: 12,
      number: 9,
    }),
  );
  const marker = (await admin.nextUnsolicited((m) => m.type === "event.access")).content as Json;
  assert.equal(marker.card_id, cardId(9), JSON.stringify(marker));
  const rest = admin.unsolicited.filter((m) => m.type === "event.access");
  assert.deepEqual(rest, []);
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

Deno.test("another reader does not wait for a burst on the first one", async () => {
  await using w = await startDeviceWorld({ hardware: "sim" });
  const { admin } = w;
  for (const [name, d0, d1] of [["a", 0, 1], ["b", 10, 11]] as const) {
    const reader = await createDevice(admin, "wiegand-reader", {
      name: `reader-${name}`,
      mode: "SIMPLE_WIEGAND",
      gpio_low_id: await createGpio(admin, `${name}-d0`, d0, 0),
      gpio_high_id: await createGpio(admin, `${name}-d1`, d1, 0),
    });
    const ap = ok(
      await admin.request("access_point.create", {
        attributes: {
          alias: `ap-${name}`,
          "controller-module": "LEOSAC-BUILTIN-ACCESS-POINT",
          reader,
          "reader-mode": "card",
        },
      }),
    ).data.id;
    ok(await admin.request("door.create", { attributes: { alias: name, access_point_id: ap } }));
  }
  ok(await admin.request("events.subscribe", { categories: ["access"] }));
  const card = (reader: string, number: number) => ({
    action: "card",
    reader,
    facility: 12,
    number,
  });
  // Five connections: the worker has the five calls on reader-a at once.
  const clients = await Promise.all(NUMBERS.map(() => TestClient.connect(w.server.wsUrl)));
  try {
    for (const client of clients) await client.login();
    const answered: string[] = [];
    const burst = clients.map((client, i) =>
      client.request("hardware.simulate", card("reader-a", NUMBERS[i]!)).then((reply) => {
        ok(reply);
        answered.push(`a${i}`);
      })
    );
    // Once reader-a's first card is read, the other four wait on reader-a;
    // reader-b plays its card at once and answers before reader-a's last.
    await admin.nextUnsolicited((m) => m.type === "event.access");
    ok(await admin.request("hardware.simulate", card("reader-b", 77)));
    answered.push("b");
    await Promise.all(burst);
    assert.ok(answered.indexOf("b") < answered.length - 1, answered.join(" "));
  } finally {
    for (const client of clients) await client.close();
  }
});
