/**
 * The card-read path, from what a reader collected to the strike:
 * SQL facts (`facts.ts`) → `decideAccess` (the pure engine) → the decision's
 * audit row, with its anti-passback state in the same transaction
 * (`recorder.ts`) → the door's machine, which drives the strike
 * (`door_runtime.ts`) → the door's own rows → the live events.
 *
 * The row is committed before the strike moves, so a crash between the two
 * leaves a recorded grant, never an unrecorded opening. When the database
 * refuses the row, it waits in the recorder's retry queue and the door opens
 * anyway: a door does not stay shut because of the disk. The events are
 * handed on after the strike moved.
 *
 * @module
 */
import type { Clock } from "../clock.ts";
import {
  type AccessRequest,
  decideAccess,
  type DoorEvent,
  localTimeOf,
  type TimeZoneOffsetProvider,
} from "../engine/mod.ts";
import type { Collected } from "./collector.ts";
import type { DoorRuntime } from "./door_runtime.ts";
import type { FactsReader } from "./facts.ts";
import type { AntipassbackUpdate } from "../engine/mod.ts";
import type { Recorder } from "./recorder.ts";

/** What the path needs. */
export interface AccessPathOptions {
  facts: Pick<FactsReader, "gather">;
  recorder: Recorder;
  /** Writes anti-passback state on the recorder's connection. */
  writeAntipassback: (updates: readonly AntipassbackUpdate[]) => void;
  clock: Clock;
  offset: number | TimeZoneOffsetProvider;
}

/** Decides on what was presented at `door`'s access point, records it, drives the door. */
export type AccessPath = (door: DoorRuntime, accessPointId: number, collected: Collected) => void;

/** Builds the card-read path (see the module documentation). */
export function createAccessPath(o: AccessPathOptions): AccessPath {
  const record = (door: DoorRuntime, events: readonly DoorEvent[]): void => {
    for (const event of events) o.recorder.door(door.wiring, event, null);
  };
  return (door, accessPointId, collected) => {
    const nowMs = o.clock.now();
    const local = localTimeOf(nowMs, o.offset);
    const request: AccessRequest = { doorId: door.id, accessPointId, presented: collected };
    const facts = o.facts.gather(request, { ms: nowMs, date: local.date });
    if (facts === null) return;
    const decision = decideAccess(request, facts, { ms: nowMs, local });
    const updates = decision.antipassbackUpdates;
    o.recorder.hold(() => {
      o.recorder.access(
        { door: door.wiring, accessPointId, request, decision, atMs: nowMs, names: facts.names },
        updates.length > 0 ? () => o.writeAntipassback(updates) : undefined,
      );
      record(door, door.step(decision.granted ? { type: "grant" } : { type: "deny" }).events);
    });
  };
}
