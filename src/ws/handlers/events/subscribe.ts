/**
 * `events.subscribe`: live access, door and alarm events (all of them, or
 * the `categories` listed) pushed to the session while it is logged in
 * (logging out drops the subscription). A new subscription replaces the
 * previous one.
 *
 * @module
 */
import { defineEndpoint } from "../../endpoint.ts";
import { pushMessage } from "../../protocol.ts";
import { array, object, oneOf, optional } from "../../validate.ts";
import { EVENT_CATEGORIES, pushTypeOf } from "./_events.ts";

/** The request content. */
const decode = object({ categories: optional(array(oneOf(EVENT_CATEGORIES), 3)) });

/** The declaration. */
export const eventsSubscribe = defineEndpoint({
  names: ["events.subscribe"],
  session: "required",
  permission: { action: "EVENTS_SUBSCRIBE" },
  access: "read",
  audit: "failures",
  wiring: false,
  uses: ["events"],
  decode,
  handle(ctx, request) {
    const categories = request.categories === undefined || request.categories.length === 0
      ? [...EVENT_CATEGORIES]
      : [...new Set(request.categories)];
    const wanted = new Set<string>(categories);
    const { events } = ctx.services;
    ctx.session.subscribe((push) =>
      events.subscribe(({ category, ...content }) => {
        if (wanted.has(category)) push(pushMessage(pushTypeOf(category), content));
      })
    );
    return { subscribed: true, categories };
  },
});
