/**
 * Leosac's update-management calls. No update backend exists (as in
 * Leosac's open-source tree), so there is never anything to install: the
 * lists are empty and every update id is unknown.
 *
 * @module
 */
import { NotFoundError } from "../../../errors.ts";
import { int, object } from "../../validate.ts";

/** `{update_id}` content. */
export const updateIdRequest = object({ update_id: int(0) });

/** The error for any update id. */
export function unknownUpdate(id: number): Error {
  return new NotFoundError("update", id);
}
