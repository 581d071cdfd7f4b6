/**
 * What the login endpoints share: the refusal shapes and the checks of an
 * account that is about to log in.
 *
 * @module
 */
import { AppError, STATUS } from "../../../errors.ts";
import { AUDIT_EVENT, AUDIT_KIND, auditMask } from "../../../store/audit.ts";
import { hashUsername } from "../../../store/secrets.ts";
import type { User } from "../../../store/users.ts";
import { isValidAt } from "../../../policy/validity.ts";
import type { EndpointContext } from "../../endpoint.ts";
import { logger } from "../../../log.ts";

const log = logger("ws");

/** Longest accepted password. */
export const MAX_PASSWORD_LENGTH = 1024;

/** Leosac's reply to a wrong password or token (status -1 in the content, call status 0). */
export const INVALID_CREDENTIALS = { status: -1, message: "Invalid credentials" } as const;

/** The refusal once the login limit is hit. */
export function rateLimited(): AppError {
  return new AppError(
    STATUS.RATE_LIMITED,
    "RateLimited",
    "Too many failed login attempts: try again later.",
  );
}

/** Throws unless the account may log in now (enabled, within validity). */
export function checkAccountUsable(user: User, now: number): void {
  if (!user.validity.enabled) {
    throw new AppError(STATUS.GENERAL_FAILURE, "LEOSACException", "This user account is disabled.");
  }
  if (!isValidAt(user.validity, now)) {
    throw new AppError(
      STATUS.GENERAL_FAILURE,
      "LEOSACException",
      "This user account is not currently active.",
    );
  }
}

/**
 * Writes the audit row of a failed password login. A known username is named;
 * an unknown one is never stored as typed (it may be a password typed into
 * the wrong field): the row says it was unknown and gives its keyed hash
 * ({@linkcode hashUsername}), so repeated attempts correlate.
 */
export function auditLoginFailure(
  ctx: EndpointContext<never, "logins">,
  username: string,
  user: User | null,
): void {
  const who = user === null
    ? `with an unknown username (keyed hash ${hashUsername(ctx.store.secret, username)})`
    : `as ${JSON.stringify(user.username)}`;
  ctx.audit({
    kind: AUDIT_KIND.USER,
    mask: auditMask(AUDIT_EVENT.LOGIN_FAILED),
    authorId: null,
    targetId: user?.id ?? null,
    description: `Failed login ${who} from ${ctx.session.remote}.`,
  });
}

/**
 * Writes the audit row of a successful password login (a `UserEvent`, so the
 * UI's "Users and logins" view shows logins beside failed ones, not only as
 * API calls).
 */
export function auditLoginSuccess(ctx: EndpointContext<never, "logins">, user: User): void {
  try {
    ctx.audit({
      kind: AUDIT_KIND.USER,
      mask: auditMask(AUDIT_EVENT.LOGIN_SUCCEEDED),
      authorId: user.id,
      targetId: user.id,
      description: `${user.username} logged in from ${ctx.session.remote}.`,
    });
  } catch (error) {
    // A login never depends on a write (a full disk, a lost file): the call's own
    // audit row waits in the audit writer; this one is only logged.
    log.warn("The login of user {userId} could not be recorded: {error}", {
      userId: user.id,
      error: error instanceof Error ? error.message : String(error),
    });
  }
}
