/**
 * Door commands on another controller's door (issue 12, `docs/site.md`):
 * in a site, `door.open` and `door.set_mode` on a door wired elsewhere are
 * sent to its owner through the site (`src/site/doors.ts`) with a deadline
 * of now + `COMMAND_TIMEOUT_MS`; the owner's reply (success or error) is
 * this call's reply.
 *
 * @module
 */
import { AppError, STATUS } from "../../../errors.ts";
import { type DoorCommandRequest, unwrapReply } from "../../../site/door_command.ts";
import { COMMAND_TIMEOUT_MS } from "../../../site/doors.ts";
import type { SiteService } from "../../../site/service.ts";
import type { Door } from "../../../store/doors.ts";
import type { Store } from "../../../store/store.ts";
import { getUser } from "../../../store/users.ts";

/** What the helpers need of the call context. */
interface RemoteContext {
  readonly store: Store;
  readonly services: { readonly site: SiteService | null };
}

/** The controller `door` is wired on when that is another controller of the site, else null. */
export function remoteOwner(ctx: RemoteContext, door: Door): string | null {
  const site = ctx.services.site;
  if (site === null || door.controller === null) return null;
  return door.controller === site.controller ? null : door.controller;
}

/**
 * Sends a door command for `actorId` to `owner` and returns its reply's
 * content.
 *
 * @throws {AppError} the owner's error, or GENERAL_FAILURE when it cannot
 * be reached (disconnected, not answering, no door service).
 */
export async function sendToOwner(
  ctx: RemoteContext,
  owner: string,
  request: Omit<DoorCommandRequest, "actor">,
  actorId: number,
): Promise<unknown> {
  const doors = ctx.services.site?.doors ?? null;
  if (doors === null) {
    throw new AppError(
      STATUS.GENERAL_FAILURE,
      "LEOSACException",
      `The door is wired on controller ${owner}, and this controller cannot command other controllers' doors: its site door service is not running.`,
    );
  }
  const username = getUser(ctx.store.db, actorId)?.username ?? `user ${actorId}`;
  const reply = await doors.command(
    owner,
    { ...request, actor: { user_id: actorId, username } },
    COMMAND_TIMEOUT_MS,
  );
  return unwrapReply(reply);
}
