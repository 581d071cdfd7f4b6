/**
 * A bus whose serial port is missing or goes away: the controller's OSDP
 * runtime (`src/controller/osdp_runtime.ts`) on its real bus thread, on a
 * path that points at the slave end of a real pty, as `/dev/serial/by-id/…`
 * points at a USB adapter's tty. The adapter is plugged in late, unplugged
 * (the pty hangs up, the path goes) and plugged back (a new pty under the
 * same path). The emulated reader (`_osdp_pd.ts`) answers on the master end.
 * (The API refuses ports outside /dev, so the runtime is driven directly;
 * `osdp_e2e_test.ts` checks the same alarm and status through the API.)
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { systemClock } from "../src/clock.ts";
import type { Collected } from "../src/controller/collector.ts";
import type { EventRow } from "../src/controller/audit_rows.ts";
import { OsdpRuntime } from "../src/controller/osdp_runtime.ts";
import { loadWiring } from "../src/controller/wiring.ts";
import { LED_COLOR } from "../src/hardware/osdp/codes.ts";
import { loadSerialLibc } from "../src/hardware/osdp/serial_libc.ts";
import { openPty } from "../src/hardware/osdp/serial_port.ts";
import { encodeCard, H10301 } from "../src/hardware/wiegand/formats.ts";
import { createAccessPoint } from "../src/store/access_points.ts";
import { createDevice } from "../src/store/devices.ts";
import { createDoor } from "../src/store/doors.ts";
import { openTempDatabase } from "../src/store/_test_db.ts";
import { until } from "./_controller_fixtures.ts";
import { EmulatedPd, PdBusEmulator } from "./_osdp_pd.ts";

const ALICE = encodeCard(H10301, 12, 3456);

Deno.test("OSDP runtime: a port plugged in late, unplugged and plugged back: offline once per outage with the port's error, then online and reading", async () => {
  using temp = openTempDatabase();
  const db = temp.db;
  const libc = loadSerialLibc();
  const dir = await Deno.makeTempDir({ prefix: "leosac-osdp-port-" });
  const port = join(dir, "ttyOSDP");
  const bus = createDevice(db, {
    name: "usb",
    type: "osdp-bus",
    config: { port, baud: 115200, poll_ms: 20 },
  });
  const reader = createDevice(db, {
    name: "lobby",
    type: "osdp-reader",
    config: { bus_id: bus.id, address: 1, secure: false },
  });
  const ap = createAccessPoint(db, { readerId: reader.id, readerMode: "card" });
  const door = createDoor(db, { alias: "Lobby", accessPointId: ap.id });

  const rows: Record<string, unknown>[] = [];
  const presented: Collected[] = [];
  const runtime = new OsdpRuntime({
    policyDb: db,
    eventsDb: db,
    secret: new Uint8Array(32).fill(7),
    clock: systemClock,
    present: (_door, _ap, collected) => {
      presented.push(collected);
      runtime.feedback(door.id, true);
    },
    badRead: () => {},
    row: (row: EventRow) => rows.push(row.entry.data as Record<string, unknown>),
    busRetryMs: 100,
  });
  const pd = new EmulatedPd({ address: 1 });
  let emulator: PdBusEmulator | null = null;
  const plugIn = async (): Promise<void> => {
    const pty = openPty(libc);
    await Deno.symlink(pty.slavePath, port);
    emulator = new PdBusEmulator(pty.master, [pd]);
  };
  const alarms = (event: string) => rows.filter((r) => r.event === event);
  const readCard = async (): Promise<void> => {
    const [cards, leds] = [presented.length, pd.leds.length];
    pd.presentCard(ALICE.bits, ALICE.nbBits);
    await until(() => presented.length > cards && pd.leds.length > leds, 5000);
    assert.equal(presented.at(-1)?.card?.nbBits, 26);
    assert.equal(pd.leds.at(-1)![5], LED_COLOR.GREEN);
  };
  try {
    // Not plugged in: a warning of the reload, the reader offline with the port's error.
    const warnings: string[] = [];
    await runtime.reload(loadWiring(db).doors, warnings);
    assert.equal(warnings.length, 1, JSON.stringify(warnings));
    assert.match(warnings[0]!, /OSDP bus "usb": .*ttyOSDP.*ENOENT.*tried again every 0\.1 s/);
    assert.equal(alarms("READER_OFFLINE").length, 1);
    assert.equal(alarms("READER_OFFLINE")[0]!.reason, "port_down");
    assert.match(String(alarms("READER_OFFLINE")[0]!.bus_error), /ENOENT/);
    let status = runtime.status();
    assert.equal(status.length, 1);
    assert.equal(status[0]!.online, false);
    assert.match(String(status[0]!.busError), /ENOENT/);
    assert.throws(() => runtime.installMode(reader.id, 30_000), /bus is down.*ENOENT/);
    // Retries that find nothing say nothing more.
    await new Promise((resolve) => setTimeout(resolve, 350));
    assert.equal(alarms("READER_OFFLINE").length, 1);

    await plugIn();
    await until(() => alarms("READER_ONLINE").length === 1, 5000);
    assert.equal(runtime.status()[0]!.busError, null);
    await readCard();

    // Unplugged: the tty hangs up and its path goes.
    await emulator!.stop();
    await Deno.remove(port);
    await until(() => alarms("READER_OFFLINE").length === 2, 5000);
    const gone = alarms("READER_OFFLINE")[1]!;
    assert.equal(gone.reason, "port_down");
    assert.equal(typeof gone.bus_error, "string");
    status = runtime.status();
    assert.equal(status[0]!.online, false);
    assert.equal(typeof status[0]!.busError, "string");
    await new Promise((resolve) => setTimeout(resolve, 350));
    assert.equal(alarms("READER_OFFLINE").length, 2, "one alarm per outage, not one per retry");
    assert.match(String(runtime.status()[0]!.busError), /ENOENT/);

    await plugIn();
    await until(() => alarms("READER_ONLINE").length === 2, 5000);
    assert.equal(runtime.status()[0]!.online, true);
    assert.equal(runtime.status()[0]!.busError, null);
    await readCard();
    assert.equal(presented.length, 2);
  } finally {
    await runtime.close();
    await (emulator as PdBusEmulator | null)?.stop();
    libc.close();
    await Deno.remove(dir, { recursive: true });
  }
});
