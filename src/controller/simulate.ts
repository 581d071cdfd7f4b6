/**
 * `hardware.simulate` inside the worker: plays real Wiegand pulse trains on
 * the sim chip's D0/D1 lines (so the assembler and decoder run exactly as on
 * hardware), or drives a door's contact / REX input.
 *
 * @module
 */
import { cardFrame, keypadFrames, WiegandSimulator } from "../hardware/sim/wiegand_sim.ts";
import type { BitsFrame } from "../hardware/wiegand/formats.ts";
import { bitsFromCardId } from "../store/credentials.ts";
import type { Controller } from "./controller.ts";
import {
  CONTROLLER_ERROR,
  ControllerError,
  type SimulateAction,
  type SimulateResult,
} from "./protocol.ts";

/** Extra silence after each keypad frame, on top of the reader's silence timeout. */
const KEY_GAP_MS = 10;
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

/**
 * Runs one simulated action; resolves once the last edge has been played
 * (the access decision follows on its own, as an event).
 *
 * @throws {ControllerError} `NOT_SIMULATED` without a sim chip, `NOT_FOUND`
 * for an unknown reader or door, `BAD_REQUEST` for impossible values.
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
  const reader =
    controller.readers().find((r) =>
      r.wiring.id === action.reader || r.wiring.name === action.reader
    ) ?? notFound(`reader "${action.reader}"`);
  if (!reader.listening) {
    bad(`reader "${reader.wiring.name}" is not listening (see the wiring warnings)`);
  }
  const clock = controller.clock;
  const player = new WiegandSimulator(sim, {
    d0: reader.wiring.d0.offset,
    d1: reader.wiring.d1.offset,
    scheduler: clock,
  });
  let frames: BitsFrame[];
  if (action.action === "card") {
    frames = [cardFrameOf(action)];
  } else {
    const keypad = reader.wiring.keypad;
    if (keypad === "none") {
      bad(`reader "${reader.wiring.name}" has no keypad (mode SIMPLE_WIEGAND)`);
    }
    if (!/^[0-9*#]{1,32}$/.test(action.pin)) bad("pin must be 1 to 32 of 0-9, * and #");
    const keys = keypad === "buffered" || action.pin.endsWith("#") ? action.pin : `${action.pin}#`;
    try {
      frames = keypadFrames(keys, keypad === "auto" ? "4bit" : keypad);
    } catch (error) {
      return bad(error instanceof Error ? error.message : String(error));
    }
  }
  const bits = frames.reduce((sum, frame) => sum + frame.nbBits, 0);
  if (action.instant === true) {
    // The same edges, stamped as if played in real time and ending now.
    const gapNs = BigInt(reader.wiring.silenceMs + KEY_GAP_MS) * 1_000_000n;
    const spanNs = frames.reduce(
      (sum, frame, i) => sum + BigInt(frame.nbBits) * BIT_INTERVAL_NS + (i > 0 ? gapNs : 0n),
      0n,
    );
    let t = sim.nowNs() - spanNs;
    for (const frame of frames) {
      player.sendInstant(frame, t);
      t += BigInt(frame.nbBits) * BIT_INTERVAL_NS + gapNs;
    }
    return { frames: frames.length, bits };
  }
  for (const [i, frame] of frames.entries()) {
    if (i > 0) {
      await new Promise((r) =>
        clock.setTimeout(() => r(null), reader.wiring.silenceMs + KEY_GAP_MS)
      );
    }
    await player.send(frame);
  }
  return { frames: frames.length, bits };
}

function notFound(what: string): never {
  throw new ControllerError(CONTROLLER_ERROR.NOT_FOUND, `Unknown ${what}`);
}
