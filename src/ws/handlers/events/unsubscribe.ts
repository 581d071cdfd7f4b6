/**
 * `events.unsubscribe`: stops the session's live events.
 *
 * @module
 */
import { defineEndpoint } from "../../endpoint.ts";
import { ignored } from "../../validate.ts";

/** The declaration. */
export const eventsUnsubscribe = defineEndpoint({
  names: ["events.unsubscribe"],
  session: "required",
  permission: null,
  access: "read",
  audit: "failures",
  wiring: false,
  decode: ignored,
  handle(ctx) {
    ctx.session.subscribe(null);
    return { subscribed: false };
  },
});
