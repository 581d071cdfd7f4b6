import assert from "node:assert/strict";
import { DECLARATIONS } from "./handlers/mod.ts";
import { ENDPOINTS, endpointTable } from "./router.ts";
import { INDEX_HEADER, indexRows } from "./endpoint_index.ts";
import { defineEndpoint } from "./endpoint.ts";
import { ignored } from "./validate.ts";

const HANDLERS = new URL("./handlers/", import.meta.url);

/** Every endpoint module: `handlers/<family>/<verb>.ts` (not `_shared.ts`, not tests). */
async function endpointModules(): Promise<URL[]> {
  const found: URL[] = [];
  for await (const family of Deno.readDir(HANDLERS)) {
    if (!family.isDirectory) continue;
    for await (const file of Deno.readDir(new URL(`${family.name}/`, HANDLERS))) {
      if (!file.isFile || !file.name.endsWith(".ts") || file.name.startsWith("_")) continue;
      if (file.name.endsWith("_test.ts")) continue;
      found.push(new URL(`${family.name}/${file.name}`, HANDLERS));
    }
  }
  return found;
}

Deno.test("every endpoint module's declaration is listed in handlers/mod.ts, once", async () => {
  const listed = new Set(DECLARATIONS);
  assert.equal(listed.size, DECLARATIONS.length, "a declaration is listed twice");
  const modules = await endpointModules();
  assert.ok(modules.length >= DECLARATIONS.length / 2, "the endpoint modules were not found");
  for (const url of modules) {
    const exported = Object.values(await import(url.href)).filter((v) =>
      typeof v === "object" && v !== null && "names" in v && "handle" in v
    );
    assert.ok(exported.length > 0, `${url.pathname} exports no declaration`);
    for (const declaration of exported) {
      assert.ok(
        listed.has(declaration as never),
        `${url.pathname} is not listed in handlers/mod.ts`,
      );
    }
  }
});

Deno.test("the router maps every declared name, and refuses a name declared twice", () => {
  for (const declaration of DECLARATIONS) {
    for (const name of declaration.names) assert.equal(ENDPOINTS[name], declaration);
  }
  const twice = defineEndpoint({
    names: ["holiday.read"],
    session: "optional",
    permission: null,
    access: "read",
    audit: "failures",
    wiring: false,
    decode: ignored,
    handle: () => null,
  });
  assert.throws(() => endpointTable([...DECLARATIONS, twice]), /holiday\.read is declared twice/);
});

Deno.test("a read cannot be declared as changing the wiring", () => {
  assert.throws(() =>
    defineEndpoint({
      names: ["x.read"],
      session: "required",
      permission: null,
      access: "read",
      audit: "failures",
      wiring: true,
      decode: ignored,
      handle: () => null,
    }), /a read cannot change the wiring/);
});

Deno.test("docs/ws_protocol.md's endpoint index matches the declarations, row for row", async () => {
  const doc = await Deno.readTextFile(new URL("../../docs/ws_protocol.md", import.meta.url));
  const cells = (line: string) => line.split("|").slice(1, -1).map((c) => c.trim());
  const lines = doc.split("\n");
  const start = lines.findIndex((l) =>
    l.startsWith("|") && JSON.stringify(cells(l)) === JSON.stringify(INDEX_HEADER)
  );
  assert.ok(start >= 0, "docs/ws_protocol.md has no endpoint index table");
  const rows: string[][] = [];
  for (let i = start + 2; i < lines.length && lines[i]!.startsWith("|"); i++) {
    rows.push(cells(lines[i]!));
  }
  assert.deepEqual(
    rows,
    indexRows(DECLARATIONS),
    "regenerate it with `deno run src/ws/endpoint_index.ts`",
  );
});
