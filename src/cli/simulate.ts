/**
 * Runs `leosac simulate`: logs in to a running controller over its
 * WebSocket API, subscribes to access events, sends `hardware.simulate` and
 * reports the decision.
 *
 * The controller plays calls on one reader one after the other, so the
 * decision of a card that waited behind another client's card may come after
 * that card's: a card's decision is the access event with its card id.
 *
 * @module
 */
import { cardFrame } from "../hardware/sim/wiegand_sim.ts";
import { cardIdHex } from "../hardware/wiegand/formats.ts";
import type { SimulateCommand, SimulateContent } from "./simulate_flags.ts";
import { trustedClient } from "./trust.ts";

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

/**
 * Longest wait for one reply: the server answers every request within its
 * 30 s handler limit (TIMEOUT otherwise), so a longer silence is a dead peer.
 */
const REQUEST_TIMEOUT_MS = 35_000;

/** A minimal Leosac envelope client: replies by uuid, pushes to a queue. */
class Connection {
  readonly #socket: WebSocket;
  readonly #pending = new Map<string, (frame: Frame) => void>();
  /** Rejects every waiting request (the socket closed). */
  readonly #failPending = new Set<(error: Error) => void>();
  readonly #pushes: Frame[] = [];
  #onPush: (() => void) | null = null;

  private constructor(socket: WebSocket) {
    this.#socket = socket;
    socket.addEventListener("close", () => {
      for (const fail of this.#failPending) fail(new Error("The controller closed the connection"));
    });
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

  static open(url: string, timeoutMs: number, client: Deno.HttpClient | null): Promise<Connection> {
    const socket = new WebSocket(url, client === null ? undefined : { client });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`Cannot connect to ${url}`)), timeoutMs);
      socket.addEventListener("open", () => {
        clearTimeout(timer);
        resolve(new Connection(socket));
      }, { once: true });
      socket.addEventListener("error", (event) => {
        clearTimeout(timer);
        const why = event instanceof ErrorEvent && event.message ? `: ${event.message}` : "";
        // An untrusted certificate: say how to trust a self-signed controller.
        const hint = /certificate/i.test(why) && client === null
          ? " (for a self-signed controller, pass --fingerprint with the fingerprint it prints at start, or --ca FILE)"
          : "";
        reject(new Error(`Cannot connect to ${url}${why}${hint}`));
      }, { once: true });
    });
  }

  /** Sends a request; rejects when no reply comes within the time limit or the socket closes. */
  request(type: string, content: unknown): Promise<Frame> {
    const uuid = crypto.randomUUID();
    const { promise, resolve, reject } = Promise.withResolvers<Frame>();
    const done = (): void => {
      clearTimeout(timer);
      this.#pending.delete(uuid);
      this.#failPending.delete(fail);
    };
    const fail = (error: Error): void => {
      done();
      reject(error);
    };
    const timer = setTimeout(
      () => fail(new Error(`No reply to ${type} within ${REQUEST_TIMEOUT_MS / 1000} s`)),
      REQUEST_TIMEOUT_MS,
    );
    this.#pending.set(uuid, (frame) => {
      done();
      resolve(frame);
    });
    this.#failPending.add(fail);
    this.#socket.send(JSON.stringify({ type, uuid, content }));
    return promise;
  }

  /** The next push of `type` that `match` accepts, or null after `timeoutMs`. */
  async nextPush(
    type: string,
    timeoutMs: number,
    match: (content: Record<string, unknown>) => boolean = () => true,
  ): Promise<Frame | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.#pushes.findIndex((f) =>
        f.type === type && match(f.content as Record<string, unknown>)
      );
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

/** What the decision of a presented card carries (null for a PIN or an unencodable card). */
function presentedCard(content: SimulateContent): { cardId: string; nbBits: number } | null {
  if (content.action !== "card") return null;
  if ("card_id" in content) {
    return { cardId: content.card_id.toLowerCase(), nbBits: content.nb_bits };
  }
  try {
    const frame = cardFrame(content.format ?? "H10301", content.facility ?? 0, content.number);
    return { cardId: cardIdHex(frame.bits, frame.nbBits), nbBits: frame.nbBits };
  } catch {
    return null;
  }
}

/**
 * Whether an access event can be the decision of `card`: its card id, or a
 * bad read (no card id) of the card's length.
 */
function isDecisionOf(card: { cardId: string; nbBits: number } | null) {
  return (event: Record<string, unknown>): boolean =>
    card === null ||
    (event.card_id === undefined
      ? event.nb_bits === undefined || event.nb_bits === card.nbBits
      : event.card_id === card.cardId);
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
  let client: Deno.HttpClient | null = null;
  const connectMs = Math.min(command.timeoutMs, 10_000);
  try {
    client = await trustedClient(command.url, command, connectMs);
    connection = await Connection.open(command.url, connectMs, client);
  } catch (error) {
    client?.close();
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
    const event = await connection.nextPush(
      "event.access",
      command.timeoutMs,
      isDecisionOf(presentedCard(command.content)),
    );
    if (event === null) {
      io.error(`leosac: no access decision within ${command.timeoutMs} ms`);
      return 1;
    }
    const content = event.content as Record<string, unknown>;
    // An OSDP reader's reply names the colour its LED showed.
    const led = (reply.content as { led?: unknown }).led;
    const shown = typeof led === "string" ? ` [LED ${led}]` : "";
    io.print(command.json ? JSON.stringify(content) : describe(content) + shown);
    return content.granted === true ? 0 : 1;
  } catch (error) {
    io.error(`leosac: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    await connection.close();
    client?.close();
  }
}
