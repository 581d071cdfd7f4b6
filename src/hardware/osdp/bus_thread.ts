/**
 * An OSDP bus on a thread of its own: the controller worker opens the port
 * (so a wrong path or baud rate fails at once, as before) and hands its fd to
 * a Worker (`bus_worker.ts`) that runs the {@linkcode ControlPanel} over a
 * {@linkcode BlockingSerialPort}. That thread sleeps in the kernel's `poll`
 * between a command and its reply and between cycles; the controller worker
 * wakes only for what a bus reports (a card, a key, a status change), not for
 * every poll of every reader. Idle polling of four readers went from 2.5–3.5 %
 * of a core to under 1 % on the 2-core test machine (BENCHMARKS.md, OSDP).
 *
 * {@linkcode OsdpBusThread} has the methods of a control panel the runtime
 * uses. Calls go as messages, each followed by adding 1 to an eventfd the bus
 * thread's `poll` also waits on; the bus thread takes them between turns, so
 * a grant's LED is still the very next command on the bus. `status()` is
 * answered from the last status the bus thread sent (it sends one with every
 * event and whenever a reader's status changed, checked once per cycle).
 *
 * The controller worker owns the port's fd and the eventfd and closes them
 * once the bus thread has stopped (or died).
 *
 * @module
 */
import type { CpTiming } from "./control_panel.ts";
import type { ReaderSignal } from "./messages.ts";
import { offlineStatus, type OsdpEvent, type PdConfig, type PdStatus } from "./pd_link.ts";
import type { SerialLibc } from "./serial_libc.ts";
import { SerialError } from "./serial_port.ts";
import { TERMIOS } from "./termios.ts";

/** What a running bus offers its owner: a {@linkcode ControlPanel}, or a bus thread. */
export interface OsdpBusControl {
  start(): void;
  status(): PdStatus[];
  signal(address: number, signal: ReaderSignal): void;
  enableInstallMode(address: number, timeoutMs?: number): void;
  rotateKey(address: number, scbk: Uint8Array): void;
  disableInstallMode(address: number): void;
  close(): Promise<void>;
}

/** A call the owner makes on the bus thread's control panel. */
export type BusCall =
  | { method: "signal"; address: number; signal: ReaderSignal }
  | { method: "enableInstallMode"; address: number; timeoutMs?: number }
  | { method: "rotateKey"; address: number; scbk: Uint8Array }
  | { method: "disableInstallMode"; address: number };

/** Owner → bus thread. */
export type ToBusThread =
  | {
    type: "init";
    fd: number;
    wakeFd: number;
    path: string;
    pds: PdConfig[];
    timing: Partial<CpTiming>;
    lifeline: SharedArrayBuffer | null;
  }
  | ({ type: "call" } & BusCall)
  | { type: "close" };

/** Bus thread → owner. */
export type FromBusThread =
  | { type: "event"; event: OsdpEvent; status: PdStatus[] }
  | { type: "status"; status: PdStatus[] }
  | { type: "error"; message: string; errno: number | null }
  | { type: "refused"; call: BusCall; message: string }
  | { type: "closed" };

/** Options of {@linkcode OsdpBusThread}. */
export interface OsdpBusThreadOptions {
  /** The owner's libc (the eventfd, closing the fds). */
  libc: SerialLibc;
  /** The open port (`openSerialFd`); the bus thread closes it when it stops. */
  fd: number;
  /** The port's path, for messages. */
  path: string;
  /** The readers (distinct addresses). */
  pds: readonly PdConfig[];
  /** Bus timing (the control panel's defaults otherwise). */
  timing?: Partial<CpTiming>;
  /** Receives every event, in the bus's order. */
  onEvent: (event: OsdpEvent) => void;
  /** Called once if the port fails or the thread dies; the bus is stopped then. */
  onError?: (error: Error) => void;
  /**
   * One Int32 set to non-zero once the owner is gone (terminated: it can
   * neither stop this thread nor close the fds). The bus thread then closes
   * the port's fd and the eventfd itself and ends, within a poll interval.
   */
  lifeline?: SharedArrayBuffer;
}

/** How long a closing bus thread has to stop before it is terminated. */
export const BUS_THREAD_STOP_MS = 5000;

/** The owner's side of a bus thread. */
export class OsdpBusThread implements OsdpBusControl {
  readonly #o: OsdpBusThreadOptions;
  readonly #wakeFd: number;
  readonly #one = new BigUint64Array([1n]);
  #worker: Worker | null = null;
  #status: PdStatus[];
  #closing: Promise<void> | null = null;
  #stopped: (() => void) | null = null;
  #failed = false;

  /** @throws {SerialError} when no eventfd can be created (the port fd is closed then) */
  constructor(options: OsdpBusThreadOptions) {
    this.#o = options;
    const s = options.libc.symbols;
    this.#wakeFd = s.eventfd(0, TERMIOS.EFD_CLOEXEC | TERMIOS.EFD_NONBLOCK);
    if (this.#wakeFd < 0) {
      const errno = options.libc.errno();
      s.close(options.fd);
      throw new SerialError(options.path, errno, "create the wake-up eventfd for");
    }
    this.#status = options.pds.map((pd) => offlineStatus(pd.address, pd.useCrc ?? true));
  }

  start(): void {
    if (this.#worker !== null || this.#closing !== null) return;
    const worker = new Worker(
      new URL(
        import.meta.url.endsWith(".ts") ? "./bus_worker.ts" : "./osdp_bus_worker.js",
        import.meta.url,
      ),
      { type: "module" },
    );
    this.#worker = worker;
    worker.onmessage = (event: MessageEvent<FromBusThread>) => this.#onMessage(event.data);
    worker.onerror = (event: ErrorEvent) => {
      event.preventDefault();
      this.#fail(new Error(`OSDP bus thread of "${this.#o.path}" died: ${event.message}`));
      this.#release();
    };
    this.#post({
      type: "init",
      fd: this.#o.fd,
      wakeFd: this.#wakeFd,
      path: this.#o.path,
      pds: [...this.#o.pds],
      timing: this.#o.timing ?? {},
      lifeline: this.#o.lifeline ?? null,
    });
  }

  status(): PdStatus[] {
    return this.#status.map((pd) => ({ ...pd }));
  }

  signal(address: number, signal: ReaderSignal): void {
    this.#call({ method: "signal", address: this.#known(address), signal });
  }

  enableInstallMode(address: number, timeoutMs?: number): void {
    this.#known(address);
    const other = this.#status.find((pd) => pd.address !== address && pd.installMode);
    if (other !== undefined) throw new RangeError(`PD ${other.address} is already in install mode`);
    this.#call({
      method: "enableInstallMode",
      address,
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
    });
  }

  rotateKey(address: number, scbk: Uint8Array): void {
    if (scbk.length !== 16) throw new RangeError(`SCBK of PD ${address} must be 16 bytes`);
    this.#call({ method: "rotateKey", address: this.#known(address), scbk: scbk.slice() });
  }

  disableInstallMode(address: number): void {
    this.#call({ method: "disableInstallMode", address: this.#known(address) });
  }

  /** Stops the bus thread and closes the port. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    const worker = this.#worker;
    if (worker === null) return this.#release();
    const stopped = new Promise<boolean>((resolve) => {
      this.#stopped = () => resolve(true);
      setTimeout(() => resolve(false), BUS_THREAD_STOP_MS);
    });
    this.#post({ type: "close" });
    const clean = this.#failed || await stopped;
    worker.terminate();
    this.#worker = null;
    if (clean) {
      this.#release();
    } else {
      // The thread may still be inside a call on the fds: leave them open
      // rather than let their numbers be reused under it.
      this.#o.onError?.(
        new Error(`OSDP bus thread of "${this.#o.path}" did not stop; its port stays open`),
      );
    }
  }

  #known(address: number): number {
    if (!this.#o.pds.some((pd) => pd.address === address)) {
      throw new RangeError(`No PD at address ${address} on "${this.#o.path}"`);
    }
    return address;
  }

  #call(call: BusCall): void {
    if (this.#closing !== null || this.#failed) return; // as a closed control panel: nothing goes out
    this.#post({ type: "call", ...call });
  }

  /** Posts, then wakes the bus thread's `poll` (it then awaits the message). */
  #post(message: ToBusThread): void {
    const worker = this.#worker;
    if (worker === null) return;
    worker.postMessage(message);
    if (message.type !== "init") this.#o.libc.symbols.write(this.#wakeFd, this.#one, 8n);
  }

  #onMessage(message: FromBusThread): void {
    switch (message.type) {
      case "event":
        this.#status = message.status;
        this.#o.onEvent(message.event);
        return;
      case "status":
        this.#status = message.status;
        return;
      case "error":
        this.#fail(
          message.errno === null
            ? new Error(message.message)
            : Object.assign(new Error(message.message), { errno: message.errno }),
        );
        return;
      case "refused":
        // A call the owner checked against a status a moment old: a key
        // rotation the reader can no longer take is reported as not sent.
        if (message.call.method === "rotateKey") {
          this.#o.onEvent({
            type: "rekey",
            address: message.call.address,
            outcome: "not_sent",
            reason: null,
          });
        }
        return;
      case "closed":
        this.#stopped?.();
        return;
    }
  }

  #fail(error: Error): void {
    if (this.#failed) return;
    this.#failed = true;
    this.#stopped?.();
    this.#o.onError?.(error);
  }

  #released = false;

  /** Closes the port and the eventfd (the bus thread no longer uses them). */
  #release(): void {
    if (this.#released) return;
    this.#released = true;
    this.#o.libc.symbols.close(this.#o.fd);
    this.#o.libc.symbols.close(this.#wakeFd);
  }
}
