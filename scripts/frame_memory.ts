/**
 * Measures the server's peak memory under concurrent oversized frames
 * (issue 14, finding 5), loopback only and bounded.
 *
 * A child process runs the app on 127.0.0.1 port 0; this process opens
 * `--connections` raw TCP connections, upgrades each to a WebSocket and sends
 * one masked text frame of `--frame-mib` MiB on each, all at once. It samples
 * the child's resident memory (`/proc/<pid>/status`) until every connection
 * was answered or closed, and prints one JSON line: baseline and peak RSS,
 * how many upgrades were accepted and refused.
 *
 * ```sh
 * deno run --allow-all scripts/frame_memory.ts --connections 20 --frame-mib 32
 * ```
 *
 * @module
 */
import { parseArgs } from "node:util";

if (Deno.args[0] === "--serve") {
  await serve();
} else {
  await measure();
}

/** The child: the app on a temporary store; prints the port, runs until killed. */
async function serve(): Promise<void> {
  const { createApp } = await import("../src/app.ts");
  const { openStore } = await import("../src/store/store.ts");
  const dir = await Deno.makeTempDir({ prefix: "leosac-frame-memory-" });
  const store = openStore(dir);
  const app = createApp({ store });
  const stop = (): void => {
    store.close();
    Deno.removeSync(dir, { recursive: true });
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGTERM", stop);
  Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    onListen: ({ port }) => {
      Deno.stdout.writeSync(new TextEncoder().encode(`${port}\n`));
    },
  }, app.handler);
  await new Promise(() => {});
}

function rssKiB(pid: number, field: "VmRSS" | "VmHWM"): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(status);
  return match ? Number(match[1]) : 0;
}

/** One raw client: upgrade, then one frame of `bytes` bytes; resolves with what happened. */
async function oversizedFrame(port: number, bytes: number): Promise<"answered" | "refused"> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const key = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))));
  await writeAll(
    conn,
    new TextEncoder().encode(
      `GET /websocket HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\n` +
        `Connection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    ),
  );
  const head = new Uint8Array(4096);
  const n = await conn.read(head);
  const status = new TextDecoder().decode(head.subarray(0, n ?? 0)).split("\r\n")[0] ?? "";
  if (!status.includes(" 101 ")) {
    conn.close();
    return "refused";
  }
  // Header: FIN + text, masked, 64-bit length; zero mask so the payload is plain.
  const header = new Uint8Array(14);
  header[0] = 0x81;
  header[1] = 0x80 | 127;
  new DataView(header.buffer).setBigUint64(2, BigInt(bytes));
  await writeAll(conn, header);
  const chunk = new Uint8Array(256 * 1024).fill(0x61);
  try {
    for (let sent = 0; sent < bytes; sent += chunk.length) {
      await writeAll(conn, chunk.subarray(0, Math.min(chunk.length, bytes - sent)));
    }
    await conn.read(head); // the reply (MALFORMED) or the close
  } catch {
    // closed by the server while sending: also an answer
  }
  conn.close();
  return "answered";
}

async function writeAll(conn: Deno.Conn, data: Uint8Array): Promise<void> {
  for (let off = 0; off < data.length;) off += await conn.write(data.subarray(off));
}

async function measure(): Promise<void> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      connections: { type: "string", default: "20" },
      "frame-mib": { type: "string", default: "32" },
    },
  });
  const connections = Number(values.connections);
  const frameBytes = Number(values["frame-mib"]) * 1024 * 1024;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", new URL(import.meta.url).pathname, "--serve"],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let line = "";
  while (!line.includes("\n")) line += (await reader.read()).value ?? "";
  const port = Number(line.trim());
  const baselineKiB = rssKiB(child.pid, "VmRSS");
  let peakKiB = baselineKiB;
  const sampler = setInterval(() => {
    peakKiB = Math.max(peakKiB, rssKiB(child.pid, "VmRSS"));
  }, 5);
  const started = performance.now();
  const outcomes = await Promise.all(
    Array.from({ length: connections }, () => oversizedFrame(port, frameBytes)),
  );
  clearInterval(sampler);
  peakKiB = Math.max(peakKiB, rssKiB(child.pid, "VmHWM"));
  child.kill("SIGTERM");
  await child.status;
  Deno.stdout.writeSync(new TextEncoder().encode(
    JSON.stringify({
      connections,
      frame_mib: frameBytes / 1024 / 1024,
      accepted: outcomes.filter((o) => o === "answered").length,
      refused: outcomes.filter((o) => o === "refused").length,
      baseline_rss_mb: Math.round(baselineKiB / 1024),
      peak_rss_mb: Math.round(peakKiB / 1024),
      seconds: Math.round((performance.now() - started) / 100) / 10,
    }) + "\n",
  ));
}
