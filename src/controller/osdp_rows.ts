/**
 * The audit rows of OSDP reader supervision (kind ALARM, pushed as
 * `event.alarm`): a reader offline and back online, tamper and power
 * changes, a security alarm (downgrade, wrong key, bad MAC, no key), reads
 * refused from an untrusted reader, install mode and a key installed. The
 * door is the target (the reader serves its access point). Never a key.
 *
 * @module
 */
import { AUDIT_EVENT, AUDIT_KIND, auditMask, type JsonObject } from "../store/audit.ts";
import type { DoorRef, EventRow } from "./audit_rows.ts";

/** What happened to an OSDP reader. */
export type ReaderAlarm =
  | "READER_OFFLINE"
  | "READER_ONLINE"
  | "READER_TAMPER"
  | "READER_TAMPER_END"
  | "READER_POWER_FAILURE"
  | "READER_POWER_RESTORED"
  | "READER_SECURITY"
  | "READER_UNTRUSTED_READ"
  | "READER_INSTALL_MODE"
  | "READER_KEY_INSTALLED";

const TEXT: Record<ReaderAlarm, string> = {
  READER_OFFLINE: "is offline",
  READER_ONLINE: "is online",
  READER_TAMPER: "is tampered",
  READER_TAMPER_END: "tamper cleared",
  READER_POWER_FAILURE: "reports a power failure",
  READER_POWER_RESTORED: "power restored",
  READER_SECURITY: "raised a security alarm",
  READER_UNTRUSTED_READ: "sent a read that is not trusted",
  READER_INSTALL_MODE: "install mode",
  READER_KEY_INSTALLED: "has a new Secure Channel key",
};

/** A reader supervision row. `extra` holds fixed words, ids and a serial port's error only. */
export function readerRow(
  door: DoorRef,
  reader: { id: string; name: string },
  alarm: ReaderAlarm,
  atMs: number,
  extra: JsonObject = {},
): EventRow {
  const doorText = door.alias === "" ? `door ${door.id}` : `door ${door.id} (${door.alias})`;
  const detail = typeof extra.reason === "string" ? ` (${extra.reason})` : "";
  return {
    category: "alarm",
    entry: {
      kind: AUDIT_KIND.ALARM,
      mask: auditMask(AUDIT_EVENT.ALARM),
      authorId: null,
      description: `OSDP reader "${reader.name}" of ${doorText} ${TEXT[alarm]}${detail}`,
      targetId: door.id,
      target2Id: null,
      data: {
        event: alarm,
        door: door.id,
        door_alias: door.alias,
        reader_id: reader.id,
        alarm: alarm.toLowerCase(),
        ...extra,
      },
      timestamp: atMs,
    },
  };
}
