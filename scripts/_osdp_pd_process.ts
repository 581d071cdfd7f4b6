/**
 * Helper of `bench_osdp.ts`: emulated readers in their own process, so that
 * the benchmark's CPU figure is the CP's alone and the readers' AES does not
 * share the CP's event loop. Opens a pty, answers as `count` Secure Channel
 * PDs (addresses 0…count-1, key 0x40…0x4F), prints the slave path on stdout,
 * then takes commands on stdin, one per line:
 *
 * - `card ADDRESS NUMBER`: the reader at ADDRESS presents a 26-bit card;
 * - `report`: prints one JSON line `{"latenciesMs": [...], "seen": [...]}`:
 *   for each card reply sent, the time until that reader next received
 *   osdp_LED (both timestamps taken in this process, so no clocks are
 *   compared), and the commands each reader has received;
 *
 * and stops when stdin closes.
 *
 * Run: `deno run -A scripts/_osdp_pd_process.ts [count]`
 *
 * @module
 */
// deno-lint-ignore-file no-console
import { loadSerialLibc } from "../src/hardware/osdp/serial_libc.ts";
import { openPty } from "../src/hardware/osdp/serial_port.ts";
import { EmulatedPd, PdBusEmulator } from "../tests/_osdp_pd.ts";

const count = Number(Deno.args[0] ?? "4");
const key = Uint8Array.from({ length: 16 }, (_, i) => 0x40 + i);
const libc = loadSerialLibc();
const { master, slavePath } = openPty(libc);
const pds = Array.from({ length: count }, (_, address) => new EmulatedPd({ address, scbk: key }));
const emulator = new PdBusEmulator(master, pds);
console.log(slavePath);

/** Card reply → the next osdp_LED the same reader received, ms. */
function latencies(): number[] {
  const out: number[] = [];
  for (const pd of pds) {
    const leds = pd.seen.filter((c) => c.code === 0x69);
    for (const reply of pd.replies.filter((r) => r.code === 0x50)) {
      const led = leds.find((c) => c.atMs >= reply.atMs);
      if (led !== undefined) out.push(led.atMs - reply.atMs);
    }
  }
  return out;
}

let pending = "";
for await (const chunk of Deno.stdin.readable.pipeThrough(new TextDecoderStream())) {
  pending += chunk;
  let newline: number;
  while ((newline = pending.indexOf("\n")) >= 0) {
    const [command, address, number] = pending.slice(0, newline).trim().split(" ");
    pending = pending.slice(newline + 1);
    if (command === "card") pds[Number(address)]!.presentCard(BigInt(number!), 26);
    if (command === "report") {
      console.log(
        JSON.stringify({ latenciesMs: latencies(), seen: pds.map((p) => p.seen.length) }),
      );
    }
  }
}
await emulator.stop();
libc.close();
