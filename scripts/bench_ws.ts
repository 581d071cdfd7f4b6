/**
 * WebSocket API benchmark (issue 3): a bare Deno.serve JSON echo as the
 * baseline, then our server, with the load generated from a separate
 * process. Prints a Markdown table; `--write` appends it to BENCHMARKS.md.
 *
 *   deno run -A scripts/bench_ws.ts [--messages 20000] [--write]
 *
 * Internal modes: `server-echo`, `server-leosac`, `client <json>`.
 *
 * @module
 */
import { parseArgs } from "node:util";

const SELF = new URL(import.meta.url).pathname;
const PASSWORD = "bench-password-123";

interface ClientResult {
  roundTrips: number;
  seconds: number;
  p50Ms: number;
  p99Ms: number;
}

interface ClientSpec {
  url: string;
  type: string;
  content: unknown;
  clients: number;
  messages: number;
  login: boolean;
  echo: boolean;
}

async function serverEcho(): Promise<void> {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    const { socket, response } = Deno.upgradeWebSocket(req);
    socket.onmessage = (e) => {
      const msg = JSON.parse(e.data as string);
      socket.send(JSON.stringify({
        type: msg.type,
        uuid: msg.uuid,
        status_code: 0,
        status_string: "",
        content: msg.content,
      }));
    };
    return response;
  });
  print(`PORT ${server.addr.port}`);
  await server.finished;
}

async function serverLeosac(): Promise<void> {
  const { openStore } = await import("../src/store/store.ts");
  const { ensureAdministrator } = await import("../src/store/bootstrap.ts");
  const { createApp } = await import("../src/app.ts");
  const dir = await Deno.makeTempDir({ prefix: "leosac-bench-" });
  const store = openStore(dir);
  await ensureAdministrator(store.db, PASSWORD);
  const app = createApp({ store });
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, app.handler);
  print(`PORT ${server.addr.port}`);
  await server.finished;
}

function print(line: string): void {
  Deno.stdout.writeSync(new TextEncoder().encode(line + "\n"));
}

function open(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.onopen = () => resolve(ws);
    ws.onerror = () => reject(new Error("connect failed"));
  });
}

function requester(ws: WebSocket): (type: string, content: unknown) => Promise<unknown> {
  const pending = new Map<string, (v: unknown) => void>();
  let n = 0;
  ws.onmessage = (e) => {
    const msg = JSON.parse(e.data as string);
    pending.get(msg.uuid)?.(msg);
    pending.delete(msg.uuid);
  };
  return (type, content) => {
    const uuid = String(++n);
    return new Promise((resolve) => {
      pending.set(uuid, resolve);
      ws.send(JSON.stringify({ type, uuid, content }));
    });
  };
}

async function client(spec: ClientSpec): Promise<ClientResult> {
  let token = "";
  if (spec.login) {
    const ws = await open(spec.url);
    const r = await requester(ws)("create_auth_token", {
      username: "admin",
      password: PASSWORD,
    }) as {
      content: { token: string };
    };
    token = r.content.token;
    ws.close();
  }
  const sockets = await Promise.all(Array.from({ length: spec.clients }, () => open(spec.url)));
  const requests = sockets.map(requester);
  if (spec.login) await Promise.all(requests.map((r) => r("authenticate_with_token", { token })));
  const perClient = Math.ceil(spec.messages / spec.clients);
  const latencies: number[] = [];
  const started = performance.now();
  await Promise.all(requests.map(async (request) => {
    for (let i = 0; i < perClient; i++) {
      const t0 = performance.now();
      const reply = await request(spec.type, spec.content) as { status_code: number };
      latencies.push(performance.now() - t0);
      if (reply.status_code !== 0) throw new Error(`status ${reply.status_code}`);
    }
  }));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  for (const ws of sockets) ws.close();
  return {
    roundTrips: latencies.length,
    seconds,
    p50Ms: latencies[Math.floor(latencies.length * 0.5)]!,
    p99Ms: latencies[Math.floor(latencies.length * 0.99)]!,
  };
}

async function idleSessions(url: string, count: number): Promise<void> {
  const ws = await open(url);
  const r = await requester(ws)("create_auth_token", { username: "admin", password: PASSWORD }) as {
    content: { token: string };
  };
  const sockets: WebSocket[] = [];
  for (let i = 0; i < count; i += 50) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(50, count - i) }, () => open(url)),
    );
    await Promise.all(
      batch.map((s) => requester(s)("authenticate_with_token", { token: r.content.token })),
    );
    sockets.push(...batch);
  }
  print("READY");
  await new Promise(() => {}); // held open until killed
}

interface Server {
  process: Deno.ChildProcess;
  port: number;
  rssKb(): number;
  stop(): Promise<void>;
}

async function startServer(mode: string): Promise<Server> {
  const process = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--v8-flags=--expose-gc", SELF, mode],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = process.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!/PORT (\d+)/.test(text)) {
    const { value, done } = await reader.read();
    if (done) throw new Error("server did not start");
    text += value;
  }
  reader.releaseLock();
  const port = Number(/PORT (\d+)/.exec(text)![1]);
  return {
    process,
    port,
    rssKb: () =>
      Number(/VmRSS:\s+(\d+)/.exec(Deno.readTextFileSync(`/proc/${process.pid}/status`))![1]),
    async stop() {
      process.kill("SIGKILL");
      await process.stdout.cancel().catch(() => {});
      await process.status;
    },
  };
}

async function runClient(spec: ClientSpec): Promise<ClientResult> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", SELF, "client", JSON.stringify(spec)],
    stderr: "inherit",
  }).output();
  if (out.code !== 0) throw new Error("client failed");
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

async function orchestrate(messages: number, write: boolean, rounds: number): Promise<void> {
  const rows: string[] = [];
  const scenarios = [
    { name: "1 client, sequential", clients: 1 },
    { name: "50 clients, 1 in flight each", clients: 50 },
  ];
  // Both servers run side by side; each round measures the echo baseline and
  // then our server right after it, so a change in machine load affects both.
  // The table gives the median round (by ratio) of each row.
  const echo = await startServer("server-echo");
  const leosac = await startServer("server-leosac");
  const base = `ws://127.0.0.1:${leosac.port}/websocket`;
  for (const s of scenarios) {
    const echoRuns: ClientResult[] = [];
    const ours: Record<string, Array<{ r: ClientResult; ratio: number }>> = {};
    for (let round = 0; round < rounds; round++) {
      const e = await runClient({
        url: `ws://127.0.0.1:${echo.port}/`,
        type: "get_leosac_version",
        content: {},
        clients: s.clients,
        messages,
        login: false,
        echo: true,
      });
      echoRuns.push(e);
      for (
        const [type, content, login] of [
          ["get_leosac_version", {}, false],
          ["user.read", { user_id: 1 }, true],
        ] as const
      ) {
        const r = await runClient({
          url: base,
          type,
          content,
          clients: s.clients,
          messages,
          login,
          echo: false,
        });
        (ours[type] ??= []).push({ r, ratio: rate(r) / rate(e) });
      }
    }
    rows.push(row("baseline echo", s.name, median(echoRuns, rate)));
    for (const [type, runs] of Object.entries(ours)) {
      const mid = median(runs, (x) => x.ratio);
      rows.push(row(type, s.name, mid.r, mid.ratio));
    }
  }
  await echo.stop();
  await leosac.stop();
  const idle = await startServer("server-leosac");
  await new Promise((r) => setTimeout(r, 500));
  const before = idle.rssKb();
  const holder = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", SELF, "idle", `ws://127.0.0.1:${idle.port}/websocket`, "1000"],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = holder.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("READY")) text += (await reader.read()).value ?? "";
  await new Promise((r) => setTimeout(r, 1000));
  const after = idle.rssKb();
  holder.kill("SIGKILL");
  reader.releaseLock();
  await holder.stdout.cancel().catch(() => {});
  await holder.status;
  await idle.stop();
  const report = [
    `### WebSocket API (${new Date().toISOString().slice(0, 10)})`,
    "",
    `Command: \`deno run -A scripts/bench_ws.ts --messages ${messages} --rounds ${rounds}\`. Servers and`,
    "load generator are separate processes on the same 2-core machine (loopback); each row is the",
    `median of ${rounds} rounds, each round measuring the echo baseline and then our server.`,
    "",
    "| request | scenario | round trips/s | p50 ms | p99 ms | vs echo |",
    "|---|---|---|---|---|---|",
    ...rows,
    "",
    `Memory: idle server ${
      (before / 1024).toFixed(1)
    } MB RSS; with 1,000 idle authenticated sessions ` +
    `${(after / 1024).toFixed(1)} MB (+${((after - before) / 1024).toFixed(1)} MB).`,
    "",
  ].join("\n");
  print(report);
  if (write) await Deno.writeTextFile("BENCHMARKS.md", report + "\n", { append: true });
}

function rate(r: ClientResult): number {
  return r.roundTrips / r.seconds;
}

function median<T>(items: T[], key: (item: T) => number): T {
  return [...items].sort((a, b) => key(a) - key(b))[Math.floor(items.length / 2)]!;
}

function row(type: string, scenario: string, r: ClientResult, ratio?: number): string {
  const rate = r.roundTrips / r.seconds;
  return `| ${type} | ${scenario} | ${Math.round(rate)} | ${r.p50Ms.toFixed(3)} | ${
    r.p99Ms.toFixed(3)
  } | ${ratio === undefined ? "-" : `${Math.round(ratio * 100)}%`} |`;
}

if (import.meta.main) {
  const [mode, arg, count] = Deno.args;
  if (mode === "server-echo") await serverEcho();
  else if (mode === "server-leosac") await serverLeosac();
  else if (mode === "client") print(JSON.stringify(await client(JSON.parse(arg!))));
  else if (mode === "idle") await idleSessions(arg!, Number(count));
  else {
    const { values } = parseArgs({
      args: Deno.args,
      options: {
        messages: { type: "string", default: "20000" },
        rounds: { type: "string", default: "3" },
        write: { type: "boolean" },
      },
    });
    await orchestrate(Number(values.messages), values.write ?? false, Number(values.rounds));
  }
}
