/**
 * Domain errors with stable codes, and their mapping to Leosac wire statuses.
 *
 * @module
 */

import { STATUS, type Status } from "./shared/status.js";

// The status table lives in src/shared/status.js, which the browser also loads.
export { STATUS, type Status };

/** The message of a thrown value: an Error's message, anything else as a string. */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Base class for errors that callers act on; `status` is the wire status. */
export class AppError extends Error {
  /** Wire status code for this error. */
  readonly status: Status;
  /** The `[Type]` prefix of the wire status string. */
  readonly wireType: string;
  /** Optional reply content (not-found and validation errors carry one). */
  readonly content: unknown;

  /** An error with its wire status, `[Type]` prefix, message and optional reply content. */
  constructor(
    status: Status,
    wireType: string,
    message: string,
    options?: { cause?: unknown; content?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "AppError";
    this.status = status;
    this.wireType = wireType;
    this.content = options?.content ?? null;
  }
}

/** One JSON:API validation error. */
export interface FieldError {
  /** What is wrong, for a person. */
  detail: string;
  /** JSON pointer of the field (e.g. `/data/attributes/alias`), or `""` for the whole model. */
  pointer: string;
}

/** A validation failure (status 11), with JSON:API style errors. */
export class ValidationError extends AppError {
  /** The field errors, as sent in `content.errors`. */
  readonly errors: FieldError[];
  /** One error from a string (at `pointer`), or a list of field errors. */
  constructor(errors: FieldError[] | string, pointer = "") {
    const list = typeof errors === "string" ? [{ detail: errors, pointer }] : errors;
    super(
      STATUS.MODEL_EXCEPTION,
      "ModelException",
      `ModelException: ${list.map((e) => `${e.pointer || "model"}: ${e.detail}`).join("; ")}`,
      {
        content: {
          errors: list.map((e) => ({ detail: e.detail, source: { pointer: e.pointer } })),
        },
      },
    );
    this.name = "ValidationError";
    this.errors = list;
  }
}

/** The JSON:API pointer prefix of an attribute in a {@linkcode ValidationError}. */
export const ATTR_POINTER = "data/attributes/";

/** An entity that does not exist (status 8). `entityId` is sent as a string. */
export class NotFoundError extends AppError {
  /** `entityType` as Leosac names it (e.g. `user`), and the id that was asked for. */
  constructor(entityType: string, entityId: number | string) {
    super(
      STATUS.ENTITY_NOT_FOUND,
      "Leosac::EntityNotFound",
      `Cannot find \`${entityType}\` with id \`${entityId}\`.`,
      { content: { entity_id: String(entityId), entity_type: entityType } },
    );
    this.name = "NotFoundError";
  }
}

/** The caller may not do this (status 2). */
export class PermissionDeniedError extends AppError {
  /** `detail` says what was refused; without it the message is "Permission denied.". */
  constructor(detail?: string) {
    super(
      STATUS.PERMISSION_DENIED,
      "PermissionDenied",
      detail === undefined ? "Permission denied." : `Permission denied: ${detail}`,
    );
    this.name = "PermissionDeniedError";
  }
}

/** A request whose arguments are wrong in a way that is not a model error (status 1 or 12). */
export class BadRequestError extends AppError {
  /** `status` is GENERAL_FAILURE (1) or INVALID_ARGUMENT (12). */
  constructor(message: string, status: Status = STATUS.GENERAL_FAILURE) {
    super(
      status,
      status === STATUS.INVALID_ARGUMENT ? "Leosac::InvalidArgument" : "LEOSACException",
      message,
    );
    this.name = "BadRequestError";
  }
}

/** Thrown by the store when the data directory or database cannot be used. */
export class StoreError extends Error {
  /** A message for the operator, and the underlying error as `cause`. */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "StoreError";
  }
}

/** Longest preview of a client value quoted in an error message. */
export const MAX_QUOTED_LENGTH = 64;

/**
 * A short, safe preview of a client value for an error message: JSON,
 * cut to {@linkcode MAX_QUOTED_LENGTH} characters. Never throws (deep or
 * cyclic values are named by their type).
 */
export function quoteValue(value: unknown): string {
  if (typeof value === "string") {
    const text = JSON.stringify(value.slice(0, MAX_QUOTED_LENGTH));
    return value.length > MAX_QUOTED_LENGTH ? `${text.slice(0, -1)}…"` : text;
  }
  if (value === null || typeof value !== "object") return String(value);
  return Array.isArray(value) ? "an array" : "an object";
}
