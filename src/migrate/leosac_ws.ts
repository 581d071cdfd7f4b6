/**
 * Migration from a running Leosac over its WebSocket API: NOT BUILT YET.
 * `leosac import-leosac --from` parses its options and then refuses with
 * {@linkcode LeosacSourceError}, writing nothing. What remains is the
 * client (create_auth_token, then `user.read`, `group.read`,
 * `credential.read`, `schedule.read`, `zone.read`, `door.read` with id 0)
 * and the conversion of those JSON:API documents into a `MigrationPlan`
 * (random passwords, PINs re-hashed from Leosac's clear codes).
 *
 * @module
 */
import type { MigrationPlan } from "./plan.ts";

/** The source Leosac could not be read (unreachable, refused, or not supported yet). */
export class LeosacSourceError extends Error {
  /** Builds the error. */
  constructor(message: string) {
    super(message);
    this.name = "LeosacSourceError";
  }
}

/** Where and how to log in. */
export interface WsSourceOptions {
  url: string;
  username: string;
  password: string;
}

/**
 * Reads a running Leosac into a plan.
 *
 * @throws {LeosacSourceError} always, for now: not built yet.
 */
export function planFromLeosacWs(options: WsSourceOptions): Promise<MigrationPlan> {
  return Promise.reject(
    new LeosacSourceError(
      `importing from a running Leosac (${options.url}) is not available in this version; ` +
        "use --kernel with its XML files",
    ),
  );
}
