/**
 * What the live-event endpoints share: the event families a session can
 * subscribe to and their push frames,
 * `{type: "event.access" | "event.door" | "event.alarm", uuid: <new uuid>,
 * status_code: 0, status_string: "", content: {...}}`.
 *
 * @module
 */

/** The event families a session can subscribe to. */
export const EVENT_CATEGORIES = ["access", "door", "alarm"] as const;

/** An event family. */
export type EventCategoryName = typeof EVENT_CATEGORIES[number];

/** The push frame type of a category. */
export function pushTypeOf(category: string): string {
  return `event.${category}`;
}
