// deno-lint-ignore-file no-console -- a script: its output is the report
/**
 * Runs the GPIO contract suite against the real character-device driver on a
 * gpio-sim chip. Meant for the QEMU guest built by scripts/qemu/run.sh, where
 * it runs as a bundle (the guest has no module cache):
 *
 *   deno run -A --no-config guest_contract.js /dev/gpiochip0 /sys/devices/platform/gpio-sim.0/gpiochip0
 *
 * Inputs are driven through gpio-sim's sysfs `sim_gpioN/pull`, outputs observed
 * through `sim_gpioN/value`; the last case runs the real access path (a grant
 * driving the strike line, guest_access.ts). Prints one line per case and a final
 * `GPIO CONTRACT: PASS|FAIL (N passed, M failed)` line; exits 1 on failure.
 *
 * @module
 */

import { openChardevChip } from "../../src/hardware/chardev/chardev_chip.ts";
import { type ContractFixture, runGpioContract } from "../../src/hardware/contract.ts";
import { runWorkerDeathCase } from "./guest_worker_death.ts";
import { type ChipReport, runProbe } from "../../src/cli/probe.ts";
import { runStrikeGrantCase } from "./guest_access.ts";

const [chipPath, sysfsBase] = Deno.args;
if (chipPath === undefined || sysfsBase === undefined) {
  console.error("usage: guest_contract.js <chip path> <gpio-sim sysfs dir of the chip>");
  Deno.exit(2);
}

function simAttribute(offset: number, name: string): string {
  return `${sysfsBase}/sim_gpio${offset}/${name}`;
}

function makeFixture(): ContractFixture {
  return {
    chip: openChardevChip(chipPath!),
    lines: { d0: 0, d1: 1, output: 2, spare: 3 },
    drive(offset: number, level: boolean): void {
      Deno.writeTextFileSync(simAttribute(offset, "pull"), level ? "pull-up" : "pull-down");
    },
    observe(offset: number): boolean {
      return Deno.readTextFileSync(simAttribute(offset, "value")).trim() === "1";
    },
  };
}

const cases: { name: string; fn: () => Promise<void> }[] = [];
runGpioContract(makeFixture, {
  name: "ChardevChip",
  timeoutMs: 20_000,
  test: (name, fn) => cases.push({ name, fn }),
});
cases.push({
  name: "worker death: outputs go safe from the main thread, lines re-requestable (no EBUSY)",
  fn: async () => {
    const note = await runWorkerDeathCase(
      chipPath,
      { strike: 2, failSafe: 3, input: 0 },
      (o) => Deno.readTextFileSync(simAttribute(o, "value")).trim() === "1",
    );
    console.log(`       ${note}`);
  },
});
cases.push({
  name: "leosac hardware probe lists the gpio-sim chip, its line names and consumers",
  fn: async () => {
    await using chip = openChardevChip(chipPath!);
    await using _relay = chip.requestOutput(2, { consumer: "probe-relay", initial: false });
    const out: string[] = [];
    const io = { print: (l: string) => out.push(l), error: (l: string) => out.push(l) };
    const status = runProbe({ command: "hardware-probe", chip: null, json: true }, io);
    const report = JSON.parse(out.join("\n")) as { chips: ChipReport[] };
    const sim = report.chips.find((c) => c.path === chipPath);
    const line = (o: number) => sim?.lineInfo[o];
    if (
      status !== 0 || sim === undefined || line(0)?.name !== "D0" || line(1)?.name !== "D1" ||
      line(2)?.consumer !== "probe-relay" || line(2)?.direction !== "output" ||
      line(2)?.used !== true || line(3)?.used !== false
    ) throw new Error(`unexpected probe output (status ${status}): ${out.join("\n")}`);
    const table: string[] = [];
    runProbe({ command: "hardware-probe", chip: chipPath!, json: false }, {
      print: (l) => table.push(l),
      error: (l) => table.push(l),
    });
    for (const l of table.slice(0, 5)) console.log(`       ${l}`);
  },
});

cases.push({
  name: "a grant drives the strike line (Controller, SQLite store, audit rows)",
  fn: async () => {
    const note = await runStrikeGrantCase(chipPath, { d0: 0, d1: 1, strike: 2 }, {
      drive: (o, level) =>
        Deno.writeTextFileSync(simAttribute(o, "pull"), level ? "pull-up" : "pull-down"),
      observe: (o) => Deno.readTextFileSync(simAttribute(o, "value")).trim() === "1",
    });
    console.log(`       ${note}`);
  },
});

let passed = 0;
let failed = 0;
const suiteStart = performance.now();
for (const c of cases) {
  const start = performance.now();
  try {
    await c.fn();
    passed++;
    console.log(`ok     ${c.name} (${Math.round(performance.now() - start)} ms)`);
  } catch (error) {
    failed++;
    console.log(`FAILED ${c.name} (${Math.round(performance.now() - start)} ms)`);
    console.log(error instanceof Error ? error.stack ?? error.message : String(error));
  }
}
const verdict = failed === 0 && passed > 0 ? "PASS" : "FAIL";
const totalMs = Math.round(performance.now() - suiteStart);
console.log(`GPIO CONTRACT: ${verdict} (${passed} passed, ${failed} failed) in ${totalMs} ms`);
Deno.exit(verdict === "PASS" ? 0 : 1);
