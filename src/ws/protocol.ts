/**
 * The Leosac WebSocket envelope: parsing client frames and building replies.
 * This is one of the two wire contracts; docs/ws_protocol.md describes it.
 *
 * @module
 */
import { AppError, STATUS, type Status } from "../errors.ts";

/** A client request after envelope validation. `content` is decoded later by its endpoint. */
export interface ClientMessage {
  /** The endpoint's wire name, e.g. `user.read`. */
  type: string;
  /** The client's request id, echoed in the reply. */
  uuid: string;
  /** The request's arguments, not yet decoded. */
  content: unknown;
}

/** A server frame: a reply or a push. All five keys are always present. */
export interface ServerMessage {
  /** The request's type for a reply; the push type (e.g. `event.access`) for a push. */
  type: string;
  /** The request's uuid for a reply; a new uuid (or `""`) for a push. */
  uuid: string;
  /** The wire status, 0 on success. */
  status_code: Status;
  /** `""` on success, else `[Type]: message`. */
  status_string: string;
  /** The reply or push payload. */
  content: unknown;
}

/** Longest message in a `status_string` (longer ones are cut). */
export const MAX_STATUS_STRING_LENGTH = 1024;

/** Maximum length of `type` and `uuid`. */
export const MAX_ENVELOPE_FIELD_LENGTH = 256;

/** The outcome of {@linkcode parseClientMessage}. */
export type ParseResult = { ok: true; message: ClientMessage } | {
  ok: false;
  reply: ServerMessage;
};

function malformed(statusString: string): { ok: false; reply: ServerMessage } {
  return {
    ok: false,
    reply: {
      type: "",
      uuid: "",
      status_code: STATUS.MALFORMED,
      status_string: statusString,
      content: null,
    },
  };
}

/**
 * Validates a text frame as a Leosac envelope: a JSON object with string
 * `type` and `uuid` and a `content` key. Anything else is MALFORMED (4) with
 * empty `uuid` and `type`. Never throws.
 */
export function parseClientMessage(text: string): ParseResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return malformed("Failed to parse JSON.");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return malformed("Malformed message.");
  }
  const { type, uuid } = value as Record<string, unknown>;
  if (
    typeof type !== "string" || typeof uuid !== "string" || !Object.hasOwn(value, "content") ||
    type.length > MAX_ENVELOPE_FIELD_LENGTH || uuid.length > MAX_ENVELOPE_FIELD_LENGTH
  ) {
    return malformed("Malformed message.");
  }
  return { ok: true, message: { type, uuid, content: (value as { content: unknown }).content } };
}

/** A success reply to `request`. */
export function successReply(request: ClientMessage, content: unknown): ServerMessage {
  return {
    type: request.type,
    uuid: request.uuid,
    status_code: STATUS.SUCCESS,
    status_string: "",
    content: content === undefined ? null : content,
  };
}

/** An error reply with Leosac's `[Type]: message` status string. */
export function errorReply(
  request: { type: string; uuid: string },
  status: Status,
  wireType: string,
  message: string,
  content: unknown = null,
): ServerMessage {
  return {
    type: request.type,
    uuid: request.uuid,
    status_code: status,
    status_string: `[${wireType}]: ${
      message.length > MAX_STATUS_STRING_LENGTH
        ? message.slice(0, MAX_STATUS_STRING_LENGTH) + "…"
        : message
    }`,
    content,
  };
}

/** Converts a thrown error into a reply (unknown errors are GENERAL_FAILURE with no detail). */
export function replyForError(
  request: { type: string; uuid: string },
  error: unknown,
): ServerMessage {
  if (error instanceof AppError) {
    return errorReply(request, error.status, error.wireType, error.message, error.content);
  }
  const database = databaseTrouble(error);
  if (database !== null) {
    // Leosac's shape for database failures: "[odb::<type>]: Database Error: <message>".
    return errorReply(
      request,
      STATUS.DATABASE_ERROR,
      "odb::exception",
      `Database Error: ${database}`,
    );
  }
  return errorReply(request, STATUS.GENERAL_FAILURE, "LEOSACException", "Internal error.");
}

/** SQLite failures an operator can act on, by the message node:sqlite gives them. */
const DATABASE_TROUBLE: ReadonlyArray<[RegExp, string]> = [
  [
    /database is locked|database table is locked/,
    "The database is busy (another process holds a write lock); nothing was changed, try again.",
  ],
  [
    /readonly database|read-only/,
    "The database cannot be written (read-only file or directory); nothing was changed.",
  ],
  [/disk is full/, "The disk is full; nothing was changed."],
  [
    /disk I\/O error|unable to open database/,
    "The database cannot be read or written (I/O error).",
  ],
];

/**
 * The operator-facing message for a SQLite error (busy, read-only, full
 * disk, I/O), or null for anything else. The change was rolled back.
 */
export function databaseTrouble(error: unknown): string | null {
  if (!(error instanceof Error) || (error as { code?: unknown }).code !== "ERR_SQLITE_ERROR") {
    return null;
  }
  for (const [pattern, message] of DATABASE_TROUBLE) {
    if (pattern.test(error.message)) return message;
  }
  return null;
}

/** A server push (events, `session_closed`): a fresh uuid unless given. */
export function pushMessage(
  type: string,
  content: unknown,
  uuid: string = crypto.randomUUID(),
): ServerMessage {
  return { type, uuid, status_code: STATUS.SUCCESS, status_string: "", content };
}
