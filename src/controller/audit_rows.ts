/**
 * The audit rows of the controller's events (what the recorder writes): an
 * access decision, a bad read, a door state-machine event, a remote opening.
 * Pure functions; `recorder.ts` writes them through `appendAudit`.
 *
 * @module
 */
import type { AccessRequest, Decision, DoorEvent } from "../engine/mod.ts";
import {
  AUDIT_EVENT,
  AUDIT_KIND,
  type AuditEntry,
  type AuditEvent,
  auditMask,
  type JsonObject,
} from "../store/audit.ts";
import type { EventCategory } from "./protocol.ts";

/** A door as the rows name it. */
export interface DoorRef {
  id: number;
  alias: string;
}

/**
 * The names the identified entities had at the decision, recorded beside
 * their ids (an id alone may later name another entity, or nothing).
 * `FactsReader.gather()` reads them with the facts.
 */
export interface AccessNames {
  /** The owner's username, when there is an owner. */
  username: string | null;
  /** The alias of every credential found (the card and the PIN matches), by id. */
  credentialAliases: ReadonlyMap<number, string>;
}

/** What the recorder needs to know about an access decision. */
export interface AccessRecord {
  door: DoorRef;
  accessPointId: number;
  request: AccessRequest;
  decision: Decision;
  atMs: number;
  /** The names shown beside the ids; absent: every name is null. */
  names?: AccessNames;
}

/** An audit row and the live-event category it is pushed as. */
export interface EventRow {
  category: EventCategory;
  /** `data` is always set: it is the pushed event's content. */
  entry: AuditEntry & { data: JsonObject };
}

const DOOR_AUDIT: Record<DoorEvent["type"], { event: AuditEvent; alarm: boolean; text: string }> = {
  UNLOCKED: { event: AUDIT_EVENT.DOOR_UNLOCKED, alarm: false, text: "unlocked" },
  RELOCKED: { event: AUDIT_EVENT.DOOR_RELOCKED, alarm: false, text: "relocked" },
  OPENED: { event: AUDIT_EVENT.DOOR_OPENED, alarm: false, text: "opened" },
  CLOSED: { event: AUDIT_EVENT.DOOR_CLOSED, alarm: false, text: "closed" },
  REX: { event: AUDIT_EVENT.DOOR_REX, alarm: false, text: "request to exit" },
  MODE_CHANGED: { event: AUDIT_EVENT.DOOR_MODE_CHANGED, alarm: false, text: "mode changed" },
  FORCED: { event: AUDIT_EVENT.DOOR_FORCED, alarm: true, text: "forced open" },
  FORCED_END: { event: AUDIT_EVENT.DOOR_CLOSED, alarm: true, text: "forced alarm cleared" },
  HELD_OPEN: { event: AUDIT_EVENT.DOOR_HELD_OPEN, alarm: true, text: "held open" },
  HELD_OPEN_END: { event: AUDIT_EVENT.DOOR_CLOSED, alarm: true, text: "held-open alarm cleared" },
};

function doorLabel(door: DoorRef): string {
  return door.alias === "" ? `door ${door.id}` : `door ${door.id} (${door.alias})`;
}

/** An access decision (kind AUTH, AUTH_GRANTED / AUTH_DENIED). */
export function accessRow(
  { door, accessPointId, request, decision, atMs, names }: AccessRecord,
): EventRow {
  const card = request.presented.card;
  const aliasOf = (id: number | undefined): string | null =>
    id === undefined ? null : names?.credentialAliases.get(id) ?? null;
  const username = decision.userId === undefined ? null : names?.username ?? null;
  const data: JsonObject = {
    granted: decision.granted,
    reason: decision.reason,
    door: door.id,
    door_alias: door.alias,
    access_point: accessPointId,
    credential: decision.credentialId ?? null,
    credential_alias: aliasOf(decision.credentialId),
    user: decision.userId ?? null,
    username,
    ...(decision.pinCredentialId === undefined ? {} : {
      pin_credential: decision.pinCredentialId,
      pin_credential_alias: aliasOf(decision.pinCredentialId),
    }),
    ...(decision.scheduleId === undefined ? {} : { schedule: decision.scheduleId }),
    ...(card === undefined ? {} : { card_id: card.cardId, nb_bits: card.nbBits }),
    pin_presented: request.presented.pin !== undefined && request.presented.pin !== "",
    ...(decision.antipassback === undefined ? {} : {
      antipassback: { zones: decision.antipassback.zoneIds, soft: decision.antipassback.soft },
    }),
  };
  const who = decision.userId === undefined
    ? "unknown holder"
    : username === null
    ? `user ${decision.userId}`
    : `user ${decision.userId} (${username})`;
  const verdict = decision.granted ? "granted" : "denied";
  return {
    category: "access",
    entry: {
      kind: AUDIT_KIND.AUTH,
      mask: auditMask(decision.granted ? AUDIT_EVENT.AUTH_GRANTED : AUDIT_EVENT.AUTH_DENIED),
      authorId: null,
      description: `Access ${verdict} to ${who} at ${doorLabel(door)}: ${decision.reason}`,
      targetId: decision.userId ?? null,
      target2Id: door.id,
      data,
      timestamp: atMs,
    },
  };
}

/** A frame that is not a credential (kind AUTH, BAD_READ). */
export function badReadRow(
  door: DoorRef,
  accessPointId: number,
  reason: string,
  nbBits: number,
  atMs: number,
): EventRow {
  return {
    category: "access",
    entry: {
      kind: AUDIT_KIND.AUTH,
      mask: auditMask(AUDIT_EVENT.BAD_READ),
      authorId: null,
      description: `Bad read (${reason}, ${nbBits} bits) at ${doorLabel(door)}`,
      targetId: null,
      target2Id: door.id,
      data: {
        granted: false,
        reason: "BAD_READ",
        detail: reason,
        nb_bits: nbBits,
        door: door.id,
        door_alias: door.alias,
        access_point: accessPointId,
        credential: null,
        user: null,
      },
      timestamp: atMs,
    },
  };
}

/** A door state-machine event (kind DOOR; forced and held-open are kind ALARM). */
export function doorRow(door: DoorRef, event: DoorEvent, authorId: number | null): EventRow {
  const info = DOOR_AUDIT[event.type];
  const extra: JsonObject = event.type === "UNLOCKED"
    ? { cause: event.cause }
    : event.type === "OPENED"
    ? { authorized: event.authorized }
    : event.type === "MODE_CHANGED"
    ? { from: event.from, to: event.to }
    : {};
  return {
    category: info.alarm ? "alarm" : "door",
    entry: {
      kind: info.alarm ? AUDIT_KIND.ALARM : AUDIT_KIND.DOOR,
      mask: info.alarm ? auditMask(info.event, AUDIT_EVENT.ALARM) : auditMask(info.event),
      authorId,
      description: `${doorLabel(door)} ${info.text}`,
      targetId: door.id,
      target2Id: null,
      data: {
        event: event.type,
        door: door.id,
        door_alias: door.alias,
        ...(info.alarm ? { alarm: event.type.toLowerCase() } : {}),
        ...extra,
      },
      timestamp: event.atMs,
    },
  };
}

/** A remote opening (`door.open`, kind DOOR, DOOR_OPENED_MANUALLY). */
export function openedManuallyRow(door: DoorRef, authorId: number | null, atMs: number): EventRow {
  return {
    category: "door",
    entry: {
      kind: AUDIT_KIND.DOOR,
      mask: auditMask(AUDIT_EVENT.DOOR_OPENED_MANUALLY),
      authorId,
      description: `${doorLabel(door)} opened remotely`,
      targetId: door.id,
      target2Id: null,
      data: { event: "OPENED_MANUALLY", door: door.id, door_alias: door.alias },
      timestamp: atMs,
    },
  };
}
