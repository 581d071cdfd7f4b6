// @ts-check
// Shapes shared by the UI modules (JSDoc only: this module exports no values).
//
// Server replies are JSON the UI does not validate: attributes and
// relationships are typed loosely on purpose, the server owns their shape.

/**
 * A JSON:API resource object from a `*.read` reply.
 * @typedef {object} Entity
 * @property {string} id
 * @property {string} [type]
 * @property {Record<string, any>} attributes
 * @property {Record<string, { data: any }>} [relationships]
 */

/** A relationship's target: `{ id }`. @typedef {{ id: string | number }} Ref */

/**
 * A user-group membership resource.
 * @typedef {object} Membership
 * @property {string} id
 * @property {Record<string, any>} attributes
 * @property {{ user: { data: Ref }, group: { data: Ref } }} relationships
 */

/**
 * What a page's `render(view, ctx)` gets from the router.
 * @typedef {object} PageContext
 * @property {import("./api.js").Api} api
 * @property {import("./session.js").Session} session
 * @property {(path: string) => void} navigate
 * @property {string[]} params
 * @property {() => boolean} alive false once the user has navigated away
 */

/** A page's teardown (unsubscribes), or nothing. @typedef {(() => void) | void | undefined} Cleanup */

export {};
