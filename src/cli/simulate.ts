/**
 * Runs `leosac simulate`: logs in to a running controller over its
 * WebSocket API, subscribes to access events, sends `hardware.simulate` and
 * reports the decision.
 *
 * @module
 */
import type { SimulateCommand } from "./simulate_flags.ts";

/** Output of the command (injected for tests). */
export interface SimulateIo {
  print(line: string): void;
  error(line: string): void;
}

interface Frame {
  type: string;
  uuid: string;
  status_code: number;
  status_string: string;
  content: unknown;
}

/** A minimal Leosac envelope client: replies by uuid, pushes to a queue. */
class Connection {
  readonly #socket: WebSocket;
  readonly #pending = new Map<string, (frame: Frame) => void>();
  readonly #pushes: Frame[] = [];
  #onPush: (() => void) | null = null;

  private constructor(socket: WebSocket) {
    this.#socket = socket;
    socket.addEventListener("message", (event) => {
      const frame = JSON.parse(String(event.data)) as Frame;
      const resolve = this.#pending.get(frame.uuid);
      if (resolve !== undefined) {
        this.#pending.delete(frame.uuid);
        resolve(frame);
      } else {
        this.#pushes.push(frame);
        this.#onPush?.();
      }
    });
  }

  static open(url: string, timeoutMs: number): Promise<Connection> {
    const socket = new WebSocket(url);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`Cannot connect to ${url}`)), timeoutMs);
      socket.addEventListener("open", () => {
        clearTimeout(timer);
        resolve(new Connection(socket));
      }, { once: true });
      socket.addEventListener("error", () => {
        clearTimeout(timer);
        reject(new Error(`Cannot connect to ${url}`));
      }, { once: true });
    });
  }

  request(type: string, content: unknown): Promise<Frame> {
    const uuid = crypto.randomUUID();
    const reply = new Promise<Frame>((resolve) => this.#pending.set(uuid, resolve));
    this.#socket.send(JSON.stringify({ type, uuid, content }));
    return reply;
  }

  /** The next push of `type`, or null after `timeoutMs`. */
  async nextPush(type: string, timeoutMs: number): Promise<Frame | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.#pushes.findIndex((f) => f.type === type);
      if (index >= 0) return this.#pushes.splice(index, 1)[0]!;
      const remaining = deadline - Date.now();
      if (remaining <= 0) return null;
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        this.#onPush = resolve;
        timer = setTimeout(resolve, remaining);
      });
      clearTimeout(timer);
      this.#onPush = null;
    }
  }

  close(): Promise<void> {
    if (this.#socket.readyState === WebSocket.CLOSED) return Promise.resolve();
    const closed = new Promise<void>((r) => this.#socket.addEventListener("close", () => r()));
    this.#socket.close();
    return closed;
  }
}

function describe(content: Record<string, unknown>): string {
  const who = content.user === null || content.user === undefined
    ? "unknown holder"
    : `user ${content.user}`;
  const door = content.door_alias
    ? `door ${content.door} "${content.door_alias}"`
    : `door ${content.door}`;
  const card = content.card_id === undefined ? "" : `, card ${content.card_id}`;
  return `${content.granted ? "granted" : "denied"}: ${content.reason} (${who}, ${door}${card})`;
}

/**
 * Runs the command; returns the exit status: 0 granted (or input done), 1
 * denied or failed.
 */
export async function runSimulate(command: SimulateCommand, io: SimulateIo): Promise<number> {
  let connection: Connection;
  try {
    connection = await Connection.open(command.url, Math.min(command.timeoutMs, 10_000));
  } catch (error) {
    io.error(`leosac: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  try {
    const login = await connection.request("create_auth_token", {
      username: command.username,
      password: command.password,
    });
    if (login.status_code !== 0 || (login.content as { status?: number }).status !== 0) {
      io.error(`leosac: login as "${command.username}" failed`);
      return 1;
    }
    const waitsForDecision = command.content.action !== "input";
    if (waitsForDecision) {
      const sub = await connection.request("events.subscribe", { categories: ["access"] });
      if (sub.status_code !== 0) {
        io.error(`leosac: events.subscribe failed: ${sub.status_string}`);
        return 1;
      }
    }
    const reply = await connection.request("hardware.simulate", command.content);
    if (reply.status_code !== 0) {
      io.error(`leosac: hardware.simulate failed: ${reply.status_string}`);
      return 1;
    }
    if (!waitsForDecision) {
      io.print(command.json ? JSON.stringify(reply.content) : "done");
      return 0;
    }
    const event = await connection.nextPush("event.access", command.timeoutMs);
    if (event === null) {
      io.error(`leosac: no access decision within ${command.timeoutMs} ms`);
      return 1;
    }
    const content = event.content as Record<string, unknown>;
    io.print(command.json ? JSON.stringify(content) : describe(content));
    return content.granted === true ? 0 : 1;
  } finally {
    await connection.close();
  }
}
