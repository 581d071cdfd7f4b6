/**
 * The endpoint table: wire name → declaration, built from the declarations
 * listed in `handlers/mod.ts`. A name declared twice is an error at start-up.
 *
 * @module
 */
import type { AnyEndpoint } from "./endpoint.ts";
import { DECLARATIONS } from "./handlers/mod.ts";

/** Builds the name → declaration table; throws on a duplicate name. */
export function endpointTable(declarations: readonly AnyEndpoint[]): Record<string, AnyEndpoint> {
  const table: Record<string, AnyEndpoint> = Object.create(null);
  for (const declaration of declarations) {
    for (const name of declaration.names) {
      if (name in table) throw new Error(`Endpoint ${name} is declared twice`);
      table[name] = declaration;
    }
  }
  return table;
}

/** Every endpoint, by wire name. */
export const ENDPOINTS: Readonly<Record<string, AnyEndpoint>> = Object.freeze(
  endpointTable(DECLARATIONS),
);
