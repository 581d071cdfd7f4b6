/**
 * One door at run time: its state machine (`stepDoor`), its strike output,
 * contact and REX inputs, and the single timer the machine asks for.
 *
 * @module
 */
import {
  createDoorState,
  type DoorEvent,
  type DoorInput,
  type DoorState,
  type DoorStep,
  safeStrikeOf,
  stepDoor,
} from "../engine/mod.ts";
import type { Hardware } from "./hardware.ts";
import type { Clock } from "../clock.ts";
import type { InputLine, OutputLine } from "../hardware/types.ts";
import type { DoorStatus, SafeOutput } from "./protocol.ts";
import type { DoorWiring, LineSpec } from "./wiring.ts";

/** Options of {@linkcode DoorRuntime}. */
export interface DoorRuntimeOptions {
  wiring: DoorWiring;
  hardware: Hardware;
  /** Wall time for the machine, and its timer. */
  clock: Clock;
  /** Events of steps the runtime takes by itself (edges, timers). */
  onEvents: (door: DoorRuntime, events: DoorEvent[]) => void;
  /** Reader feedback requested by the machine. */
  onFeedback: (door: DoorRuntime, signal: "granted" | "denied") => void;
  /** Where configuration problems are reported. */
  warnings: string[];
}

/** The parts of the wiring that need new lines or a new machine when they change. */
export function doorHardwareKey(wiring: DoorWiring): string {
  const { strike, contact, rex, unlockMs, heldOpenMs, unlockAfterFirstCard } = wiring;
  return JSON.stringify({ strike, contact, rex, unlockMs, heldOpenMs, unlockAfterFirstCard });
}

/** A running door. */
export class DoorRuntime {
  /** The wiring it was built from (alias, mode and access point may be refreshed). */
  wiring: DoorWiring;
  readonly #options: DoorRuntimeOptions;
  #state: DoorState;
  #strike: OutputLine | null = null;
  #inputs: InputLine[] = [];
  #timer: unknown = null;
  #closed = false;

  constructor(options: DoorRuntimeOptions) {
    this.#options = options;
    this.wiring = options.wiring;
    const w = options.wiring;
    this.#state = createDoorState({
      unlockMs: w.unlockMs,
      heldOpenMs: w.heldOpenMs,
      unlockAfterFirstCard: w.unlockAfterFirstCard,
      failSafe: w.strike?.failSafe ?? false,
      mode: w.mode,
    });
    this.#strike = this.#output(w.strike, `door${w.id}-strike`, this.#state.strike);
    const contact = this.#input(w.contact, `door${w.id}-contact`, "both", (line) => {
      this.#stepAndReport({ type: "contact", open: line.get() });
    });
    if (contact !== null) this.#state = { ...this.#state, open: contact.get() };
    this.#input(w.rex, `door${w.id}-rex`, "rising", () => this.#stepAndReport({ type: "rex" }));
  }

  /** The door id. */
  get id(): number {
    return this.wiring.id;
  }

  /** The current machine state. */
  get state(): DoorState {
    return this.#state;
  }

  /**
   * Applies one input: drives the strike, asks for feedback, re-arms the
   * timer. Returns the events for the caller to record (nothing is recorded here).
   */
  step(input: DoorInput): DoorStep {
    const step = stepDoor(this.#state, input, this.#options.clock.now());
    this.#state = step.state;
    for (const output of step.outputs) {
      if (output.type === "strike") this.#strike?.set(output.on);
      else this.#options.onFeedback(this, output.signal);
    }
    this.#arm(step.nextDeadlineMs);
    return step;
  }

  /** What `door.status` reports. */
  status(): DoorStatus {
    const s = this.#state;
    return {
      id: this.wiring.id,
      alias: this.wiring.alias,
      mode: s.mode,
      locked: !s.strike,
      open: s.open,
      alarms: [...(s.forced ? ["forced"] : []), ...(s.heldOpen ? ["held_open"] : [])],
      wired: this.#strike !== null,
    };
  }

  /** The strike's level when control is lost (for the supervisor). */
  safeOutputs(): SafeOutput[] {
    const strike = this.wiring.strike;
    if (strike === null || this.#strike === null) return [];
    const level = safeStrikeOf(this.#state.config) !== strike.activeLow;
    return [{ chip: strike.chip, offset: strike.offset, level, role: `strike door ${this.id}` }];
  }

  /** The sim chip offset and active-low flag of an input (for `hardware.simulate`). */
  inputSpec(input: "contact" | "rex"): LineSpec | null {
    return input === "contact" ? this.wiring.contact : this.wiring.rex;
  }

  /** Cancels the timer and releases the lines (the strike keeps its level until re-requested). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer !== null) this.#options.clock.clearTimeout(this.#timer);
    this.#timer = null;
    await Promise.all(
      [...this.#inputs, ...(this.#strike ? [this.#strike] : [])].map((l) => l.close()),
    );
  }

  #stepAndReport(input: DoorInput): void {
    if (this.#closed) return;
    const step = this.step(input);
    if (step.events.length > 0) this.#options.onEvents(this, step.events);
  }

  #arm(deadlineMs: number | null): void {
    const scheduler = this.#options.clock;
    if (this.#timer !== null) scheduler.clearTimeout(this.#timer);
    this.#timer = null;
    if (deadlineMs === null || this.#closed) return;
    const delay = Math.max(0, deadlineMs - this.#options.clock.now());
    this.#timer = scheduler.setTimeout(() => {
      this.#timer = null;
      this.#stepAndReport({ type: "timer" });
    }, delay);
  }

  #output(spec: LineSpec | null, consumer: string, initial: boolean): OutputLine | null {
    if (spec === null) return null;
    try {
      return this.#options.hardware.chip(spec.chip).requestOutput(spec.offset, {
        consumer,
        initial,
        activeLow: spec.activeLow,
        safeLevel: safeStrikeOf(this.#state.config),
      });
    } catch (error) {
      this.#options.warnings.push(`door ${this.id} strike "${spec.name}": ${String(error)}`);
      return null;
    }
  }

  #input(
    spec: LineSpec | null,
    consumer: string,
    edges: "both" | "rising",
    onEdge: (line: InputLine) => void,
  ): InputLine | null {
    if (spec === null) return null;
    try {
      const line = this.#options.hardware.chip(spec.chip).requestInput(spec.offset, {
        consumer,
        edges,
        activeLow: spec.activeLow,
        ...(spec.debounceUs > 0 ? { debounceUs: spec.debounceUs } : {}),
      });
      line.onEdge(() => onEdge(line));
      this.#inputs.push(line);
      return line;
    } catch (error) {
      this.#options.warnings.push(`door ${this.id} input "${spec.name}": ${String(error)}`);
      return null;
    }
  }
}
