/**
 * The simulated OSDP readers behind the real control panel: clear and
 * Secure Channel reads and keys, LED colours, a wrong key refused, the input
 * queue's limit.
 */
import assert from "node:assert/strict";
import { ControlPanel } from "../osdp/control_panel.ts";
import type { OsdpEvent } from "../osdp/pd_link.ts";
import { MAX_SIM_QUEUED_INPUTS, SimOsdpBus, SimOsdpPd } from "./osdp_sim.ts";

const KEY = Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i);

async function until(ok: () => boolean, ms = 3000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!ok()) {
    if (performance.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 5));
  }
}

function rig(pd: SimOsdpPd, cpKey: Uint8Array | null, secure: boolean) {
  const events: OsdpEvent[] = [];
  const cp = new ControlPanel({
    link: new SimOsdpBus("sim:test", [pd]),
    pds: [{ address: pd.address, secure, scbk: cpKey }],
    pollIntervalMs: 5,
    onEvent: (e) => events.push(e),
  });
  cp.start();
  return { cp, events };
}

Deno.test("sim OSDP: a clear reader's card and keys reach the CP; the LED colour is recorded", async () => {
  const pd = new SimOsdpPd({ address: 3, scbk: null });
  const { cp, events } = rig(pd, null, false);
  try {
    await until(() => events.some((e) => e.type === "online"));
    pd.presentCard(0b1011n, 4);
    pd.pressKeys("12#");
    await until(() => events.some((e) => e.type === "keypad"));
    const card = events.find((e) => e.type === "card");
    assert.ok(card?.type === "card" && card.bits === 0b1011n && card.bitCount === 4);
    const keys = events.find((e) => e.type === "keypad");
    assert.ok(keys?.type === "keypad" && keys.keys === "12#");
    const led = pd.nextLed(2000);
    cp.signal(3, "denied");
    assert.equal(await led, "red");
    assert.deepEqual(pd.leds, ["red"]);
  } finally {
    await cp.close();
  }
});

Deno.test("sim OSDP: under its key the reader runs Secure Channel; its reads are trusted", async () => {
  const pd = new SimOsdpPd({ address: 0, scbk: KEY });
  const { cp, events } = rig(pd, KEY, true);
  try {
    await until(() => events.some((e) => e.type === "online") && pd.secure);
    assert.equal(cp.status()[0]!.secure, true);
    pd.presentCard(0xffn, 8);
    await until(() => events.some((e) => e.type === "card"));
    assert.ok(!events.some((e) => e.type === "untrusted" || e.type === "alarm"));
  } finally {
    await cp.close();
  }
});

Deno.test("sim OSDP: a factory reader takes a key in install mode; a wrong key is refused", async () => {
  const pd = new SimOsdpPd({ address: 1, scbk: null });
  const { cp, events } = rig(pd, null, true);
  try {
    await until(() => events.some((e) => e.type === "alarm"));
    cp.enableInstallMode(1, 5000);
    await until(() => events.some((e) => e.type === "keyset"));
    await until(() => pd.secure && cp.status()[0]!.trusted);
  } finally {
    await cp.close();
  }
  const other = new SimOsdpPd({ address: 2, scbk: KEY });
  const wrong = rig(other, KEY.map((b) => b ^ 1), true);
  try {
    await until(() => wrong.events.some((e) => e.type === "alarm" && e.reason === "wrong_key"));
    assert.equal(other.secure, false);
  } finally {
    await wrong.cp.close();
  }
});

Deno.test("sim OSDP: inputs are bounded and keys checked", () => {
  const pd = new SimOsdpPd({ address: 0, scbk: null });
  for (let i = 0; i < MAX_SIM_QUEUED_INPUTS; i++) pd.presentCard(1n, 1);
  assert.throws(() => pd.presentCard(1n, 1), RangeError);
  assert.throws(() => new SimOsdpPd({ address: 0, scbk: null }).pressKeys("12a"), RangeError);
});
