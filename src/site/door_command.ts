/**
 * The site's door wire formats (issue 12, `docs/site.md`): the door command
 * one controller sends another on `leosac.<site>.cmd.<controller>`, its
 * reply, and the live door state each controller keeps in the KV bucket
 * `LEOSAC_<SITE>_DOORS` under `<controller>.<door id>`. Pure: parsing and
 * shapes only (`doors.ts` moves them).
 *
 * @module
 */
import { AppError, STATUS, type Status } from "../errors.ts";
import { DOOR_MODES, type DoorMode } from "../store/doors.ts";

export type { DoorMode };
import { MAX_REMOTE_OPEN_MS } from "../ws/handlers/door/_door.ts";

/** Largest command or reply accepted, in bytes. */
export const MAX_COMMAND_BYTES = 16 * 1024;

/** A door command (`request_id` identifies it in logs). */
export interface DoorCommand {
  /** `door.open` or `door.set_mode`. */
  op: "open" | "set_mode";
  /** The door (ids are site-wide). */
  door_id: number;
  /** `set_mode` only. */
  mode?: DoorMode;
  /** `open` only: the opening's length, else the door's unlock duration. */
  duration_ms?: number;
  /** Who asked, as the requesting controller authenticated them (ids are site-wide). */
  actor: { user_id: number; username: string };
  /** Unix ms after which the target drops the command: nothing is done. */
  deadline: number;
  /** Unique per command. */
  request_id: string;
}

/** The reply: the same fields as a WebSocket reply. */
export interface DoorCommandReply {
  /** 0 on success, else the failure's status (`src/shared/status.js`). */
  status_code: Status;
  /** `""` on success, else `[<Type>]: <message>`. */
  status_string: string;
  /** The reply content (an error's content on failure), or null. */
  content: unknown;
}

/** One door's live state in the KV bucket. */
export interface DoorStateEntry {
  /** The door's controller (the writer). */
  controller: string;
  /** The door. */
  door_id: number;
  /** Its alias. */
  alias: string;
  /** Its live mode. */
  mode: DoorMode;
  /** Strike off. */
  locked: boolean;
  /** The contact reports it open. */
  open: boolean;
  /** Raised alarms: `forced`, `held_open`. */
  alarms: string[];
  /** A strike line is wired. */
  wired: boolean;
  /** When the owner wrote it (Unix ms, the owner's clock): a heartbeat refreshes it. */
  updated_at: number;
}

/** The KV key of a door. */
export function doorKey(controller: string, doorId: number): string {
  return `${controller}.${doorId}`;
}

function fail(what: string): never {
  throw new AppError(STATUS.MALFORMED, "Malformed", `Malformed door command: ${what}`);
}

function obj(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) fail(`${what}`);
  return value as Record<string, unknown>;
}

function intIn(value: unknown, min: number, max: number, what: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min || value > max) {
    fail(what);
  }
  return value;
}

function shortText(value: unknown, max: number, what: string): string {
  if (typeof value !== "string" || value.length === 0 || value.length > max) fail(what);
  return value;
}

/**
 * Parses a command's bytes.
 *
 * @throws {AppError} MALFORMED naming what is wrong (nothing is carried out).
 */
export function parseDoorCommand(data: Uint8Array): DoorCommand {
  if (data.byteLength > MAX_COMMAND_BYTES) fail("too large");
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder().decode(data));
  } catch {
    fail("not JSON");
  }
  const source = obj(raw, "not an object");
  const op = source.op;
  if (op !== "open" && op !== "set_mode") fail("op");
  const actor = obj(source.actor, "actor");
  const command: DoorCommand = {
    op,
    door_id: intIn(source.door_id, 1, Number.MAX_SAFE_INTEGER, "door_id"),
    actor: {
      user_id: intIn(actor.user_id, 1, Number.MAX_SAFE_INTEGER, "actor.user_id"),
      username: shortText(actor.username, 128, "actor.username"),
    },
    deadline: intIn(source.deadline, 0, Number.MAX_SAFE_INTEGER, "deadline"),
    request_id: shortText(source.request_id, 64, "request_id"),
  };
  if (op === "set_mode") {
    if (!(DOOR_MODES as readonly unknown[]).includes(source.mode)) fail("mode");
    command.mode = source.mode as DoorMode;
  }
  if (op === "open" && source.duration_ms !== undefined && source.duration_ms !== null) {
    command.duration_ms = intIn(source.duration_ms, 100, MAX_REMOTE_OPEN_MS, "duration_ms");
  }
  return command;
}

/** The reply to a command that succeeded. */
export function successReply(content: unknown): DoorCommandReply {
  return { status_code: STATUS.SUCCESS, status_string: "", content: content ?? null };
}

/** The reply to a command that failed with `error` (an AppError keeps its status and text). */
export function errorReply(error: AppError): DoorCommandReply {
  return {
    status_code: error.status,
    status_string: `[${error.wireType}]: ${error.message}`,
    content: error.content,
  };
}

/**
 * Parses a reply's bytes.
 *
 * @throws {AppError} GENERAL_FAILURE when it is not a reply.
 */
export function parseDoorReply(data: Uint8Array, owner: string): DoorCommandReply {
  try {
    if (data.byteLength > MAX_COMMAND_BYTES) throw new Error("too large");
    const raw = JSON.parse(new TextDecoder().decode(data));
    if (
      typeof raw === "object" && raw !== null && Number.isSafeInteger(raw.status_code) &&
      typeof raw.status_string === "string"
    ) {
      return {
        status_code: raw.status_code,
        status_string: raw.status_string,
        content: raw.content ?? null,
      };
    }
  } catch {
    // below
  }
  throw new AppError(
    STATUS.GENERAL_FAILURE,
    "LEOSACException",
    `Controller ${owner} sent an unreadable reply to a door command.`,
  );
}

/**
 * The reply's content.
 *
 * @throws {AppError} the reply's error, with the same status, `[Type]` and
 * message (so the client sees what the owner said).
 */
export function unwrapReply(reply: DoorCommandReply): unknown {
  if (reply.status_code === STATUS.SUCCESS) return reply.content;
  const match = /^\[([^\]]*)\]: ([\s\S]*)$/.exec(reply.status_string);
  const status = (Object.values(STATUS) as number[]).includes(reply.status_code)
    ? reply.status_code
    : STATUS.GENERAL_FAILURE;
  throw new AppError(
    status as Status,
    match?.[1] ?? "LEOSACException",
    match?.[2] ?? reply.status_string,
    { content: reply.content },
  );
}

/**
 * A KV value read back, or null when it is not a door state (a foreign or
 * corrupt entry is skipped, never trusted).
 */
export function parseDoorState(value: unknown): DoorStateEntry | null {
  if (typeof value !== "object" || value === null) return null;
  const v = value as Record<string, unknown>;
  const ok = typeof v.controller === "string" && Number.isSafeInteger(v.door_id) &&
    typeof v.alias === "string" && (DOOR_MODES as readonly unknown[]).includes(v.mode) &&
    typeof v.locked === "boolean" && typeof v.open === "boolean" && Array.isArray(v.alarms) &&
    v.alarms.every((a) => typeof a === "string") && typeof v.wired === "boolean" &&
    Number.isSafeInteger(v.updated_at);
  if (!ok) return null;
  return {
    controller: v.controller as string,
    door_id: v.door_id as number,
    alias: v.alias as string,
    mode: v.mode as DoorMode,
    locked: v.locked as boolean,
    open: v.open as boolean,
    alarms: v.alarms as string[],
    wired: v.wired as boolean,
    updated_at: v.updated_at as number,
  };
}

/** A command as an endpoint sends it (the deadline and id are added on sending). */
export type DoorCommandRequest = Omit<DoorCommand, "deadline" | "request_id">;

/** A door state with whether its controller refreshed it recently. */
export type SiteDoorState = DoorStateEntry & {
  /** False when the entry is older than the stale limit (its controller is gone or cut off). */
  online: boolean;
};

/** The site's doors as endpoints use them (`SiteService.doors`, implemented by `SiteDoors`). */
export interface SiteDoorsPort {
  /**
   * Sends a door command to controller `owner` with a deadline of now +
   * `timeoutMs` and resolves with its reply (which may be an error: see
   * {@linkcode unwrapReply}).
   *
   * @throws {AppError} GENERAL_FAILURE when the owner cannot be reached in time.
   */
  command(
    owner: string,
    request: DoorCommandRequest,
    timeoutMs?: number,
  ): Promise<DoorCommandReply>;
  /** Every door state in the site's bucket, or null when it cannot be read now. */
  states(): Promise<SiteDoorState[] | null>;
}
