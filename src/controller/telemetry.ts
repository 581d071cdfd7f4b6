/**
 * What the recorder tells the operator besides the audit rows: one info log
 * line per access decision, bad read and door alarm, and an
 * {@linkcode Observation} for `/metrics` (decisions, alarms, event write
 * times), posted to the main thread by the worker.
 *
 * Log lines and observations name doors by id and alias and people by user
 * and credential id only: never a card number, a PIN, a username or a
 * secret (a card number read in a log is enough to clone a Wiegand card).
 * They are written when the decision or alarm happens, even while the
 * database refuses its row.
 *
 * @module
 */
import type { DoorEvent } from "../engine/mod.ts";
import { logger } from "../log.ts";
import type { AccessRecord, DoorRef } from "./audit_rows.ts";
import type { Observation } from "./protocol.ts";

const log = logger("controller", "access");

/** Door events that raise an alarm, and the alarm's name. */
const ALARMS: Partial<Record<DoorEvent["type"], "forced" | "held_open">> = {
  FORCED: "forced",
  HELD_OPEN: "held_open",
};

/** Door events that end an alarm. */
const ALARM_ENDS: Partial<Record<DoorEvent["type"], "forced" | "held_open">> = {
  FORCED_END: "forced",
  HELD_OPEN_END: "held_open",
};

/** Logs and observes what the recorder is given. */
export interface Telemetry {
  /** An access decision. */
  access(record: AccessRecord): void;
  /** A frame that is not a credential. */
  badRead(door: DoorRef, reason: string, nbBits: number): void;
  /** A door event (only alarms and their ends are logged). */
  door(door: DoorRef, event: DoorEvent): void;
  /** An event row was committed in `seconds`. */
  written(seconds: number): void;
}

function doorText(door: DoorRef): string {
  return door.alias === "" ? `door ${door.id}` : `door ${door.id} (${door.alias})`;
}

/** Telemetry that logs, and posts observations to `observe` when given. */
export function createTelemetry(observe?: (observation: Observation) => void): Telemetry {
  const post = observe ?? (() => {});
  return {
    access({ door, decision }) {
      const result = decision.granted ? "granted" : "denied";
      post({ kind: "decision", door: door.id, result, reason: decision.reason });
      log.info(`Access ${result} at {door_text}: {reason}, user {user}, credential {credential}`, {
        door: door.id,
        door_text: doorText(door),
        result,
        reason: decision.reason,
        user: decision.userId ?? null,
        credential: decision.credentialId ?? null,
      });
    },
    badRead(door, reason, nbBits) {
      post({ kind: "decision", door: door.id, result: "denied", reason: "BAD_READ" });
      log.info("Access denied at {door_text}: BAD_READ ({detail}, {nb_bits} bits)", {
        door: door.id,
        door_text: doorText(door),
        result: "denied",
        reason: "BAD_READ",
        detail: reason,
        nb_bits: nbBits,
      });
    },
    door(door, event) {
      const alarm = ALARMS[event.type];
      if (alarm !== undefined) {
        post({ kind: "door_alarm", door: door.id, alarm });
        log.info("Door alarm at {door_text}: {alarm}", {
          door: door.id,
          door_text: doorText(door),
          alarm,
        });
        return;
      }
      const ended = ALARM_ENDS[event.type];
      if (ended !== undefined) {
        log.info("Door alarm cleared at {door_text}: {alarm}", {
          door: door.id,
          door_text: doorText(door),
          alarm: ended,
        });
      }
    },
    written(seconds) {
      post({ kind: "event_write", seconds });
    },
  };
}
