/**
 * What the login endpoints share: the refusal shapes and the checks of an
 * account that is about to log in.
 *
 * @module
 */
import { AppError, STATUS } from "../../../errors.ts";
import { AUDIT_EVENT, AUDIT_KIND, auditMask } from "../../../store/audit.ts";
import type { User } from "../../../store/users.ts";
import { isValidAt } from "../../../policy/validity.ts";
import type { EndpointContext } from "../../endpoint.ts";

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

/** Counts a failed password login and writes its audit row. */
export function recordLoginFailure(
  ctx: EndpointContext<never, "logins">,
  username: string,
  userId: number | null,
): void {
  ctx.services.logins.recordFailure(username, ctx.session.remoteAddress, ctx.now);
  ctx.audit({
    kind: AUDIT_KIND.USER,
    mask: auditMask(AUDIT_EVENT.LOGIN_FAILED),
    authorId: null,
    targetId: userId,
    description: `Failed login as ${
      JSON.stringify(username.slice(0, 64))
    } from ${ctx.session.remote}.`,
  });
}
