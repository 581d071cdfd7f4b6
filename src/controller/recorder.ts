/**
 * Turns decisions, door events and alarms into `audit_events` rows (on the
 * worker's own write connection) and then into live events. The row is
 * committed before the event is handed on, so a crash at any moment loses
 * no event that anyone was told about.
 *
 * When the database refuses a row (locked by another process beyond the
 * connection's busy timeout, read-only, full disk), the row and every later
 * one are kept in memory, in order (at most {@linkcode MAX_PENDING_ROWS}), and
 * retried with a growing delay; each event is handed on once its row is
 * committed. Doors keep deciding meanwhile. A `kill -9` during the trouble
 * loses the rows still waiting, which nobody was told about.
 *
 * @module
 */
import type { DatabaseSync, StatementSync } from "node:sqlite";
import type { AccessRequest, Decision, DoorEvent } from "../engine/mod.ts";
import {
  AUDIT_EVENT,
  AUDIT_KIND,
  type AuditEvent,
  type AuditKind,
  auditMask,
} from "../store/audit.ts";
import { logger } from "../log.ts";
import type { ControllerEvent, EventCategory } from "./protocol.ts";

const log = logger("controller");

/** Rows kept in memory while the database refuses them; the oldest go beyond. */
export const MAX_PENDING_ROWS = 10_000;
/** First and longest delay between two attempts at the waiting rows. */
const RETRY_MIN_MS = 250;
const RETRY_MAX_MS = 4000;

/** A door as the recorder names it. */
export interface DoorRef {
  id: number;
  alias: string;
}

/** What the recorder needs to know about an access decision. */
export interface AccessRecord {
  door: DoorRef;
  accessPointId: number;
  request: AccessRequest;
  decision: Decision;
  atMs: number;
}

/** Writes audit rows and emits the matching events. */
export interface Recorder {
  /** An access decision (kind AUTH, AUTH_GRANTED / AUTH_DENIED). */
  access(record: AccessRecord): void;
  /** A frame that is not a credential (kind AUTH, BAD_READ). */
  badRead(door: DoorRef, accessPointId: number, reason: string, nbBits: number, atMs: number): void;
  /** A door state machine event (kind DOOR; forced and held-open are kind ALARM). */
  door(door: DoorRef, event: DoorEvent, authorId: number | null): void;
  /** A remote opening (`door.open`, kind DOOR, DOOR_OPENED_MANUALLY). */
  openedManually(door: DoorRef, authorId: number | null, atMs: number): void;
  /** Rows waiting for the database to accept them. */
  pending(): number;
  /** Tries the waiting rows one last time and stops retrying. */
  close(): void;
}

interface Row {
  kind: AuditKind;
  mask: number;
  authorId: number | null;
  description: string;
  targetId: number | null;
  target2Id: number | null;
  data: Record<string, unknown>;
  timestamp: number;
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

/**
 * Creates a recorder writing to `db` and handing each event to `emit` once
 * its row is committed.
 */
export function createRecorder(
  db: DatabaseSync,
  emit: (event: ControllerEvent) => void,
): Recorder {
  const insert: StatementSync = db.prepare(
    `INSERT INTO audit_events (timestamp, kind, event_mask, author_id, description, target_id,
       target2_id, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
  );

  const waiting: { category: EventCategory; row: Row }[] = [];
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let retryMs = 0;
  let closed = false;

  /** Commits one row and returns its event; throws if the database refuses it. */
  function commit(category: EventCategory, row: Row): ControllerEvent {
    const { id: auditId } = insert.get(
      row.timestamp,
      row.kind,
      row.mask,
      row.authorId,
      row.description,
      row.targetId,
      row.target2Id,
      JSON.stringify(row.data),
    ) as { id: number };
    return {
      category,
      auditId,
      timestamp: row.timestamp,
      content: { audit_id: auditId, timestamp: row.timestamp, ...row.data },
    };
  }

  function drain(): void {
    retryTimer = undefined;
    try {
      while (waiting.length > 0) {
        const next = waiting[0]!;
        const event = commit(next.category, next.row);
        waiting.shift();
        emit(event);
      }
      if (retryMs > 0) log.info("Audit rows written again; the database accepts them");
      retryMs = 0;
    } catch (error) {
      retryMs = Math.min(RETRY_MAX_MS, Math.max(RETRY_MIN_MS, retryMs * 2));
      log.error("Cannot append audit rows ({count} waiting, retry in {ms} ms): {error}", {
        count: waiting.length,
        ms: retryMs,
        error: String(error),
      });
      if (!closed) retryTimer = setTimeout(drain, retryMs);
    }
  }

  function write(category: EventCategory, row: Row): void {
    if (waiting.length === 0) {
      let event: ControllerEvent | undefined;
      try {
        event = commit(category, row);
      } catch (error) {
        log.error("Cannot append the audit row for {description} (kept, retrying): {error}", {
          description: row.description,
          error: String(error),
        });
      }
      if (event !== undefined) return emit(event);
    }
    waiting.push({ category, row });
    if (waiting.length > MAX_PENDING_ROWS) {
      const lost = waiting.shift()!;
      log.error("Audit row dropped (too many waiting): {description}", {
        description: lost.row.description,
      });
    }
    if (retryTimer === undefined && !closed) {
      retryTimer = setTimeout(drain, Math.max(RETRY_MIN_MS, retryMs));
    }
  }

  function doorLabel(door: DoorRef): string {
    return door.alias === "" ? `door ${door.id}` : `door ${door.id} (${door.alias})`;
  }

  return {
    access({ door, accessPointId, request, decision, atMs }) {
      const card = request.presented.card;
      const data: Record<string, unknown> = {
        granted: decision.granted,
        reason: decision.reason,
        door: door.id,
        door_alias: door.alias,
        access_point: accessPointId,
        credential: decision.credentialId ?? null,
        user: decision.userId ?? null,
        ...(decision.pinCredentialId === undefined
          ? {}
          : { pin_credential: decision.pinCredentialId }),
        ...(decision.scheduleId === undefined ? {} : { schedule: decision.scheduleId }),
        ...(card === undefined ? {} : { card_id: card.cardId, nb_bits: card.nbBits }),
        pin_presented: request.presented.pin !== undefined && request.presented.pin !== "",
        ...(decision.antipassback === undefined ? {} : {
          antipassback: { zones: decision.antipassback.zoneIds, soft: decision.antipassback.soft },
        }),
      };
      const who = decision.userId === undefined ? "unknown holder" : `user ${decision.userId}`;
      write("access", {
        kind: AUDIT_KIND.AUTH,
        mask: auditMask(decision.granted ? AUDIT_EVENT.AUTH_GRANTED : AUDIT_EVENT.AUTH_DENIED),
        authorId: null,
        description: `Access ${decision.granted ? "granted" : "denied"} to ${who} at ${
          doorLabel(door)
        }: ${decision.reason}`,
        targetId: decision.userId ?? null,
        target2Id: door.id,
        data,
        timestamp: atMs,
      });
    },
    badRead(door, accessPointId, reason, nbBits, atMs) {
      write("access", {
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
      });
    },
    door(door, event, authorId) {
      const info = DOOR_AUDIT[event.type];
      const extra: Record<string, unknown> = event.type === "UNLOCKED"
        ? { cause: event.cause }
        : event.type === "OPENED"
        ? { authorized: event.authorized }
        : event.type === "MODE_CHANGED"
        ? { from: event.from, to: event.to }
        : {};
      write(info.alarm ? "alarm" : "door", {
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
      });
    },
    openedManually(door, authorId, atMs) {
      write("door", {
        kind: AUDIT_KIND.DOOR,
        mask: auditMask(AUDIT_EVENT.DOOR_OPENED_MANUALLY),
        authorId,
        description: `${doorLabel(door)} opened remotely`,
        targetId: door.id,
        target2Id: null,
        data: { event: "OPENED_MANUALLY", door: door.id, door_alias: door.alias },
        timestamp: atMs,
      });
    },
    pending() {
      return waiting.length;
    },
    close() {
      closed = true;
      clearTimeout(retryTimer);
      retryTimer = undefined;
      if (waiting.length > 0) drain();
    },
  };
}
