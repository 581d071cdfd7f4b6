import assert from "node:assert/strict";
import { UsageError } from "./args.ts";
import { parsePeopleFlags } from "./people.ts";
import { Progress } from "./progress.ts";

Deno.test("parsePeopleFlags() reads import and export command lines", () => {
  assert.deepEqual(
    parsePeopleFlags(
      "import",
      ["people", "a.csv", "--dry-run", "--ignore-unknown-columns"],
      "./data",
    ),
    {
      command: "import-people",
      file: "a.csv",
      dataDir: "./data",
      dryRun: true,
      ignoreUnknownColumns: true,
    },
  );
  assert.deepEqual(parsePeopleFlags("export", ["people", "b.csv", "--data", "/d"], "./data"), {
    command: "export-people",
    file: "b.csv",
    dataDir: "/d",
  });
  assert.deepEqual(parsePeopleFlags("import", ["--help"], "./data"), { command: "help" });
  for (
    const [verb, args, message] of [
      ["import", ["people"], /missing FILE\.csv/],
      ["import", ["cards", "a.csv"], /cannot import "cards": only people/],
      ["export", ["people", "a.csv", "--dry-run"], /options of import/],
      ["import", ["people", "a.csv", "b.csv"], /unexpected argument: "b\.csv"/],
      ["import", ["people", "a.csv", "--data", ""], /invalid value for --data/],
    ] as const
  ) {
    assert.throws(
      () => parsePeopleFlags(verb, [...args], "./data"),
      (e) => e instanceof UsageError && message.test(e.message),
    );
  }
});

Deno.test("Progress draws a bar with rate and ETA on a terminal, plain lines elsewhere", () => {
  const drawn: string[] = [];
  const bar = new Progress({ write: (t) => drawn.push(t), isTerminal: true }, 0);
  bar.update("check", 1000, 500);
  bar.update("write", 250, 1000);
  bar.update("write", 500, 2000);
  bar.done();
  assert.deepEqual(drawn, [
    "\r\x1b[2Kcheck 1000 rows  2000 rows/s",
    "\n",
    "\r\x1b[2Kwrite [######..................] 25%  250/1000 rows  500 rows/s  ETA 2s",
    "\r\x1b[2Kwrite [############............] 50%  500/1000 rows  333 rows/s  ETA 2s",
    "\n",
  ]);
  const lines: string[] = [];
  const plain = new Progress({ write: (t) => lines.push(t), isTerminal: false }, 0);
  plain.update("check", 500, 1000);
  plain.update("check", 1000, 2000);
  plain.update("check", 5000, 7000);
  plain.done();
  assert.deepEqual(lines, ["check 500 rows  500 rows/s\n", "check 5000 rows  714 rows/s\n"]);
});
