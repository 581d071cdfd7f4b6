/**
 * First-run set-up: the first administrator.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { transaction } from "./db.ts";
import { hashPassword, randomPassword } from "./secrets.ts";
import { countUsersWithRank, createUser, getUserByUsername, USER_RANK } from "./users.ts";

/** What {@linkcode ensureAdministrator} did. */
export type BootstrapResult =
  | { created: false }
  | { created: true; username: string; generatedPassword: string | null };

/**
 * Creates the administrator account when the database has none. Uses
 * `password` if given, else a random one that is returned to be shown once.
 * There is no default password.
 */
export async function ensureAdministrator(
  db: DatabaseSync,
  password: string | undefined,
): Promise<BootstrapResult> {
  if (countUsersWithRank(db, USER_RANK.ADMIN) > 0) return { created: false };
  const clear = password ?? randomPassword();
  const passwordHash = await hashPassword(clear);
  return transaction(db, () => {
    if (countUsersWithRank(db, USER_RANK.ADMIN) > 0) return { created: false } as const;
    let username = "admin";
    for (let n = 2; getUserByUsername(db, username); n++) username = `admin${n}`;
    createUser(db, {
      username,
      passwordHash,
      firstname: "Admin",
      lastname: "ADMIN",
      rank: USER_RANK.ADMIN,
    });
    return {
      created: true,
      username,
      generatedPassword: password === undefined ? clear : null,
    } as const;
  });
}
