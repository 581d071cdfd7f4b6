/**
 * The endpoint index of `docs/ws_protocol.md`, read from the declarations:
 * one row per endpoint with its traits. `router_test.ts` checks that the doc
 * matches; `deno run src/ws/endpoint_index.ts` prints the table to paste.
 *
 * @module
 */
import type { AnyEndpoint } from "./endpoint.ts";

/** The index's header cells. */
export const INDEX_HEADER = [
  "endpoint",
  "session",
  "permission",
  "access",
  "scope",
  "audit",
  "wiring",
];

/** One row of cells per declaration. */
export function indexRows(declarations: readonly AnyEndpoint[]): string[][] {
  return declarations.map((d) => {
    const p = d.permission;
    const permission = p === null ? "—" : [
      `${p.action}${p.byHandler === true ? " (by handler)" : ""}`,
      ...(p.also ?? []),
    ].join(", ");
    return [
      d.names.map((n) => `\`${n}\``).join(", "),
      d.session,
      permission,
      d.access,
      d.scope ?? "—",
      d.audit,
      d.wiring ? "yes" : "no",
    ];
  });
}

/** The index as a Markdown table. */
export function indexTable(declarations: readonly AnyEndpoint[]): string {
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [
    line(INDEX_HEADER),
    line(INDEX_HEADER.map(() => "---")),
    ...indexRows(declarations).map(line),
  ].join("\n");
}

if (import.meta.main) {
  const { DECLARATIONS } = await import("./handlers/mod.ts");
  // deno-lint-ignore no-console
  console.log(indexTable(DECLARATIONS));
}
