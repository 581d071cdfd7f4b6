import assert from "node:assert/strict";
import { ancestorsOf, goneAncestor, parseStat, type ReadStat } from "./launcher.ts";

/** A fake /proc: pid → [ppid, start time, state]. */
function fakeProc(table: Map<number, [number, string, string?]>): ReadStat {
  return (pid) => {
    const row = table.get(pid);
    if (row === undefined) return null;
    const fields = Array.from({ length: 50 }, (_, i) => String(i));
    fields[1] = String(row[0]);
    fields[19] = row[1];
    return `${pid} (odd) name) ${row[2] ?? "S"} ${fields.slice(1).join(" ")}`;
  };
}

Deno.test("parseStat() reads the parent and start time past a command name with ') '", () => {
  const stat = "42 (a) b) S 7 42 42 0 -1 4194304 1 2 3 4 5 6 7 8 20 0 1 0 9999 3133440";
  assert.deepEqual(parseStat(stat), { state: "S", ppid: 7, startTime: "9999" });
  assert.equal(parseStat("garbage"), null);
});

Deno.test("ancestorsOf() stops before PID 1; goneAncestor() sees a death, a zombie and a reused PID", () => {
  const table = new Map<number, [number, string, string?]>([
    [40, [30, "400"]],
    [30, [20, "300"]],
    [20, [1, "200"]],
    [1, [0, "1"]],
  ]);
  const read = fakeProc(table);
  const ancestors = ancestorsOf(40, read);
  assert.deepEqual(ancestors, [{ pid: 30, startTime: "300" }, { pid: 20, startTime: "200" }]);
  assert.equal(goneAncestor(ancestors, read), null);
  table.set(20, [1, "999"]); // PID 20 now names a newer process
  assert.deepEqual(goneAncestor(ancestors, read), { pid: 20, startTime: "200" });
  table.set(20, [1, "200", "Z"]); // killed, not yet reaped
  assert.deepEqual(goneAncestor(ancestors, read), { pid: 20, startTime: "200" });
  table.set(20, [1, "200"]);
  table.delete(30);
  assert.deepEqual(goneAncestor(ancestors, read), { pid: 30, startTime: "300" });
});

Deno.test("serve --stop-with-launcher: killing the launcher (kill -9) stops the controller cleanly", async () => {
  const dir = await Deno.makeTempDir();
  const main = new URL("../../main.ts", import.meta.url).pathname;
  // bash stays the controller's parent (`; true` keeps it from exec'ing deno).
  const launcher = new Deno.Command("bash", {
    args: [
      "-c",
      `"${Deno.execPath()}" run -A "${main}" serve --stop-with-launcher --listen 127.0.0.1:0 ` +
      `--data "${dir}/data" > "${dir}/out" 2> "${dir}/err"; true`,
    ],
    env: { NO_COLOR: "1", LEOSAC_ADMIN_PASSWORD: "launcher-test-pw" },
  }).spawn();
  try {
    let controller = 0;
    for (let i = 0; i < 900 && controller === 0; i++) {
      const out = await Deno.readTextFile(`${dir}/out`).catch(() => "");
      if (out.includes("Listening on")) {
        const children = await Deno.readTextFile(
          `/proc/${launcher.pid}/task/${launcher.pid}/children`,
        );
        controller = Number(children.trim().split(" ")[0]);
      } else {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    assert.ok(controller > 0, "the controller started");
    launcher.kill("SIGKILL");
    await launcher.status;
    let alive = true;
    for (let i = 0; i < 300 && alive; i++) {
      await new Promise((r) => setTimeout(r, 100));
      alive = await Deno.stat(`/proc/${controller}`).then(() => true, () => false);
    }
    assert.equal(alive, false, "the controller exited after its launcher died");
    assert.match(
      await Deno.readTextFile(`${dir}/err`),
      /The launching process \d+ exited: stopping/,
    );
  } finally {
    try {
      launcher.kill("SIGKILL");
    } catch { /* already gone */ }
    await Deno.remove(dir, { recursive: true });
  }
});
