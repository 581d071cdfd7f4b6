/**
 * `events.subscribe` / `events.unsubscribe`: live access, door and alarm
 * events pushed to the session as
 * `{type: "event.access" | "event.door" | "event.alarm", uuid: <new uuid>,
 * status_code: 0, status_string: "", content: {...}}`, only while it is
 * logged in (logging out drops the subscription).
 *
 * @module
 */
import type { LiveEvent } from "../event_hub.ts";
import { type Endpoint, endpoint, type SessionState } from "../context.ts";
import { pushMessage } from "../protocol.ts";
import { array, ignored, object, oneOf, optional } from "../validate.ts";

/** The event families a session can subscribe to. */
export const EVENT_CATEGORIES = ["access", "door", "alarm"] as const;

/** An event family. */
export type EventCategoryName = typeof EVENT_CATEGORIES[number];

/** The push frame type of a category. */
export function pushTypeOf(category: string): string {
  return `event.${category}`;
}

function pushTo(
  session: SessionState,
  wanted: ReadonlySet<string>,
  event: LiveEvent,
  nowMs: number,
): void {
  if (!wanted.has(event.category) || !session.isAuthenticatedAt(nowMs)) return;
  const { category, ...content } = event;
  session.send(pushMessage(pushTypeOf(category), content));
}

/** The live-event endpoints, by wire name. */
export const EVENT_ENDPOINTS: Record<string, Endpoint> = {
  "events.subscribe": endpoint(
    object({ categories: optional(array(oneOf(EVENT_CATEGORIES), 3)) }),
    {
      auth: "logged_in",
      handle(ctx, request) {
        ctx.require("EVENTS_SUBSCRIBE");
        const categories = request.categories === undefined || request.categories.length === 0
          ? [...EVENT_CATEGORIES]
          : [...new Set(request.categories)];
        const wanted = new Set<string>(categories);
        const session = ctx.session;
        session.eventSubscription?.();
        session.eventSubscription = ctx.deps.events.subscribe((event) =>
          pushTo(session, wanted, event, ctx.deps.clock.now())
        );
        return { subscribed: true, categories };
      },
    },
  ),

  "events.unsubscribe": endpoint(ignored, {
    auth: "logged_in",
    handle(ctx) {
      ctx.session.eventSubscription?.();
      ctx.session.eventSubscription = null;
      return { subscribed: false };
    },
  }),
};
