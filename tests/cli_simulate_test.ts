import assert from "node:assert/strict";
import { parseFlags, UsageError } from "../src/cli/flags.ts";
import { cardIdHex, encodeCard, H10301 } from "../src/hardware/wiegand/formats.ts";
import { runSimulate } from "../src/cli/simulate.ts";
import { parseSimulateFlags, type SimulateCommand } from "../src/cli/simulate_flags.ts";
import { startTestServer, TEST_ADMIN_PASSWORD, TestClient } from "../src/testing.ts";
import { configureDoor } from "./_controller_fixtures.ts";

Deno.test("parseFlags() routes `simulate` and keeps `serve` the default", () => {
  assert.equal(parseFlags([]).command, "serve");
  const command = parseFlags(
    ["simulate", "card", "--reader", "front", "--facility", "12", "--number", "3456"],
    { LEOSAC_PASSWORD: "pw" },
  ) as SimulateCommand;
  assert.equal(command.command, "simulate");
  assert.deepEqual(command.content, {
    action: "card",
    reader: "front",
    number: 3456,
    facility: 12,
  });
  assert.equal(command.password, "pw");
  assert.equal(command.url, "ws://127.0.0.1:8888/websocket");
  assert.deepEqual(parseFlags(["simulate", "--help"]), { command: "help", topic: "simulate" });
});

Deno.test("parseSimulateFlags() reads pin, input and raw card forms", () => {
  const env = { LEOSAC_PASSWORD: "pw" };
  assert.deepEqual(parseSimulateFlags(["pin", "--reader", "r", "--pin", "1234"], env).content, {
    action: "pin",
    reader: "r",
    pin: "1234",
  });
  assert.deepEqual(
    parseSimulateFlags(["input", "--door", "3", "--input", "rex", "--value", "pressed"], env)
      .content,
    { action: "input", door: 3, input: "rex", value: true },
  );
  assert.deepEqual(
    parseSimulateFlags(["card", "--reader", "r", "--card-id", "aa:bb", "--bits", "16"], env)
      .content,
    { action: "card", reader: "r", card_id: "aa:bb", nb_bits: 16 },
  );
});

Deno.test("parseSimulateFlags() rejects bad command lines", () => {
  const env = { LEOSAC_PASSWORD: "pw" };
  for (
    const args of [
      [],
      ["swipe"],
      ["card", "--reader", "r"],
      ["card", "--number", "1"],
      ["pin", "--reader", "r", "--pin", "12a"],
      ["input", "--door", "1", "--input", "window", "--value", "on"],
      ["input", "--door", "1", "--input", "rex", "--value", "maybe"],
      ["card", "--reader", "r", "--number", "1", "--bogus"],
    ]
  ) {
    assert.throws(() => parseSimulateFlags(args, env), UsageError, args.join(" "));
  }
  assert.throws(() => parseSimulateFlags(["card", "--reader", "r", "--number", "1"]), UsageError);
});

Deno.test("runSimulate() prints the decision and exits 0 when granted, 1 when denied", async () => {
  await using server = await startTestServer({ hardware: "sim" });
  await using admin = await TestClient.connect(server.wsUrl);
  await admin.login();
  await configureDoor(server, admin);
  const lines: string[] = [];
  const io = { print: (l: string) => lines.push(l), error: (l: string) => lines.push(`E ${l}`) };
  const base = { url: server.wsUrl, username: "admin", password: TEST_ADMIN_PASSWORD };
  const granted = parseSimulateFlags(
    ["card", "--reader", "front-reader", "--facility", "12", "--number", "3456", "--url", base.url],
    { LEOSAC_PASSWORD: base.password },
  );
  assert.equal(await runSimulate(granted, io), 0);
  assert.match(lines.at(-1)!, /^granted: GRANTED \(user \d+, door \d+ "Front", card /);
  const denied = {
    ...granted,
    content: { action: "card" as const, reader: "front-reader", number: 9 },
  };
  assert.equal(await runSimulate(denied, io), 1);
  assert.match(lines.at(-1)!, /^denied: UNKNOWN_CREDENTIAL/);
  const badLogin = { ...granted, password: "wrong-password" };
  assert.equal(await runSimulate(badLogin, io), 1);
  assert.match(lines.at(-1)!, /^E leosac: login as "admin" failed/);
});

Deno.test("runSimulate() run at once on one reader: each reports its own card's decision", async () => {
  await using server = await startTestServer({ hardware: "sim" });
  await using admin = await TestClient.connect(server.wsUrl);
  await admin.login();
  await configureDoor(server, admin);
  const base = parseSimulateFlags(
    [
      "card",
      "--reader",
      "front-reader",
      "--facility",
      "12",
      "--number",
      "3456",
      "--url",
      server.wsUrl,
    ],
    { LEOSAC_PASSWORD: TEST_ADMIN_PASSWORD },
  );
  // The controller plays them one after the other; a later one sees the earlier
  // decisions pushed while it waits, and must not report them as its own.
  const numbers = [9, 10, 3456, 11];
  const outputs = await Promise.all(numbers.map(async (number) => {
    const lines: string[] = [];
    const io = { print: (l: string) => lines.push(l), error: (l: string) => lines.push(`E ${l}`) };
    const command = {
      ...base,
      json: true,
      content: { action: "card" as const, reader: "front-reader", facility: 12, number },
    };
    const status = await runSimulate(command, io);
    return { status, event: JSON.parse(lines.at(-1)!) };
  }));
  for (const [i, number] of numbers.entries()) {
    const { status, event } = outputs[i]!;
    const frame = encodeCard(H10301, 12, number);
    assert.equal(event.card_id, cardIdHex(frame.bits, frame.nbBits), JSON.stringify(outputs));
    assert.equal(status, number === 3456 ? 0 : 1);
    assert.equal(event.reason, number === 3456 ? "GRANTED" : "UNKNOWN_CREDENTIAL");
  }
});

Deno.test("runSimulate() ends with a clear error when the peer closes the connection instead of answering", async () => {
  // A peer that accepts the WebSocket and closes it at the first request (not a controller).
  const abort = new AbortController();
  const peer = Deno.serve(
    { hostname: "127.0.0.1", port: 0, signal: abort.signal, onListen() {} },
    (req) => {
      const { socket, response } = Deno.upgradeWebSocket(req);
      socket.addEventListener("message", () => socket.close(1011, "gone"));
      return response;
    },
  );
  try {
    const lines: string[] = [];
    const command = parseSimulateFlags(
      ["card", "--reader", "r", "--number", "1", "--url", `ws://127.0.0.1:${peer.addr.port}/`],
      { LEOSAC_PASSWORD: "whatever-pw" },
    );
    const status = await runSimulate(command, {
      print: (l) => lines.push(l),
      error: (l) => lines.push(`E ${l}`),
    });
    assert.equal(status, 1);
    assert.deepEqual(lines, ["E leosac: The controller closed the connection"]);
  } finally {
    abort.abort();
    await peer.finished;
  }
});
