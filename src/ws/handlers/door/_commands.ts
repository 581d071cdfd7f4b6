/**
 * The two door commands as this controller carries them out on one of its
 * own doors: `door.open` and `door.set_mode`. The endpoints call them for a
 * local door, and the site's command server (`src/site/doors.ts`) for a
 * command another controller forwarded, so a remote command writes exactly
 * the rows a local one writes (the controller records the opening or the
 * mode change with its author).
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { BadRequestError } from "../../../errors.ts";
import type { ControllerPort } from "../../../controller/port.ts";
import { AUDIT_EVENT, AUDIT_KIND, type AuditEntry, auditMask } from "../../../store/audit.ts";
import { type Door, type DoorMode, setDoorMode } from "../../../store/doors.ts";
import { callController, requireController } from "../_controller.ts";
import { statusContent } from "./_door.ts";

/** How a command writes: in one transaction, with audit rows stamped by the caller. */
export interface CommandWriter {
  /** Runs `fn` in one write transaction. */
  transaction<T>(fn: () => T): T;
  /** Appends an audit row (inside the transaction). */
  audit(entry: Omit<AuditEntry, "timestamp">): void;
}

/**
 * Opens `door` for `durationMs` (else its unlock duration) through the
 * controller; the controller writes the opening's row with `authorId`.
 *
 * @returns the reply content `{door_id, opened: true}`
 * @throws {BadRequestError} when the door's mode refuses a remote opening.
 */
export async function openDoor(
  controller: ControllerPort | null,
  command: { door: Door; authorId: number; durationMs?: number | undefined },
  signal: AbortSignal,
): Promise<{ door_id: number; opened: true }> {
  const { door, authorId, durationMs } = command;
  const result = await callController(requireController({ controller }), {
    type: "door.open",
    doorId: door.id,
    authorId,
    ...(durationMs === undefined ? {} : { durationMs }),
  }, signal);
  if (!result.opened) {
    throw new BadRequestError(
      `Door ${door.id} is in ${result.refused ?? "locked"} mode: remote opening refused.`,
    );
  }
  return { door_id: door.id, opened: true };
}

/**
 * Sets `door`'s mode: stored (the mode is this controller's own column),
 * then applied by the controller, which records DOOR_MODE_CHANGED with
 * `authorId`; without a controller the row is written here.
 *
 * @returns the door's status content
 */
export async function changeDoorMode(
  db: DatabaseSync,
  controller: ControllerPort | null,
  command: { door: Door; mode: DoorMode; authorId: number },
  write: CommandWriter,
  signal: AbortSignal,
): Promise<Record<string, unknown>> {
  const { door, mode, authorId } = command;
  if (controller === null) {
    write.transaction(() => {
      setDoorMode(db, door.id, mode);
      if (door.mode === mode) return;
      write.audit({
        kind: AUDIT_KIND.DOOR,
        mask: auditMask(AUDIT_EVENT.DOOR_MODE_CHANGED),
        authorId,
        description: `door ${door.id} mode changed`,
        targetId: door.id,
        data: { event: "MODE_CHANGED", door: door.id, from: door.mode, to: mode },
      });
    });
    return { door_id: door.id, alias: door.alias, mode };
  }
  write.transaction(() => setDoorMode(db, door.id, mode));
  const status = await callController(controller, {
    type: "door.set_mode",
    doorId: door.id,
    mode,
    authorId,
  }, signal);
  return statusContent(status);
}
