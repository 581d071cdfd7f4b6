/**
 * The typed message channel to one controller worker: numbers each request,
 * matches the worker's reply to it, fails it on timeout (on the injected
 * {@linkcode Clock}) or when its `AbortSignal` aborts, and hands the worker's
 * unsolicited messages (events, wiring notices, fatal errors) to the owner.
 *
 * One channel serves one worker instance; the supervisor opens a new channel
 * for each worker it starts and closes the old one, which fails every request
 * still waiting.
 *
 * @module
 */
import type { Clock, TimerHandle } from "../clock.ts";
import {
  CONTROLLER_ERROR,
  ControllerError,
  type ControllerRequest,
  type InitRequest,
  type ReplyValues,
  type WorkerMessage,
  type WorkerRequest,
} from "./protocol.ts";

/** The parts of a `Worker` the channel uses. */
export interface WorkerEndpoint {
  postMessage(message: WorkerRequest): void;
  onmessage: ((event: MessageEvent<WorkerMessage>) => void) | null;
}

/** A request the channel can send: any request after `init`, or `init` itself. */
export type ChannelRequest = ControllerRequest | Omit<InitRequest, "id">;

/** The messages the worker sends besides replies. */
export type Unsolicited = Exclude<WorkerMessage, { type: "reply" }>;

interface Pending {
  resolve(value: unknown): void;
  reject(error: unknown): void;
  timer: TimerHandle;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

/** Request/reply correlation over one worker's `postMessage`. */
export class WorkerChannel {
  readonly #endpoint: WorkerEndpoint;
  readonly #clock: Clock;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  #closed: string | null = null;

  /**
   * Listens on `endpoint`; `onUnsolicited` receives every message that is
   * not a reply (and nothing after {@linkcode WorkerChannel.close}).
   */
  constructor(
    endpoint: WorkerEndpoint,
    clock: Clock,
    onUnsolicited: (message: Unsolicited) => void,
  ) {
    this.#endpoint = endpoint;
    this.#clock = clock;
    endpoint.onmessage = (event) => {
      if (this.#closed !== null) return;
      const message = event.data;
      if (message.type === "reply") this.#settle(message);
      else onUnsolicited(message);
    };
  }

  /** Requests sent and not yet answered. */
  get pending(): number {
    return this.#pending.size;
  }

  /**
   * Sends `request` and resolves with the worker's reply value. Rejects with
   * a {@linkcode ControllerError}: the worker's code, `TIMEOUT` after
   * `timeoutMs`, `UNAVAILABLE` when the channel is or gets closed; or with
   * `signal.reason` when `signal` aborts first.
   */
  send<R extends ChannelRequest>(
    request: R,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<ReplyValues[R["type"]]> {
    if (this.#closed !== null) {
      return Promise.reject(new ControllerError(CONTROLLER_ERROR.UNAVAILABLE, this.#closed));
    }
    if (signal?.aborted) return Promise.reject(signal.reason);
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        this.#drop(id);
        reject(signal!.reason);
      };
      const timer = this.#clock.setTimeout(() => {
        this.#drop(id);
        reject(
          new ControllerError(
            CONTROLLER_ERROR.TIMEOUT,
            `No reply to ${request.type} in ${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#pending.set(id, {
        resolve: resolve as (value: unknown) => void,
        reject,
        timer,
        signal,
        onAbort,
      });
      try {
        this.#endpoint.postMessage({ ...request, id } as WorkerRequest);
      } catch (error) {
        this.#drop(id);
        reject(error);
      }
    });
  }

  /**
   * Stops listening and fails every waiting request with `UNAVAILABLE`
   * (`reason` as the message). Later sends fail the same way.
   */
  close(reason: string): void {
    if (this.#closed !== null) return;
    this.#closed = reason;
    this.#endpoint.onmessage = null;
    for (const [id, pending] of this.#pending) {
      this.#drop(id);
      pending.reject(new ControllerError(CONTROLLER_ERROR.UNAVAILABLE, reason));
    }
  }

  #settle(reply: Extract<WorkerMessage, { type: "reply" }>): void {
    const pending = this.#drop(reply.id);
    if (pending === undefined) return; // timed out or aborted already
    if (reply.ok) pending.resolve(reply.value);
    else pending.reject(new ControllerError(reply.code, reply.message));
  }

  /** Forgets a waiting request (timer and abort listener included). */
  #drop(id: number): Pending | undefined {
    const pending = this.#pending.get(id);
    if (pending === undefined) return undefined;
    this.#pending.delete(id);
    this.#clock.clearTimeout(pending.timer);
    pending.signal?.removeEventListener("abort", pending.onAbort);
    return pending;
  }
}

/** `promise`, or a rejection with `signal.reason` if the signal aborts first. */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
