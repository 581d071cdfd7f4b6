import assert from "node:assert/strict";
import { openTempDatabase } from "../store/_test_db.ts";
import { refuseSiteMember, siteMembership } from "./membership.ts";
import { StoreError } from "../errors.ts";

Deno.test("offline tools refuse to change one copy of a site's data, and say what to do", () => {
  using temp = openTempDatabase();
  assert.equal(siteMembership(temp.db), null);
  refuseSiteMember(temp.db, "tool", "Use the API"); // alone: allowed
  temp.db.exec("INSERT INTO site_state (id, site, controller) VALUES (1, 'hq', 'door-a')");
  assert.deepEqual(siteMembership(temp.db), { site: "hq", controller: "door-a" });
  assert.throws(
    () => refuseSiteMember(temp.db, "leosac import people", "Use the People page"),
    (error: unknown) =>
      error instanceof StoreError &&
      /leosac import people would change only this copy/.test(error.message) &&
      /controller "door-a" of site "hq"/.test(error.message) &&
      /Use the People page/.test(error.message),
  );
});
