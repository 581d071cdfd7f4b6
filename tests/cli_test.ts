import assert from "node:assert/strict";
import { join } from "node:path";
import { TestClient } from "../src/testing.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;

interface Running {
  child: Deno.ChildProcess;
  url: string;
  stdoutLines: string[];
  /** Everything written on stderr, once it is closed. */
  stderr: () => Promise<string>;
  /** Resolves when stderr (so far or later) matches `pattern`; rejects when it ends first. */
  stderrMatch: (pattern: RegExp) => Promise<void>;
}

async function startCli(args: string[], env: Record<string, string> = {}): Promise<Running> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", ...env },
  }).spawn();
  const stdoutLines: string[] = [];
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  let url = "";
  while (!url) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    const lines = buffer.split("\n");
    buffer = lines.pop()!;
    for (const line of lines) {
      stdoutLines.push(line);
      const match = /^Listening on (http:\/\/\S+)$/.exec(line);
      if (match) url = match[1]!;
    }
  }
  reader.releaseLock();
  let stderrSoFar = "";
  let stderrEnded = false;
  const stderrWaiters = new Set<() => void>();
  const stderrText = (async () => {
    for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) {
      stderrSoFar += chunk;
      for (const wake of stderrWaiters) wake();
    }
    stderrEnded = true;
    for (const wake of stderrWaiters) wake();
    return stderrSoFar;
  })();
  const stderrMatch = async (pattern: RegExp): Promise<void> => {
    const { promise, resolve, reject } = Promise.withResolvers<void>();
    const check = (): void => {
      if (pattern.test(stderrSoFar)) resolve();
      else if (stderrEnded) reject(new Error(`stderr ended without ${pattern}:\n${stderrSoFar}`));
    };
    stderrWaiters.add(check);
    check();
    try {
      await promise;
    } finally {
      stderrWaiters.delete(check);
    }
  };
  return { child, url, stdoutLines, stderr: () => stderrText, stderrMatch };
}

async function stop(
  running: Running,
  signal: Deno.Signal = "SIGTERM",
): Promise<Deno.CommandStatus> {
  running.child.kill(signal);
  const drain = running.child.stdout.cancel().catch(() => {});
  const status = await running.child.status;
  await drain;
  await running.stderr();
  return status;
}

Deno.test("leosac serve: first start prints the password once, serves /healthz, SIGINT exits 0, data survives", async () => {
  const dir = await Deno.makeTempDir();
  const data = join(dir, "data");
  try {
    const first = await startCli(["--data", data, "--listen", "127.0.0.1:0"]);
    assert.match(first.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const passwordLine = first.stdoutLines.find((l) => l.includes("with password:"));
    assert.ok(passwordLine, first.stdoutLines.join("\n"));
    const password = passwordLine.split("with password: ")[1]!;
    assert.equal(first.stdoutLines.filter((l) => l.startsWith("Listening on")).length, 1);
    const health = await fetch(first.url + "healthz");
    assert.equal(health.status, 200);
    assert.equal((await health.json()).database, "ok");
    const started = Date.now();
    const status = await stop(first, "SIGINT");
    assert.equal(status.code, 0);
    assert.ok(Date.now() - started < 5000, "exits within 5 s");

    const second = await startCli(["--data", data, "--listen", "127.0.0.1:0"]);
    assert.ok(!second.stdoutLines.some((l) => l.includes("password")), "no new password");
    const ws = new WebSocket(second.url.replace("http", "ws") + "websocket");
    await new Promise((r) => ws.addEventListener("open", r, { once: true }));
    const reply = new Promise<string>((r) =>
      ws.addEventListener("message", (e) => r(e.data as string), { once: true })
    );
    ws.send(
      JSON.stringify({
        type: "create_auth_token",
        uuid: "1",
        content: { username: "admin", password },
      }),
    );
    assert.equal(JSON.parse(await reply).content.status, 0, "the first password still works");
    const closed = new Promise((r) => ws.addEventListener("close", r, { once: true }));
    assert.equal((await stop(second)).code, 0);
    await closed;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("leosac serve: --admin-password is used on first start and never printed", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const run = await startCli(["--data", dir, "--listen", "127.0.0.1:0"], {
      LEOSAC_ADMIN_PASSWORD: "given-password-123",
    });
    assert.ok(!run.stdoutLines.some((l) => l.includes("given-password-123")));
    run.child.kill("SIGTERM");
    await run.child.stdout.cancel().catch(() => {});
    assert.equal((await run.child.status).code, 0);
    assert.ok(!(await run.stderr()).includes("given-password-123"), "not in the logs either");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("leosac serve: --admin-password-file sets the first password, which logs in; a short or missing file is refused", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = join(dir, "admin.pw");
    await Deno.writeTextFile(file, "from-a-file-4567\n", { mode: 0o600 });
    const run = await startCli([
      "--data",
      join(dir, "data"),
      "--listen",
      "127.0.0.1:0",
      "--admin-password-file",
      file,
    ]);
    try {
      assert.ok(!run.stdoutLines.some((l) => l.includes("from-a-file-4567")));
      await using client = await TestClient.connect(run.url.replace("http:", "ws:") + "websocket");
      await client.login("admin", "from-a-file-4567");
    } finally {
      assert.equal((await stop(run)).code, 0);
    }
    assert.ok(!(await run.stderr()).includes("from-a-file-4567"), "not in the logs either");
    await Deno.writeTextFile(file, "short\n");
    const short = await runToEnd([
      "--data",
      join(dir, "other"),
      "--listen",
      "127.0.0.1:0",
      "--admin-password-file",
      file,
    ]);
    assert.equal(short.code, 1);
    assert.match(short.stderr, /must have at least 8 characters/);
    const missing = await runToEnd([
      "--data",
      join(dir, "other"),
      "--listen",
      "127.0.0.1:0",
      "--admin-password-file",
      join(dir, "nope"),
    ]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /cannot read --admin-password-file/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("leosac: one version string in --version, /healthz, get_leosac_version and system_overview", async () => {
  const printed = await runToEnd(["--version"]);
  const version = /^leosac (\S+)\n$/.exec(printed.stdout)?.[1];
  assert.ok(version, printed.stdout);
  const dir = await Deno.makeTempDir();
  try {
    const run = await startCli(["--data", dir, "--listen", "127.0.0.1:0"], {
      LEOSAC_ADMIN_PASSWORD: "given-password-123",
    });
    try {
      assert.equal((await (await fetch(run.url + "healthz")).json()).version, version);
      await using client = await TestClient.connect(run.url.replace("http:", "ws:") + "websocket");
      const wire = await client.request("get_leosac_version");
      assert.equal((wire.content as { version: string }).version, version);
      await client.login("admin", "given-password-123");
      const overview = await client.request("system_overview");
      assert.equal((overview.content as { version: string }).version, version);
    } finally {
      assert.equal((await stop(run)).code, 0);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

async function runToEnd(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args],
    env: { NO_COLOR: "1" },
  }).output();
  const decode = (b: Uint8Array): string => new TextDecoder().decode(b);
  return { code: out.code, stdout: decode(out.stdout), stderr: decode(out.stderr) };
}

Deno.test("leosac: a bad flag prints one friendly line, exit 2", async () => {
  const cases: Array<[string[], string]> = [
    [["--hardware", "usb"], `leosac: invalid value for --hardware: "usb" (expected sim, gpio)`],
    [["--bogus"], `leosac: unknown option "--bogus"`],
    [["--listen"], "leosac: --listen needs a value"],
    [["--durable=yes"], "leosac: --durable takes no value"],
  ];
  for (const [args, line] of cases) {
    const result = await runToEnd(args);
    assert.equal(result.code, 2);
    assert.equal(result.stderr, `${line} (leosac --help lists the options)\n`);
    assert.equal(result.stdout, "");
  }
  const simulate = await runToEnd(["simulate", "card", "--nope"]);
  assert.equal(
    simulate.stderr,
    `leosac: unknown option "--nope" (leosac simulate --help lists the options)\n`,
  );
});

Deno.test("leosac: --help and --version print to stdout and exit 0", async () => {
  const help = await runToEnd(["--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--listen HOST:PORT/);
  const version = await runToEnd(["--version"]);
  assert.equal(version.code, 0);
  assert.match(version.stdout, /^leosac \d+\.\d+\.\d+/);
});

Deno.test("leosac serve: a database from a newer schema is a clear error, exit 1, file untouched", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { DatabaseSync } = await import("node:sqlite");
    const db = new DatabaseSync(join(dir, "leosac.db"));
    db.exec("PRAGMA user_version = 999");
    db.close();
    const result = await runToEnd(["--data", dir, "--listen", "127.0.0.1:0"]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /newer than this build/);
    const check = new DatabaseSync(join(dir, "leosac.db"));
    assert.equal(
      (check.prepare("PRAGMA user_version").get() as { user_version: number }).user_version,
      999,
    );
    check.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("leosac serve: an installation key without its database refuses to start (exit 1) unless --allow-new-database", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { openStore } = await import("../src/store/store.ts");
    openStore(dir).close();
    await Deno.remove(join(dir, "leosac.db"));
    const refused = await runToEnd(["--data", dir, "--listen", "127.0.0.1:0"]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /installation key but no database[\s\S]*--allow-new-database/);
    assert.equal(refused.stdout, "");
    await assert.rejects(Deno.stat(join(dir, "leosac.db")), Deno.errors.NotFound);
    const run = await startCli(["--data", dir, "--listen", "127.0.0.1:0", "--allow-new-database"], {
      LEOSAC_ADMIN_PASSWORD: "fresh-password",
    });
    assert.match(run.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    assert.equal((await stop(run)).code, 0);
    await Deno.stat(join(dir, "leosac.db"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

function wsRequest(url: string, messages: Array<{ type: string; content: unknown }>): Promise<
  Array<{ status_code: number; content: unknown }>
> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const replies: Array<{ status_code: number; content: unknown }> = [];
    ws.onerror = () => reject(new Error("connection failed"));
    ws.onopen = () => {
      for (const [i, m] of messages.entries()) {
        ws.send(JSON.stringify({ ...m, uuid: String(i) }));
      }
    };
    ws.onmessage = (e) => {
      replies.push(JSON.parse(e.data as string));
      if (replies.length === messages.length) ws.close();
    };
    ws.onclose = () => resolve(replies);
  });
}

Deno.test("leosac serve: the restart call restarts in-process on the same port", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const run = await startCli(["--data", dir, "--listen", "127.0.0.1:0"], {
      LEOSAC_ADMIN_PASSWORD: "restart-password",
    });
    const wsUrl = run.url.replace("http", "ws") + "websocket";
    const login = {
      type: "create_auth_token",
      content: { username: "admin", password: "restart-password" },
    };
    const replies = await wsRequest(wsUrl, [login, { type: "restart", content: {} }]);
    assert.equal(replies[1]!.status_code, 0);
    // The new server says it listens (on the same address) once it does.
    await run.stderrMatch(
      new RegExp(`Restarted; listening on ${run.url.replaceAll(".", "\\.")}`),
    );
    const after = await wsRequest(wsUrl, [login]);
    assert.equal((after[0]?.content as { status: number }).status, 0, "serves again after restart");
    assert.equal((await stop(run)).code, 0);
    const logs = await run.stderr();
    assert.match(logs, /Restarting on request[\s\S]*Restarted; listening on/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("leosac serve: group names differing only by case (Staff, staff) still load, with one warning; renaming one is the way out", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { openStore } = await import("../src/store/store.ts");
    const store = openStore(dir);
    store.db.exec("INSERT INTO groups (name, description) VALUES ('Staff', ''), ('staff', '')");
    store.close();
    const run = await startCli(["--data", dir, "--listen", "127.0.0.1:0"], {
      LEOSAC_ADMIN_PASSWORD: "case-password",
    });
    const login = {
      type: "create_auth_token",
      content: { username: "admin", password: "case-password" },
    };
    const replies = await wsRequest(run.url.replace("http", "ws") + "websocket", [
      login,
      { type: "group.update", content: { group_id: 2, attributes: { name: "STAFF" } } },
      { type: "group.update", content: { group_id: 2, attributes: { name: "staff-2" } } },
      { type: "group.read", content: { group_id: 0 } },
    ]);
    assert.deepEqual(replies.map((r) => r.status_code), [0, 11, 0, 0]);
    const names = (replies[3]!.content as { data: { attributes: { name: string } }[] }).data
      .map((g) => g.attributes.name);
    assert.deepEqual(names, ["Staff", "staff-2"]);
    assert.equal((await stop(run)).code, 0);
    const warnings = (await run.stderr()).split("\n").filter((l) => /differ only by case/.test(l));
    assert.equal(warnings.length, 1, warnings.join("\n"));
    assert.match(warnings[0]!, /WARNING.*Staff \/ staff\. Rename all but one/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("leosac serve under systemd (JOURNAL_STREAM set): the first password goes to a 0600 file, not to the journal", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const run = await startCli(["--data", dir, "--listen", "127.0.0.1:0"], {
      JOURNAL_STREAM: "8:12345",
    });
    try {
      const file = join(dir, "initial-admin-password");
      const line = run.stdoutLines.find((l) => l.startsWith("First start:"));
      assert.equal(
        line,
        `First start: created administrator "admin"; its password is in ${file} (mode 0600). ` +
          "Log in, change it, then delete the file.",
      );
      assert.equal((await Deno.stat(file)).mode! & 0o777, 0o600);
      const password = (await Deno.readTextFile(file)).trim();
      assert.ok(!run.stdoutLines.some((l) => l.includes(password)), "not printed");
      await using client = await TestClient.connect(run.url.replace("http:", "ws:") + "websocket");
      await client.login("admin", password);
    } finally {
      assert.equal((await stop(run)).code, 0);
    }
    assert.ok(
      !(await run.stderr()).includes(
        (await Deno.readTextFile(join(dir, "initial-admin-password"))).trim(),
      ),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
