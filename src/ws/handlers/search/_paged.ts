/**
 * What the paged searches (`user.list`, `credential.list`, `group.list`; our
 * extension, Leosac clients never send them) share: the request
 * `{q?, after?, limit?, ids?}` and the reply `{data: [...], meta: {next}}`.
 *
 * `q` is what the person typed (see `src/store/search.ts` for what matches),
 * `after` the previous page's `meta.next` (absent: the first page), `limit`
 * the rows wanted (default {@linkcode DEFAULT_LIMIT}, at most
 * `MAX_PAGE_LIMIT`). `meta.next` is null on the last page.
 *
 * @module
 */
import { BadRequestError } from "../../../errors.ts";
import { MAX_PAGE_LIMIT, type SearchPage } from "../../../store/search.ts";
import { array, id, int, object, optional, str, withDefault } from "../../validate.ts";

/** Rows of a page when `limit` is absent. */
export const DEFAULT_LIMIT = 50;
/** Longest accepted query or cursor. */
const MAX_TEXT_LENGTH = 256;

/** The shared request fields. */
export const pagedFields = {
  q: optional(str(MAX_TEXT_LENGTH)),
  after: optional(str(MAX_TEXT_LENGTH)),
  limit: withDefault(int(1, MAX_PAGE_LIMIT), DEFAULT_LIMIT),
};

/**
 * The fields of a search of people, cards or groups: {@linkcode pagedFields}
 * and `ids`, only the rows with these ids (at most `MAX_PAGE_LIMIT`; how a
 * picker reads the labels of what it holds).
 */
export const searchFields = {
  ...pagedFields,
  ids: optional(array(id, MAX_PAGE_LIMIT)),
};

/** The request of a search without other fields. */
export const pagedRequest = object(searchFields);

/** `{q?, after?, limit}` as the store takes it (absent keys left out). */
export function searchQuery(
  request: {
    q?: string | undefined;
    after?: string | undefined;
    limit: number;
    ids?: number[] | undefined;
  },
): { q?: string; after?: string; limit: number; ids?: number[] } {
  return {
    limit: request.limit,
    ...(request.ids === undefined ? {} : { ids: request.ids }),
    ...(request.q === undefined ? {} : { q: request.q }),
    ...(request.after === undefined ? {} : { after: request.after }),
  };
}

/** Runs a store search; a bad cursor is the caller's error (status 1), not ours. */
export function runSearch<T>(search: () => SearchPage<T>): SearchPage<T> {
  try {
    return search();
  } catch (error) {
    if (error instanceof RangeError) throw new BadRequestError(error.message);
    throw error;
  }
}
