import assert from "node:assert/strict";
import { SimChip } from "../hardware/sim/sim_chip.ts";
import { parseFlags, UsageError } from "./flags.ts";
import { chardevProbeBackend, type ProbeBackend, runProbe, SIMULATED_NOTE } from "./probe.ts";

function capture(): {
  out: string[];
  err: string[];
  io: { print(l: string): void; error(l: string): void };
} {
  const out: string[] = [], err: string[] = [];
  return { out, err, io: { print: (l) => out.push(l), error: (l) => err.push(l) } };
}

/** A backend over sim chips (same ChipInfo / LineInfo as the chardev driver). */
function simBackend(chips: Record<string, SimChip>): ProbeBackend & { closed: boolean } {
  const backend = {
    closed: false,
    chipPaths: () => Object.keys(chips),
    read(path: string) {
      const chip = chips[path];
      if (chip === undefined) throw new Error(`no chip ${path}`);
      const info = chip.info();
      return {
        path,
        ...info,
        lineInfo: Array.from({ length: info.lines }, (_, i) => chip.lineInfo(i)),
      };
    },
    close() {
      backend.closed = true;
    },
  };
  return backend;
}

Deno.test("parseFlags(): leosac hardware probe [--chip] [--json], help and usage errors", () => {
  assert.deepEqual(parseFlags(["hardware", "probe"]), {
    command: "hardware-probe",
    chip: null,
    json: false,
  });
  assert.deepEqual(parseFlags(["hardware", "probe", "--chip", "/dev/gpiochip1", "--json"]), {
    command: "hardware-probe",
    chip: "/dev/gpiochip1",
    json: true,
  });
  assert.deepEqual(parseFlags(["hardware", "--help"]), { command: "help", topic: "hardware" });
  for (
    const args of [["hardware"], ["hardware", "list"], ["hardware", "probe", "x"], [
      "hardware",
      "probe",
      "--verbose",
    ], ["hardware", "probe", "--chip", ""]]
  ) {
    assert.throws(() => parseFlags(args), UsageError, JSON.stringify(args));
  }
});

Deno.test("runProbe() prints a table per chip: offset, name, consumer, used, direction, active-low", async () => {
  await using chip = new SimChip({ lines: ["D0", "D1", "RELAY", ""], name: "gpiochip0" });
  await using _d0 = chip.requestInput(0, { consumer: "reader-front", edges: "both" });
  await using _relay = chip.requestOutput(2, {
    consumer: "strike",
    initial: false,
    activeLow: true,
  });
  const backend = simBackend({ "/dev/gpiochip0": chip });
  const { out, err, io } = capture();
  assert.equal(runProbe({ command: "hardware-probe", chip: null, json: false }, io, backend), 0);
  assert.deepEqual(err, []);
  assert.ok(backend.closed);
  assert.equal(out[0], "/dev/gpiochip0  gpiochip0  [gpio-sim]  4 lines");
  assert.match(out[1]!, /^\s+line\s+name\s+consumer\s+used\s+direction\s+active-low$/);
  assert.match(out[2]!, /^\s+0\s+D0\s+reader-front\s+yes\s+input\s+no$/);
  assert.match(out[4]!, /^\s+2\s+RELAY\s+strike\s+yes\s+output\s+yes$/);
  assert.match(out[5]!, /^\s+3\s+-\s+-\s+no\s+input\s+no$/);

  const json = capture();
  assert.equal(
    runProbe({ command: "hardware-probe", chip: null, json: true }, json.io, backend),
    0,
  );
  const doc = JSON.parse(json.out.join("\n"));
  assert.equal(doc.chips[0].name, "gpiochip0");
  assert.equal(doc.chips[0].lines, 4);
  assert.deepEqual(doc.chips[0].lineInfo[2], {
    offset: 2,
    name: "RELAY",
    consumer: "strike",
    used: true,
    direction: "output",
    activeLow: true,
  });
  assert.deepEqual(doc.errors, []);
});

Deno.test("runProbe() with no /dev/gpiochip* says so and exits 1", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const { out, err, io } = capture();
    const status = runProbe(
      { command: "hardware-probe", chip: null, json: false },
      io,
      chardevProbeBackend({ dir }),
    );
    assert.equal(status, 1);
    assert.deepEqual(out, []);
    assert.match(err.join("\n"), /No GPIO character device found \(no \/dev\/gpiochip\*\)/);
    const json = capture();
    assert.equal(
      runProbe(
        { command: "hardware-probe", chip: null, json: true },
        json.io,
        chardevProbeBackend({ dir }),
      ),
      1,
    );
    assert.deepEqual(JSON.parse(json.out[0]!).chips, []);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("runProbe() through the real driver: a file that is not a GPIO chip is reported, exit 1", () => {
  const dir = Deno.makeTempDirSync();
  try {
    Deno.writeTextFileSync(`${dir}/gpiochip0`, "");
    Deno.writeTextFileSync(`${dir}/gpiochipX`, ""); // not a chip name: ignored
    const { out, err, io } = capture();
    const backend = chardevProbeBackend({ dir });
    assert.deepEqual(backend.chipPaths(), [`${dir}/gpiochip0`]);
    assert.equal(runProbe({ command: "hardware-probe", chip: null, json: false }, io, backend), 1);
    assert.deepEqual(out, []);
    assert.match(err.join("\n"), /gpiochip0: cannot read: ENOTTY/);
    // --chip with a missing path.
    const missing = capture();
    assert.equal(
      runProbe(
        { command: "hardware-probe", chip: `${dir}/gpiochip9`, json: true },
        missing.io,
        chardevProbeBackend({ dir }),
      ),
      1,
    );
    assert.equal(JSON.parse(missing.out.join("\n")).errors[0].errno, 2); // ENOENT
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("leosac hardware probe --hardware sim lists the simulated chip and says it is simulated", async () => {
  assert.deepEqual(parseFlags(["hardware", "probe", "--hardware", "sim"]), {
    command: "hardware-probe",
    chip: null,
    json: false,
    hardware: "sim",
  });
  assert.throws(() => parseFlags(["hardware", "probe", "--hardware", "usb"]), UsageError);
  assert.throws(
    () => parseFlags(["hardware", "probe", "--hardware", "sim", "--chip", "gpiochip0"]),
    /not with --hardware sim/,
  );
  const out: string[] = [];
  const status = await runProbe(
    { command: "hardware-probe", chip: null, json: false, hardware: "sim" },
    { print: (l) => out.push(l), error: (l) => out.push(`ERR ${l}`) },
  );
  assert.equal(status, 0);
  assert.equal(out[0], SIMULATED_NOTE);
  assert.match(out[1]!, /^gpiochip-sim .* 64 lines$/);
  assert.equal(out.filter((l) => /^\s+\d+\s/.test(l)).length, 64);
  const json: string[] = [];
  await runProbe({ command: "hardware-probe", chip: null, json: true, hardware: "sim" }, {
    print: (l) => json.push(l),
    error: (l) => json.push(l),
  });
  const report = JSON.parse(json.join("\n"));
  assert.equal(report.simulated, true);
  assert.equal(report.chips[0].lines, 64);
});
