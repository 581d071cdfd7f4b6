/**
 * `hardware.simulate` inside the worker: plays real Wiegand pulse trains on
 * the sim chip's D0/D1 lines (so the assembler and decoder run exactly as on
 * hardware), or drives a door's contact / REX input.
 *
 * Card and PIN calls on one reader, from any session, are queued
 * ({@linkcode ReaderPlayQueue}) and played one after the other with the
 * reader's inter-frame gap, as a real reader leaves silence between two
 * cards: a burst of N calls gives N reads in order, never one merged bad read.
 *
 * A reader on a simulated OSDP bus (`sim:NAME`) gets the card as osdp_RAW or
 * the PIN as osdp_KEYPAD from its simulated reader ({@linkcode simulateOsdp});
 * the reply then carries the colour its LED was told to show.
 *
 * @module
 */
import { cardFrame, keypadFrames, WiegandSimulator } from "../hardware/sim/wiegand_sim.ts";
import type { Clock } from "../clock.ts";
import type { BitsFrame } from "../hardware/wiegand/formats.ts";
import { bitsFromCardId } from "../store/credentials.ts";
import type { Controller } from "./controller.ts";
import type { SimReader } from "./osdp_runtime.ts";
import type { ReaderRuntime } from "./reader_runtime.ts";
import { ReaderPlayQueue } from "./sim_queue.ts";
import {
  CONTROLLER_ERROR,
  ControllerError,
  type SimulateAction,
  type SimulateResult,
} from "./protocol.ts";

/**
 * Silence the simulator leaves after a frame beyond the reader's silence
 * timeout (between two keys of a PIN, and between two queued calls). The
 * reader ends a frame when its silence timer fires, armed for one
 * millisecond past the timeout, on millisecond timers that may run late; the
 * margin puts the next frame's first edge clearly after that end, so each
 * frame is ended by silence as behind a real reader (a person takes far
 * longer than this to present the next card).
 */
export const FRAME_GAP_MARGIN_MS = 10;

/** The gap the simulator leaves after a frame on `reader`, ms. */
export function interFrameGapMs(reader: ReaderRuntime): number {
  return reader.wiring.silenceMs + FRAME_GAP_MARGIN_MS;
}
/** The simulator's default bit interval (2 ms). */
const BIT_INTERVAL_NS = 2_000_000n;

function bad(message: string): never {
  throw new ControllerError(CONTROLLER_ERROR.BAD_REQUEST, message);
}

function cardFrameOf(action: Extract<SimulateAction, { action: "card" }>): BitsFrame {
  try {
    if (action.cardId !== undefined) {
      const nbBits = action.nbBits ?? bad("nb_bits is required with card_id");
      return { bits: bitsFromCardId(action.cardId, nbBits), nbBits };
    }
    const number = action.number ?? bad("number (or card_id and nb_bits) is required");
    return cardFrame(action.format ?? "H10301", action.facility ?? 0, number);
  } catch (error) {
    if (error instanceof ControllerError) throw error;
    return bad(error instanceof Error ? error.message : String(error));
  }
}

/** The queues, one set per controller (the worker runs one). */
const queues = new WeakMap<Controller, ReaderPlayQueue>();

function queueOf(controller: Controller): ReaderPlayQueue {
  let queue = queues.get(controller);
  if (queue === undefined) {
    queue = new ReaderPlayQueue(controller.clock);
    queues.set(controller, queue);
  }
  return queue;
}

/**
 * Runs one simulated action. A card or PIN is checked at once, then queued
 * on its reader; it resolves once its frames have been played (the
 * decision follows on its own, as an event; the next call on the reader
 * waits for the inter-frame gap).
 *
 * @throws {ControllerError} `NOT_SIMULATED` without a sim chip, `NOT_FOUND`
 * for an unknown reader or door, `BAD_REQUEST` for impossible values or
 * when the reader already has too many calls waiting.
 */
export async function simulate(
  controller: Controller,
  action: SimulateAction,
): Promise<SimulateResult> {
  const sim = controller.hardware.sim;
  if (sim === null) {
    throw new ControllerError(CONTROLLER_ERROR.NOT_SIMULATED, "The hardware is not simulated");
  }
  if (action.action === "input") {
    const door = controller.door(action.door) ??
      notFound(`door ${action.door}`);
    const spec = door.inputSpec(action.input) ??
      bad(`door ${action.door} has no ${action.input} input`);
    sim.drive(spec.offset, action.value !== spec.activeLow);
    return { frames: 0, bits: 0 };
  }
  const osdp = controller.osdp.simReader(action.reader);
  if (osdp !== undefined) return await simulateOsdp(osdp, action);
  const reader = listeningReader(
    controller,
    (r) => r.wiring.id === action.reader || r.wiring.name === action.reader,
    `reader "${action.reader}"`,
  );
  const frames = action.action === "card" ? [cardFrameOf(action)] : pinFrames(reader, action.pin);
  const bits = frames.reduce((sum, frame) => sum + frame.nbBits, 0);
  const instant = action.instant === true;
  const id = reader.wiring.id;
  await queueOf(controller).enqueue(id, reader.wiring.name, {
    gapMs: interFrameGapMs(reader),
    ...(instant ? { backdateMs: Number(spanNs(frames, reader)) / 1e6 } : {}),
    // The reader may have been rewired (or removed) while the call waited.
    play: () => {
      const current = listeningReader(controller, (r) => r.wiring.id === id, `reader "${id}"`);
      const player = new WiegandSimulator(sim, {
        d0: current.wiring.d0.offset,
        d1: current.wiring.d1.offset,
        scheduler: controller.clock,
      });
      return instant
        ? playInstant(player, sim.nowNs(), current, frames)
        : playRealTime(player, controller.clock, current, frames);
    },
  });
  return { frames: frames.length, bits };
}

/** How long an OSDP simulation waits for the reader's LED command. */
export const OSDP_LED_WAIT_MS = 2000;

/**
 * A card or PIN on a simulated OSDP reader: queued on the reader, reported at
 * its next poll; resolves with the colour of the next LED command (the
 * decision's feedback, or amber for a card waiting for its PIN), or null when
 * none came within {@linkcode OSDP_LED_WAIT_MS}.
 */
export async function simulateOsdp(
  reader: SimReader,
  action: Exclude<SimulateAction, { action: "input" }>,
): Promise<SimulateResult> {
  if (!reader.online) {
    bad(`OSDP reader "${reader.name}" is not online (see osdp-reader.status)`);
  }
  if (action.action === "card") {
    const frame = cardFrameOf(action);
    const led = reader.pd.nextLed(OSDP_LED_WAIT_MS);
    try {
      reader.pd.presentCard(frame.bits, frame.nbBits);
    } catch (error) {
      return bad(error instanceof Error ? error.message : String(error));
    }
    return { frames: 1, bits: frame.nbBits, led: await led };
  }
  if (!/^[0-9*#]{1,32}$/.test(action.pin)) bad("pin must be 1 to 32 of 0-9, * and #");
  const keys = action.pin.endsWith("#") ? action.pin : `${action.pin}#`;
  const led = reader.pd.nextLed(OSDP_LED_WAIT_MS);
  try {
    reader.pd.pressKeys(keys);
  } catch (error) {
    return bad(error instanceof Error ? error.message : String(error));
  }
  return { frames: 1, bits: keys.length * 8, led: await led };
}

function listeningReader(
  controller: Controller,
  match: (reader: ReaderRuntime) => boolean,
  what: string,
): ReaderRuntime {
  const reader = controller.readers().find(match) ?? notFound(what);
  if (!reader.listening) {
    bad(`reader "${reader.wiring.name}" is not listening (see the wiring warnings)`);
  }
  return reader;
}

/** The keypad frames of `pin` on `reader` (a `#` is added unless buffered). */
function pinFrames(reader: ReaderRuntime, pin: string): BitsFrame[] {
  const keypad = reader.wiring.keypad;
  if (keypad === "none") {
    bad(`reader "${reader.wiring.name}" has no keypad (mode SIMPLE_WIEGAND)`);
  }
  if (!/^[0-9*#]{1,32}$/.test(pin)) bad("pin must be 1 to 32 of 0-9, * and #");
  const keys = keypad === "buffered" || pin.endsWith("#") ? pin : `${pin}#`;
  try {
    return keypadFrames(keys, keypad === "auto" ? "4bit" : keypad);
  } catch (error) {
    return bad(error instanceof Error ? error.message : String(error));
  }
}

/** How long `frames` take played in real time, with the gaps between them. */
function spanNs(frames: BitsFrame[], reader: ReaderRuntime): bigint {
  const gapNs = BigInt(interFrameGapMs(reader)) * 1_000_000n;
  return frames.reduce(
    (sum, frame, i) => sum + BigInt(frame.nbBits) * BIT_INTERVAL_NS + (i > 0 ? gapNs : 0n),
    0n,
  );
}

/** The same edges as in real time, played at once, stamped as ending at `nowNs`. */
function playInstant(
  player: WiegandSimulator,
  nowNs: bigint,
  reader: ReaderRuntime,
  frames: BitsFrame[],
): void {
  const gapNs = BigInt(interFrameGapMs(reader)) * 1_000_000n;
  let t = nowNs - spanNs(frames, reader);
  for (const frame of frames) {
    player.sendInstant(frame, t);
    t += BigInt(frame.nbBits) * BIT_INTERVAL_NS + gapNs;
  }
}

/** Plays `frames` in real time on the controller's clock, with the gap between keys. */
async function playRealTime(
  player: WiegandSimulator,
  clock: Clock,
  reader: ReaderRuntime,
  frames: BitsFrame[],
): Promise<void> {
  for (const [i, frame] of frames.entries()) {
    if (i > 0) {
      await new Promise((r) => clock.setTimeout(() => r(null), interFrameGapMs(reader)));
    }
    await player.send(frame);
  }
}

function notFound(what: string): never {
  throw new ControllerError(CONTROLLER_ERROR.NOT_FOUND, `Unknown ${what}`);
}
