/**
 * One Wiegand reader at run time: its D0/D1 lines through the assembler and
 * decoder (`openWiegandReader` + `interpretFrame`), the card + PIN collector
 * of its access point, and its LED and buzzer for feedback.
 *
 * @module
 */
import { Indicator, signalAccess } from "../hardware/indicator.ts";
import type { Clock } from "../clock.ts";
import type { PresentedCard } from "../engine/mod.ts";
import type { GpioChip, OutputLine } from "../hardware/types.ts";
import {
  defineFormat,
  findFormat,
  FORMAT_CATALOGUE,
  type WiegandFormat,
  type WiegandFormatDefinition,
} from "../hardware/wiegand/formats.ts";
import { interpretFrame, type WiegandRead } from "../hardware/wiegand/interpret.ts";
import { openWiegandReader, type WiegandReader } from "../hardware/wiegand/reader.ts";
import type { WiegandFrame } from "../hardware/wiegand/assembler.ts";
import { type Collected, CredentialCollector } from "./collector.ts";
import type { Hardware } from "./hardware.ts";
import type { SafeOutput } from "./protocol.ts";
import type { AccessPointWiring, LineSpec, ReaderWiring } from "./wiring.ts";

/** Options of {@linkcode ReaderRuntime}. */
export interface ReaderRuntimeOptions {
  reader: ReaderWiring;
  accessPoint: AccessPointWiring;
  hardware: Hardware;
  /** Timers (collector deadlines, the reader's silence, LED and buzzer effects). */
  clock: Clock;
  /** `card_or_pin`: whether a card is bound to a PIN (then it waits for it). */
  needsPin?: (card: PresentedCard) => boolean;
  /** Something to decide on. */
  onCredential: (reader: ReaderRuntime, collected: Collected) => void;
  /** A frame that is neither a card nor a key. */
  onBadRead: (reader: ReaderRuntime, reason: string, nbBits: number) => void;
  warnings: string[];
}

/** The parts of the wiring that need the reader to be reopened when they change. */
export function readerHardwareKey(reader: ReaderWiring, accessPoint: AccessPointWiring): string {
  return JSON.stringify({ reader, mode: accessPoint.readerMode, pin: accessPoint.pinTimeoutMs });
}

/** A running reader. */
export class ReaderRuntime {
  readonly wiring: ReaderWiring;
  /** The access point it serves (direction may be refreshed on reload). */
  accessPoint: AccessPointWiring;
  readonly #options: ReaderRuntimeOptions;
  readonly #chip: GpioChip;
  readonly #collector: CredentialCollector;
  readonly #formats: readonly WiegandFormat[];
  readonly #led: Indicator | null;
  readonly #buzzer: Indicator | null;
  #reader: WiegandReader | null = null;
  readonly #lines: OutputLine[] = [];
  #timer: unknown = null;
  #closed = false;

  constructor(options: ReaderRuntimeOptions) {
    this.#options = options;
    this.wiring = options.reader;
    this.accessPoint = options.accessPoint;
    const r = options.reader;
    this.#chip = options.hardware.chip(r.d0.chip);
    this.#collector = new CredentialCollector({
      readerMode: options.accessPoint.readerMode,
      pinTimeoutMs: options.accessPoint.pinTimeoutMs,
      ...(options.needsPin === undefined ? {} : { needsPin: options.needsPin }),
    });
    const named = r.formats.map((f) => this.#format(f)).filter((f) => f !== undefined);
    this.#formats = named.length > 0 ? named : FORMAT_CATALOGUE;
    if (r.d1.chip !== r.d0.chip) {
      options.warnings.push(`reader "${r.name}": D0 and D1 must be on the same chip`);
    } else {
      try {
        this.#reader = openWiegandReader(this.#chip, {
          d0: r.d0.offset,
          d1: r.d1.offset,
          silenceMs: r.silenceMs,
          fixedLength: r.fixedLength,
          activeLow: r.d0.activeLow,
          consumer: `reader-${r.name}`.slice(0, 31),
          scheduler: options.clock,
          onFrame: (frame) => this.#onFrame(frame),
        });
      } catch (error) {
        options.warnings.push(`reader "${r.name}": ${String(error)}`);
      }
    }
    this.#led = this.#indicator(r.led, "led");
    this.#buzzer = this.#indicator(r.buzzer, "buzzer");
  }

  /** The reader device id. */
  get id(): string {
    return this.wiring.id;
  }

  /** Whether the D0/D1 lines are open. */
  get listening(): boolean {
    return this.#reader !== null;
  }

  /** Plays the granted or denied pattern on the LED and buzzer. */
  feedback(granted: boolean): void {
    signalAccess(granted, {
      ...(this.#led ? { led: this.#led } : {}),
      ...(this.#buzzer ? { buzzer: this.#buzzer } : {}),
    });
  }

  /** LED and buzzer off when control is lost. */
  safeOutputs(): SafeOutput[] {
    const out: SafeOutput[] = [];
    for (
      const [spec, indicator, role] of [[this.wiring.led, this.#led, "led"], [
        this.wiring.buzzer,
        this.#buzzer,
        "buzzer",
      ]] as const
    ) {
      if (spec !== null && indicator !== null) {
        out.push({
          chip: spec.chip,
          offset: spec.offset,
          level: spec.activeLow,
          role: `${role} ${this.wiring.name}`,
        });
      }
    }
    return out;
  }

  /** Releases the lines and forgets pending input. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer !== null) this.#options.clock.clearTimeout(this.#timer);
    this.#collector.reset();
    this.#led?.dispose();
    this.#buzzer?.dispose();
    await Promise.all([this.#reader?.close(), ...this.#lines.map((line) => line.close())]);
  }

  #onFrame(frame: WiegandFrame): void {
    if (this.#closed) return;
    const read: WiegandRead = interpretFrame(frame, {
      formats: this.#formats,
      keypad: this.wiring.keypad,
    });
    const now = frame.endNs;
    let collected: Collected[] = [];
    switch (read.kind) {
      case "card":
        collected = this.#collector.card({ cardId: read.cardIdHex, nbBits: read.nbBits }, now);
        break;
      case "key":
        collected = this.#collector.key(read.key, now);
        break;
      case "pin":
        collected = this.#collector.pin(read.pin, now);
        break;
      case "bad_read":
        this.#options.onBadRead(this, read.reason, read.nbBits);
        break;
    }
    this.#deliver(collected);
  }

  #deliver(collected: Collected[]): void {
    for (const item of collected) this.#options.onCredential(this, item);
    this.#arm();
  }

  #arm(): void {
    const scheduler = this.#options.clock;
    if (this.#timer !== null) scheduler.clearTimeout(this.#timer);
    this.#timer = null;
    const deadline = this.#collector.nextDeadlineNs();
    if (deadline === null || this.#closed) return;
    const delayMs = Math.max(0, Number(deadline - this.#chip.nowNs()) / 1e6);
    this.#timer = scheduler.setTimeout(() => {
      this.#timer = null;
      this.#deliver(this.#collector.expire(this.#chip.nowNs()));
    }, Math.ceil(delayMs));
  }

  /** A catalogue name or an administrator definition (a bad one is a warning). */
  #format(item: string | WiegandFormatDefinition): WiegandFormat | undefined {
    try {
      return typeof item === "string" ? findFormat(item) : defineFormat(item);
    } catch (error) {
      this.#options.warnings.push(`reader "${this.wiring.name}": ${String(error)}`);
      return undefined;
    }
  }

  #indicator(spec: LineSpec | null, role: string): Indicator | null {
    if (spec === null) return null;
    try {
      const line = this.#options.hardware.chip(spec.chip).requestOutput(spec.offset, {
        consumer: `${role}-${this.wiring.name}`.slice(0, 31),
        initial: false,
        activeLow: spec.activeLow,
      });
      this.#lines.push(line);
      return new Indicator(line, { scheduler: this.#options.clock });
    } catch (error) {
      this.#options.warnings.push(`reader "${this.wiring.name}" ${role}: ${String(error)}`);
      return null;
    }
  }
}
