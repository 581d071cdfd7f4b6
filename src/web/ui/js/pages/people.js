// @ts-check
// People: users (account, cards and PINs, group memberships) and groups. One
// module per resource in people/.

import { groupDetail, groupList } from "./people/group.js";
import { userDetail, userForm, userList } from "./people/user.js";

/**
 * Renders the People section into `view`.
 * @param {HTMLElement} view
 * @param {import("../types.js").PageContext} ctx
 * @returns {Promise<unknown>}
 */
export async function render(view, ctx) {
  const [sub, id] = ctx.params;
  if (sub === "groups") return await groupList(view, ctx);
  if (sub === "group" && id) return await groupDetail(view, ctx, Number(id));
  if (sub === "user" && id === "new") return userForm(view, ctx, null);
  if (sub === "user" && id) return await userDetail(view, ctx, Number(id));
  return await userList(view, ctx);
}
