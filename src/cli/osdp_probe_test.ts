import assert from "node:assert/strict";
import { loadSerialLibc } from "../hardware/osdp/serial_libc.ts";
import { openPty, openSerialPort } from "../hardware/osdp/serial_port.ts";
import { EmulatedPd, PdBusEmulator } from "../../tests/_osdp_pd.ts";
import { UsageError } from "./args.ts";
import { osdpProbeCommand, runOsdpProbe } from "./osdp_probe.ts";
import { parseHardwareFlags } from "./probe.ts";

Deno.test("parseHardwareFlags() reads --osdp with --baud and --addresses, and refuses bad values", () => {
  assert.deepEqual(parseHardwareFlags(["probe", "--osdp", "/dev/ttyUSB0", "--addresses", "2-4"]), {
    command: "hardware-probe-osdp",
    port: "/dev/ttyUSB0",
    baud: 9600,
    addresses: [2, 3, 4],
    json: false,
  });
  assert.equal(
    osdpProbeCommand("/dev/ttyS0", { baud: "115200", json: true }).addresses.length,
    127,
  );
  assert.throws(() => osdpProbeCommand("/dev/ttyS0", { baud: "4800", json: false }), UsageError);
  assert.throws(
    () => osdpProbeCommand("/dev/ttyS0", { addresses: "5-200", json: false }),
    UsageError,
  );
  assert.throws(() => parseHardwareFlags(["probe", "--osdp", "/dev/x", "--chip", "c"]), UsageError);
  assert.throws(() => parseHardwareFlags(["probe", "--baud", "9600"]), /go with --osdp/);
});

Deno.test("runOsdpProbe() lists the readers that answer, CRC or checksum, with their identity", async () => {
  const libc = loadSerialLibc();
  const { master, slavePath } = openPty(libc);
  const emulator = new PdBusEmulator(master, [
    new EmulatedPd({ address: 1, scbk: new Uint8Array(16) }),
    new EmulatedPd({ address: 3, checksumOnly: true, downgrade: "refuse" }),
  ]);
  try {
    const lines: string[] = [];
    const io = { print: (l: string) => lines.push(l), error: (l: string) => lines.push(l) };
    const open = (port: string, baud: number) => openSerialPort(port, { baud, libc });
    const command = osdpProbeCommand(slavePath, { addresses: "0-4", json: true, baud: "115200" });
    assert.equal(await runOsdpProbe(command, io, open), 0);
    const report = JSON.parse(lines[0]!);
    assert.deepEqual(
      report.readers.map((r: { address: number; crc: boolean; secureChannel: boolean }) => [
        r.address,
        r.crc,
        r.secureChannel,
      ]),
      [[1, true, true], [3, false, false]],
    );
    assert.equal(report.readers[0].identity.vendor, "5C2623");
    lines.length = 0;
    const none = osdpProbeCommand(slavePath, { addresses: "5-6", json: false, baud: "115200" });
    assert.equal(await runOsdpProbe(none, io, open), 1);
    assert.match(lines[0]!, /No OSDP reader answered .* \(addresses 5-6\)/);
    assert.equal(
      await runOsdpProbe(osdpProbeCommand("/dev/ttyNOPE9", { json: false }), io),
      1,
    );
    assert.match(lines.at(-1)!, /Cannot open serial port "\/dev\/ttyNOPE9": ENOENT/);
  } finally {
    await emulator.stop();
    libc.close();
  }
});
