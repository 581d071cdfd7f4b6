/**
 * The OSDP control panel (CP) of one bus: up to {@linkcode MAX_PDS_PER_BUS}
 * PDs on one serial port, polled in turn. Each turn sends one command (see
 * `pd_link.ts` for what and why) and waits up to `replyTimeoutMs` for the
 * reply, cutting it with the `interCharTimeoutMs` rule: a packet whose bytes
 * stop arriving for that long is dropped. A cycle over every PD that is due
 * starts every `pollIntervalMs` (on a fixed grid). A command queued (the LED
 * of a grant) goes out before the next regular turn, whichever PD that turn
 * is for, or at once during the pause between cycles: the reader that sent a
 * card gets its LED as the very next command on the bus.
 *
 * The port is a {@linkcode ByteLink} (`serial_port.ts` for a real port or a
 * pty; anything else in tests).
 *
 * @module
 */
import { type Clock, systemClock, type TimerHandle } from "../../clock.ts";
import { MAX_PACKET_BYTES } from "./codes.ts";
import { FrameReader, type Packet } from "./frame.ts";
import type {
  BuzzerCommand,
  LedCommand,
  OutputCommand,
  ReaderSignal,
  TextCommand,
} from "./messages.ts";
import { signalCommands, signalText } from "./messages.ts";
import { type OsdpEvent, type PdConfig, PdLink, type PdStatus } from "./pd_link.ts";
import type { ByteLink } from "./serial_port.ts";

/** PDs one bus may have. */
export const MAX_PDS_PER_BUS = 16;

/** Defaults of {@linkcode ControlPanelOptions}. */
export const CP_DEFAULTS = {
  /** A cycle over the PDs starts every this many ms. */
  pollIntervalMs: 50,
  /** A PD must answer within this (OSDP: 200 ms). */
  replyTimeoutMs: 200,
  /** A packet whose bytes pause this long is dropped (OSDP: 20 ms). */
  interCharTimeoutMs: 20,
  /** No valid reply for this long → offline. */
  offlineAfterMs: 2000,
  /** Wait before probing an offline PD or retrying a failed Secure Channel. */
  retryWaitMs: 800,
  /** The receive buffer announced with osdp_ACURXSIZE. */
  receiveBufferBytes: MAX_PACKET_BYTES,
  /** How long install mode lasts when enabled. */
  installTimeoutMs: 120_000,
} as const;

/** The timing of a bus (see {@linkcode CP_DEFAULTS}). */
export type CpTiming = { -readonly [K in keyof typeof CP_DEFAULTS]: number };

/** Options of {@linkcode ControlPanel}. */
export interface ControlPanelOptions extends Partial<CpTiming> {
  /** The bus. The control panel closes it. */
  link: ByteLink;
  /** The PDs (distinct addresses, at most {@linkcode MAX_PDS_PER_BUS}). */
  pds: readonly PdConfig[];
  /** Receives every event (synchronously, from the bus loop). */
  onEvent: (event: OsdpEvent) => void;
  /** Called once if the port fails; the loop then stops. */
  onError?: (error: unknown) => void;
  /** Monotonic time and the pause between cycles. @default systemClock */
  clock?: Clock;
  /**
   * Awaited after every turn, before the next command is chosen: a bus
   * thread waits there briefly for its owner's answer to a card (the LED),
   * which then goes out next. @default none
   */
  afterTurn?: () => Promise<void>;
}

/** Counters of one bus (benchmarks, diagnostics). */
export interface BusCounters {
  /** Commands sent, resends included. */
  sent: number;
  /** Valid replies taken. */
  replies: number;
  /** Turns that ended without a valid reply. */
  timeouts: number;
  /** Packets with a bad CRC or checksum, or an impossible length. */
  badPackets: number;
  /** Partial packets dropped by the inter-character timeout. */
  interCharDrops: number;
  /** Commands sent again (same sequence). */
  resends: number;
}

/** A running bus. */
export class ControlPanel {
  readonly #link: ByteLink;
  readonly #options: ControlPanelOptions;
  readonly #timing: CpTiming;
  readonly #clock: Clock;
  readonly #pds = new Map<number, PdLink>();
  readonly #reader = new FrameReader();
  readonly counters: BusCounters = {
    sent: 0,
    replies: 0,
    timeouts: 0,
    badPackets: 0,
    interCharDrops: 0,
    resends: 0,
  };
  #wake: (() => void) | null = null;
  #timer: TimerHandle | null = null;
  #closed = false;
  #done: Promise<void> = Promise.resolve();
  #lastSent = new Map<number, Uint8Array>();

  /** @throws {RangeError} for too many PDs, a repeated address or a bad SCBK */
  constructor(options: ControlPanelOptions) {
    this.#options = options;
    this.#link = options.link;
    this.#clock = options.clock ?? systemClock;
    this.#timing = { ...CP_DEFAULTS };
    for (const key of Object.keys(CP_DEFAULTS) as (keyof CpTiming)[]) {
      const value = options[key];
      if (value !== undefined) this.#timing[key] = value;
    }
    if (options.pds.length > MAX_PDS_PER_BUS) {
      throw new RangeError(`A bus takes at most ${MAX_PDS_PER_BUS} PDs, got ${options.pds.length}`);
    }
    const nowMs = this.#clock.monotonic();
    for (const config of options.pds) {
      if (this.#pds.has(config.address)) {
        throw new RangeError(`Two PDs at address ${config.address} on "${this.#link.path}"`);
      }
      this.#pds.set(
        config.address,
        new PdLink(config, { timing: this.#timing, emit: options.onEvent, nowMs }),
      );
    }
  }

  /** Starts polling. */
  start(): void {
    this.#done = this.#run();
  }

  /** Every PD's status. */
  status(): PdStatus[] {
    return [...this.#pds.values()].map((pd) => pd.status());
  }

  /**
   * Shows a decision (or "waiting for PIN") on a PD's LED and buzzer, and as
   * a short text when its osdp_PDCAP reported a display ("Access granted",
   * "Access denied", "Enter PIN", cut to the display's width).
   */
  signal(address: number, signal: ReaderSignal): void {
    const { led, buzzer } = signalCommands(signal);
    this.led(address, led);
    if (buzzer !== null) this.buzzer(address, buzzer);
    const text = signalText(signal, this.#pd(address).display);
    if (text !== null) this.text(address, text);
  }

  /** Queues osdp_LED. @throws {RangeError} for an unknown address */
  led(address: number, command: LedCommand): void {
    this.#pd(address).led(command);
    this.#wakeUp();
  }

  /** Queues osdp_BUZ. @throws {RangeError} for an unknown address */
  buzzer(address: number, command: BuzzerCommand): void {
    this.#pd(address).buzzer(command);
    this.#wakeUp();
  }

  /** Queues osdp_TEXT. @throws {RangeError} for an unknown address or a text it cannot carry */
  text(address: number, command: TextCommand): void {
    this.#pd(address).text(command);
    this.#wakeUp();
  }

  /** Queues osdp_OUT. @throws {RangeError} for an unknown address */
  output(address: number, command: OutputCommand): void {
    this.#pd(address).output(command);
    this.#wakeUp();
  }

  /**
   * Puts one PD in install mode for `timeoutMs` (SCBK-D, then KEYSET).
   *
   * @throws {RangeError} when another PD of the bus is already in install mode
   */
  enableInstallMode(address: number, timeoutMs: number = this.#timing.installTimeoutMs): void {
    const pd = this.#pd(address);
    const other = [...this.#pds.values()].find((p) => p !== pd && p.status().installMode);
    if (other !== undefined) {
      throw new RangeError(`PD ${other.address} is already in install mode`);
    }
    pd.enableInstallMode(this.#clock.monotonic() + timeoutMs);
    this.#wakeUp();
  }

  /**
   * Sends a PD a new Secure Channel key inside its session (see
   * `PdLink.rotateKey`); the outcome comes as a `keyset` or `rekey` event.
   *
   * @throws {RangeError} for an unknown address, or a PD that cannot take a key now
   */
  rotateKey(address: number, scbk: Uint8Array): void {
    this.#pd(address).rotateKey(scbk);
    this.#wakeUp();
  }

  /** Ends install mode of a PD. */
  disableInstallMode(address: number): void {
    this.#pd(address).disableInstallMode();
  }

  /** Stops polling and closes the port. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return await this.#done;
    this.#closed = true;
    this.#wakeUp();
    await this.#link.close();
    await this.#done;
  }

  #pd(address: number): PdLink {
    const pd = this.#pds.get(address);
    if (pd === undefined) {
      throw new RangeError(`No PD at address ${address} on "${this.#link.path}"`);
    }
    return pd;
  }

  async #run(): Promise<void> {
    try {
      // Cycles start on a fixed grid, every pollIntervalMs from the first: a
      // late timer does not push the next cycle back. A cycle that overruns
      // its slot starts the grid again from its end (no catching up).
      let cycleAt = this.#clock.monotonic();
      while (!this.#closed) {
        for (const pd of this.#pds.values()) {
          await this.#sendQueued();
          if (this.#closed) return;
          if (pd.due(this.#clock.monotonic())) await this.#turn(pd);
        }
        await this.#sendQueued();
        cycleAt += this.#timing.pollIntervalMs;
        if (cycleAt < this.#clock.monotonic()) cycleAt = this.#clock.monotonic();
        // The pause; a queued command ends it, goes out, and the pause goes on.
        for (;;) {
          const pauseMs = cycleAt - this.#clock.monotonic();
          if (pauseMs <= 0 || this.#closed) break;
          await this.#pause(pauseMs);
          await this.#sendQueued();
        }
      }
    } catch (error) {
      if (this.#closed) return;
      this.#closed = true;
      this.#options.onError?.(error);
      await this.#link.close().catch(() => {});
    }
  }

  /**
   * Sends every queued command (the LED of a grant) before the next regular
   * turn, so it is the very next command on the bus rather than one after
   * the other PDs' polls.
   */
  async #sendQueued(): Promise<void> {
    for (let pd = this.#queuedPd(); pd !== undefined && !this.#closed; pd = this.#queuedPd()) {
      await this.#turn(pd);
    }
  }

  /** A PD with a command waiting (and its last command answered), if any. */
  #queuedPd(): PdLink | undefined {
    for (const pd of this.#pds.values()) {
      if (pd.hasQueued && pd.due(this.#clock.monotonic())) return pd;
    }
    return undefined;
  }

  async #turn(pd: PdLink): Promise<void> {
    const bytes = pd.nextCommand(this.#clock.monotonic());
    if (this.#lastSent.get(pd.address) === bytes) this.counters.resends++;
    this.#lastSent.set(pd.address, bytes);
    this.#reader.reset();
    await this.#link.write(bytes);
    this.counters.sent++;
    const packet = await this.#receive(pd.address);
    const nowMs = this.#clock.monotonic();
    if (packet !== null && pd.onReply(packet, nowMs)) {
      this.counters.replies++;
    } else {
      this.counters.timeouts++;
      pd.onNoReply(nowMs);
    }
    if (this.#options.afterTurn !== undefined) await this.#options.afterTurn();
  }

  /** The reply from `address` within the reply timeout, or null. */
  async #receive(address: number): Promise<Packet | null> {
    const { replyTimeoutMs, interCharTimeoutMs } = this.#timing;
    const deadline = this.#clock.monotonic() + replyTimeoutMs;
    let lastByteAt = 0;
    for (;;) {
      const nowMs = this.#clock.monotonic();
      const left = deadline - nowMs;
      if (left <= 0 || this.#closed) return null;
      const partial = this.#reader.pending > 0;
      const chunk = await this.#link.read(partial ? Math.min(left, interCharTimeoutMs) : left);
      if (chunk.length === 0) {
        if (partial && this.#clock.monotonic() - lastByteAt >= interCharTimeoutMs) {
          this.#reader.reset();
          this.counters.interCharDrops++;
        }
        continue;
      }
      lastByteAt = this.#clock.monotonic();
      for (const result of this.#reader.push(chunk)) {
        if (result.kind === "error") {
          this.counters.badPackets++;
          if (result.error.reason === "check") return null; // resend at once
          continue;
        }
        const packet = result.packet;
        if (packet.reply && packet.address === address) return packet;
      }
    }
  }

  #pause(ms: number): Promise<void> {
    if (this.#link.idle !== undefined) return this.#link.idle(ms);
    return new Promise((resolve) => {
      this.#wake = resolve;
      this.#timer = this.#clock.setTimeout(() => this.#wakeUp(), ms);
    });
  }

  #wakeUp(): void {
    if (this.#timer !== null) this.#clock.clearTimeout(this.#timer);
    this.#timer = null;
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }
}
