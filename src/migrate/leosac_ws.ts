/**
 * Migration from a running Leosac over its WebSocket API
 * (`leosac import-leosac --from ws://HOST:PORT`): logs in with
 * `create_auth_token`, reads `get_leosac_version`, then `user.read`,
 * `group.read`, `credential.read`, `schedule.read`, `zone.read` and
 * `door.read` with id 0 (Leosac's "all"), and each membership the users list
 * with `user-group-membership.read` (Leosac has no membership list; these
 * are pipelined, at most {@linkcode MEMBERSHIP_WINDOW} at a time), logs out,
 * and converts the replies (`leosac_ws_convert.ts`) into the same
 * `MigrationPlan` as the XML files. Nothing is written here: every failure
 * (unreachable, TLS, refused login, a call refused, a reply missing a field)
 * is a {@linkcode LeosacSourceError} before the data directory is touched.
 *
 * The account must be able to read everything: a Leosac administrator (or a
 * manager), here an administrator.
 *
 * @module
 */
import { trustedClient, type TrustOptions } from "../cli/trust.ts";
import { randomPassword } from "../store/secrets.ts";
import { at, id, int, LeosacSourceError, replyOf } from "./_reply_reader.ts";
import { LeosacWsClient, type WsClientLimits, type WsReply } from "./_ws_client.ts";
import { membershipIds, planFromLeosacReplies } from "./leosac_ws_convert.ts";
import type { MigrationPlan } from "./plan.ts";

export { LeosacSourceError };

/** Membership reads in flight at once (this controller queues at most 64 per connection). */
export const MEMBERSHIP_WINDOW = 32;
/** The most memberships read (one request each). */
export const MAX_MEMBERSHIPS = 1_000_000;

/** Where and how to log in. */
export interface WsSourceOptions {
  /** `ws://HOST:PORT[/path]` or `wss://…`. */
  url: string;
  username: string;
  password: string;
  /** How a `wss://` server's certificate is trusted (`--ca`, `--fingerprint`). */
  trust?: TrustOptions;
  /** Connection and request limits. @default DEFAULT_WS_CLIENT_LIMITS */
  limits?: Partial<WsClientLimits>;
  /** Makes a user's new password. @default randomPassword */
  newPassword?: () => string;
}

const STATUS_PERMISSION_DENIED = 2;
/** Leosac's `UserRank::ADMIN`. */
const ADMIN_RANK = 4;

/**
 * Reads a running Leosac into a plan.
 *
 * @throws {LeosacSourceError} when it cannot be reached or read; nothing is written.
 */
export async function planFromLeosacWs(options: WsSourceOptions): Promise<MigrationPlan> {
  const source = redact(options.url);
  let http: Deno.HttpClient | null = null;
  let client: LeosacWsClient | null = null;
  try {
    http = await trustedClient(
      options.url,
      options.trust ?? {},
      options.limits?.connectMs ?? 10_000,
    );
    client = await LeosacWsClient.open(options.url, {
      client: http,
      ...(options.limits ? { limits: options.limits } : {}),
    });
    const version = await call(client, "get_leosac_version", {});
    const userId = await logIn(client, source, options);
    await checkAdministrator(client, userId, options.username);
    const all = (type: string, key: string) => call(client!, type, { [key]: 0 });
    const users = await all("user.read", "user_id");
    const groups = await all("group.read", "group_id");
    const credentials = await all("credential.read", "credential_id");
    const schedules = await all("schedule.read", "schedule_id");
    const zones = await all("zone.read", "zone_id");
    const doors = await all("door.read", "door_id");
    const ids = membershipIds(users);
    if (ids.length > MAX_MEMBERSHIPS) {
      throw new LeosacSourceError(`${source} lists more than ${MAX_MEMBERSHIPS} memberships`);
    }
    const memberships = await readMemberships(client, ids);
    await client.request("logout", {}).catch(() => {});
    return planFromLeosacReplies(
      { version, users, groups, memberships, credentials, schedules, zones, doors },
      { source, newPassword: options.newPassword ?? (() => randomPassword(16)) },
    );
  } catch (error) {
    if (error instanceof LeosacSourceError) throw error;
    const text = error instanceof Error ? error.message : String(error);
    const hint = /certificate/i.test(text) && !options.trust?.caFile && !options.trust?.fingerprint
      ? " (for a self-signed certificate, pass --fingerprint or --ca FILE)"
      : "";
    throw new LeosacSourceError(`cannot read ${source}: ${text}${hint}`, { cause: error });
  } finally {
    await client?.close();
    http?.close();
  }
}

/** Logs in; returns the user's id. */
async function logIn(
  client: LeosacWsClient,
  source: string,
  options: WsSourceOptions,
): Promise<number> {
  const reply = await client.request("create_auth_token", {
    username: options.username,
    password: options.password,
  });
  const content = reply.content as { status?: unknown; message?: unknown } | null;
  if (reply.status_code === 0 && content?.status === 0) {
    return id(at(replyOf("create_auth_token", content), "user_id"));
  }
  const why = reply.status_code !== 0
    ? reply.status_string
    : typeof content?.message === "string"
    ? content.message.slice(0, 200)
    : "refused";
  throw new LeosacSourceError(`${source} refused the login of "${options.username}": ${why}`);
}

/** Leosac filters some lists by what the caller may read: only an administrator reads them whole. */
async function checkAdministrator(client: LeosacWsClient, userId: number, username: string) {
  const me = at(replyOf("user.read", await call(client, "user.read", { user_id: userId })), "data");
  const rank = int(at(at(me, "attributes"), "rank"), Number.MIN_SAFE_INTEGER);
  if (rank !== ADMIN_RANK) {
    throw new LeosacSourceError(
      `"${username}" is not an administrator there (rank ${rank}): some lists would be ` +
        "incomplete; log in as an administrator",
    );
  }
}

async function call(client: LeosacWsClient, type: string, content: unknown): Promise<unknown> {
  const reply: WsReply = await client.request(type, content);
  if (reply.status_code === 0) return reply.content;
  const hint = reply.status_code === STATUS_PERMISSION_DENIED
    ? " (log in with an account that may read everything: an administrator)"
    : "";
  throw new LeosacSourceError(
    `${type} failed with status ${reply.status_code}: ${reply.status_string.slice(0, 300)}${hint}`,
  );
}

async function readMemberships(client: LeosacWsClient, ids: number[]): Promise<unknown[]> {
  const out: unknown[] = new Array(ids.length);
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const index = next++;
      out[index] = await call(client, "user-group-membership.read", { membership_id: ids[index] });
    }
  };
  await Promise.all(Array.from({ length: Math.min(MEMBERSHIP_WINDOW, ids.length) }, worker));
  return out;
}

/** The URL without user information (never a password in the report or the audit row). */
function redact(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = "";
    parsed.password = "";
    return parsed.href;
  } catch {
    return url;
  }
}
