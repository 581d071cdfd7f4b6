/**
 * The web UI's OSDP page (Doors & readers → OSDP) in Chromium, on a real
 * server with simulated hardware:
 *
 * - an administrator adds a `sim:` bus and two readers with the forms; once
 *   wired to doors (over the API) the readers' status shows online, a card
 *   presented with `hardware.simulate` shows as the last card, install mode
 *   gives a secure reader its key and "Rotate key" (disabled until then)
 *   a fresh one after a confirmation;
 * - the editors change a bus and a reader (what the server then holds is
 *   read back), never show a key, refuse to delete a bus with readers or a
 *   reader serving an access point ("In use by …", the button disabled),
 *   delete after a confirmation, and show the server's refusal as a sentence
 *   when the page was stale; an access point's editor offers OSDP readers
 *   and keeps its own.
 *
 * Every page passes axe-core.
 */
import assert from "node:assert/strict";
import { startTestServer, TEST_ADMIN_PASSWORD, TestClient } from "../src/testing.ts";
import { assertAccessible, browserTest, login, openPage, shot } from "./_browser.ts";
import { ok } from "./_controller_fixtures.ts";
import type { Browser, Locator, Page } from "playwright-core";

/** Wires reader `readerId` to a new door. */
async function wire(admin: TestClient, readerId: string, alias: string): Promise<void> {
  const apId = ok(
    await admin.request("access_point.create", {
      attributes: {
        alias: `${alias}-ap`,
        "controller-module": "LEOSAC-BUILTIN-ACCESS-POINT",
        reader: readerId,
        "reader-mode": "card",
      },
    }),
  ).data.id;
  ok(await admin.request("door.create", { attributes: { alias, access_point_id: apId } }));
}

/** Clicks Refresh until the reader's row contains `text`. */
async function rowShows(page: Page, reader: string, text: string): Promise<void> {
  const row = page.getByRole("row").filter({ hasText: reader });
  const deadline = Date.now() + 10_000;
  while (!(await row.innerText()).includes(text)) {
    if (Date.now() > deadline) {
      throw new Error(`row "${reader}" never showed "${text}": ${await row.innerText()}`);
    }
    await page.getByRole("button", { name: "Refresh" }).click();
    await page.waitForTimeout(100);
  }
}

browserTest("web UI OSDP page", async (browser, t) => {
  await t.step(
    "add a bus and readers, status, install mode, key rotation",
    () => addAndInstall(browser),
  );
  await t.step("edit and delete buses and readers", () => editAndDelete(browser));
});

async function addAndInstall(browser: Browser): Promise<void> {
  await using server = await startTestServer({ hardware: "sim" });
  await using admin = await TestClient.connect(server.wsUrl);
  await admin.login();
  const problems: string[] = [];
  const { page, context } = await openPage(browser, { problems });
  try {
    await page.goto(server.url);
    await login(page, "admin", TEST_ADMIN_PASSWORD);
    await page.getByRole("heading", { name: "Dashboard" }).waitFor();
    await page.goto(`${server.url}#/doors/osdp`);
    await page.getByRole("heading", { name: "OSDP buses (0)" }).waitFor();
    await assertAccessible(page, "OSDP page, empty");

    const busForm = page.getByRole("form", { name: "Add an OSDP bus" });
    await busForm.getByLabel("Bus name").fill("lobby-bus");
    await busForm.getByLabel("Port").fill("sim:lobby");
    await busForm.getByLabel("Poll interval (ms)").fill("20");
    await busForm.getByRole("button", { name: "Add bus" }).click();
    await page.getByRole("heading", { name: "OSDP buses (1)" }).waitFor();

    const readerForm = page.getByRole("form", { name: "Add an OSDP reader" });
    await readerForm.getByLabel("Reader name").fill("front");
    await readerForm.getByLabel("Address").fill("1");
    await readerForm.getByLabel("Secure Channel required").uncheck();
    await readerForm.getByRole("button", { name: "Add reader" }).click();
    await page.getByRole("heading", { name: "OSDP readers (1)" }).waitFor();
    await readerForm.getByLabel("Reader name").fill("back");
    await readerForm.getByLabel("Address").fill("2");
    await readerForm.getByRole("button", { name: "Add reader" }).click();
    await page.getByRole("heading", { name: "OSDP readers (2)" }).waitFor();

    const readers = ok(await admin.request("osdp-reader.read", { reader_id: 0 })).data as {
      id: string;
      attributes: { name: string; secure: boolean };
    }[];
    assert.deepEqual(
      readers.map((r) => [r.attributes.name, r.attributes.secure]).sort(),
      [["back", true], ["front", false]],
    );
    for (const r of readers) await wire(admin, r.id, `${r.attributes.name}-door`);

    await rowShows(page, "front", "Online");
    ok(
      await admin.request("hardware.simulate", {
        action: "card",
        reader: "front",
        facility: 1,
        number: 2,
      }),
    );
    await rowShows(page, "front", new Date().getFullYear().toString());
    await rowShows(page, "back", "No key");
    await assertAccessible(page, "OSDP page, with readers");

    const rotate = page.getByRole("button", { name: "Rotate key of back" });
    assert.equal(await rotate.isDisabled(), true, "no key yet: nothing to rotate");
    await page.getByRole("button", { name: "Install mode for back" }).click();
    await rowShows(page, "back", "Key installed");
    await rowShows(page, "back", "Secure Channel");

    // Key rotation: asked first; the reader then holds a fresh key (never shown).
    const back = readers.find((r) => r.attributes.name === "back")!;
    const installedAt = async () =>
      ok(await admin.request("osdp-reader.read", { reader_id: back.id })).data
        .attributes["key-installed-at"];
    const first = await installedAt();
    await rotate.click();
    await page.getByRole("dialog", { name: "Rotate the key of back?" }).waitFor();
    await assertAccessible(page, "OSDP key rotation confirmation");
    await page.getByRole("dialog").getByRole("button", { name: "Rotate key" }).click();
    await page.getByRole("status").filter({ hasText: "back has a new Secure Channel key." })
      .waitFor();
    assert.notEqual(await installedAt(), first);
    await rowShows(page, "back", "Secure Channel");

    // A bus whose serial adapter is not plugged in: its reader says why it is offline.
    const usb = await create(admin, "osdp-bus", { name: "usb-bus", port: "/dev/ttyLEOSAC-absent" });
    const gate = await create(admin, "osdp-reader", {
      name: "gate",
      address: 3,
      secure: false,
      bus_id: usb,
    });
    await wire(admin, gate, "gate-door");
    await page.reload();
    await page.getByRole("heading", { name: "OSDP readers (3)" }).waitFor();
    await rowShows(page, "gate", "Port down");
    await rowShows(page, "gate", "ENOENT");
    await assertAccessible(page, "OSDP page, a bus whose port is down");
    await shot(page, "osdp_readers");
    assert.deepEqual(problems.filter((p) => !p.includes("favicon")), []);
  } finally {
    await context.close();
  }
}

interface OsdpEntity {
  id: string;
  attributes: Record<string, unknown>;
  relationships?: { bus?: { data: { id: string } | null } };
}

/** Every device of an OSDP family as the server holds it. */
async function held(admin: TestClient, family: "osdp-bus" | "osdp-reader"): Promise<OsdpEntity[]> {
  const idKey = family === "osdp-bus" ? "bus_id" : "reader_id";
  return ok(await admin.request(`${family}.read`, { [idKey]: 0 })).data as OsdpEntity[];
}

/** Creates an OSDP device over the API; its id. */
async function create(
  admin: TestClient,
  family: "osdp-bus" | "osdp-reader",
  attributes: Record<string, unknown>,
): Promise<string> {
  return ok(await admin.request(`${family}.create`, { attributes })).data.id;
}

/** Opens the editor of `name` from the OSDP page. */
async function openEditor(page: Page, url: string, name: string): Promise<void> {
  await page.goto(`${url}#/doors/osdp`);
  await page.getByRole("link", { name, exact: true }).click();
  await page.getByRole("heading", { name, exact: true, level: 1 }).waitFor();
}

/** Clicks `button` and waits for the toast `text` (earlier toasts are cleared first). */
async function clickForToast(page: Page, button: Locator, text: string): Promise<void> {
  await page.locator("#toasts").evaluate((el) => el.replaceChildren());
  await button.click();
  await page.getByRole("status").filter({ hasText: text }).waitFor();
}

/** Confirms the open dialog with its `label` button. */
async function confirm(page: Page, label: string): Promise<void> {
  await page.getByRole("dialog").getByRole("button", { name: label }).click();
}

async function editAndDelete(browser: Browser): Promise<void> {
  await using server = await startTestServer({ hardware: "sim" });
  await using admin = await TestClient.connect(server.wsUrl);
  await admin.login();
  const north = await create(admin, "osdp-bus", {
    name: "north-bus",
    port: "sim:north",
    baud: 115200,
    "poll-interval": 20,
  });
  const south = await create(admin, "osdp-bus", { name: "south-bus", port: "sim:south" });
  const wired = await create(admin, "osdp-reader", {
    name: "wired",
    bus_id: north,
    address: 1,
    secure: false,
  });
  const spare = await create(admin, "osdp-reader", { name: "spare", bus_id: north, address: 2 });
  await wire(admin, wired, "wired-door");

  const problems: string[] = [];
  const { page, context } = await openPage(browser, { problems });
  try {
    await page.goto(server.url);
    await login(page, "admin", TEST_ADMIN_PASSWORD);
    await page.getByRole("heading", { name: "Dashboard" }).waitFor();

    // The access point page offers OSDP readers and keeps its own when saved.
    const apId = ok(await admin.request("access_point.read", { access_point_id: 0 })).data[0].id;
    await page.goto(`${server.url}#/doors/access-point/${apId}`);
    const reader = page.getByLabel("Reader", { exact: true });
    await reader.locator("option:checked", { hasText: "wired (OSDP)" }).waitFor({
      state: "attached",
    });
    await clickForToast(page, page.getByRole("button", { name: "Save" }), "Saved");
    const ap = ok(await admin.request("access_point.read", { access_point_id: apId })).data;
    assert.equal(ap.attributes.reader, wired);

    // A reader: every setting but its key, which the editor never shows nor takes.
    await openEditor(page, server.url, "spare");
    const form = page.getByRole("form", { name: "OSDP reader" });
    assert.equal(await form.locator("input[name*=key i], input[type=password]").count(), 0);
    await form.getByLabel("Reader name").fill("spare-2");
    await form.getByLabel("Bus").selectOption({ label: "south-bus" });
    await form.getByLabel("Address").fill("5");
    await form.getByLabel("Secure Channel required").uncheck();
    await form.getByLabel(/CRC-16/).uncheck();
    await form.getByLabel("Card formats").fill("h10301, 34-bit");
    await assertAccessible(page, "OSDP reader editor");
    await clickForToast(page, form.getByRole("button", { name: "Save" }), "Saved");
    // The page's title follows the rename.
    assert.equal(await page.getByRole("heading", { level: 1 }).textContent(), "spare-2");
    const edited = (await held(admin, "osdp-reader")).find((r) => r.id === spare)!;
    assert.deepEqual(edited.attributes.name, "spare-2");
    assert.equal(edited.relationships?.bus?.data?.id, south);
    assert.equal(edited.attributes.address, 5);
    assert.equal(edited.attributes.secure, false);
    assert.equal(edited.attributes["use-crc"], false);
    assert.deepEqual(edited.attributes.formats, ["H10301", "34-bit"]);

    // A clash is the server's sentence on its field, and nothing changes.
    await form.getByLabel("Bus").selectOption({ label: "north-bus" });
    await form.getByLabel("Address").fill("1");
    await form.getByRole("button", { name: "Save" }).click();
    await form.getByText('Address 1 is used by reader "wired" on this bus.').waitFor();
    await shot(page, "osdp_reader_editor");
    const kept = (await held(admin, "osdp-reader")).find((r) => r.id === spare)!;
    assert.equal(kept.attributes.address, 5);

    // A reader serving an access point is not deleted.
    await openEditor(page, server.url, "wired");
    await page.getByText("In use by access point wired-door-ap.").waitFor();
    assert.equal(
      await page.getByRole("button", { name: "Delete reader wired" }).isDisabled(),
      true,
    );

    // A bus: its settings; with a reader on it, no delete.
    await openEditor(page, server.url, "north-bus");
    const busForm = page.getByRole("form", { name: "OSDP bus" });
    await busForm.getByLabel("Baud rate").selectOption("57600");
    await busForm.getByLabel("Poll interval (ms)").fill("100");
    await clickForToast(page, busForm.getByRole("button", { name: "Save" }), "Saved");
    const bus = (await held(admin, "osdp-bus")).find((b) => b.id === north)!;
    assert.equal(bus.attributes.baud, 57600);
    assert.equal(bus.attributes["poll-interval"], 100);
    await page.getByText("In use by reader wired.").waitFor();
    assert.equal(
      await page.getByRole("button", { name: "Delete bus north-bus" }).isDisabled(),
      true,
    );
    await assertAccessible(page, "OSDP bus editor");
    await shot(page, "osdp_bus_editor");

    // Deleting a reader asks first; Cancel keeps it, Delete removes it.
    await openEditor(page, server.url, "spare-2");
    await page.getByRole("button", { name: "Delete reader spare-2" }).click();
    await page.getByRole("dialog").getByText(/Secure Channel key is forgotten/).waitFor();
    await assertAccessible(page, "OSDP reader delete confirmation");
    await confirm(page, "Cancel");
    assert.equal((await held(admin, "osdp-reader")).some((r) => r.id === spare), true);
    await page.getByRole("button", { name: "Delete reader spare-2" }).click();
    await confirm(page, "Delete");
    await page.getByRole("heading", { name: "OSDP readers (1)" }).waitFor();
    await page.getByRole("status").filter({ hasText: "OSDP reader spare-2 deleted" }).waitFor();
    assert.deepEqual((await held(admin, "osdp-reader")).map((r) => r.id), [wired]);

    // The page went stale (a reader was added on the bus meanwhile): the server refuses, and says why.
    await openEditor(page, server.url, "south-bus");
    const late = await create(admin, "osdp-reader", { name: "late", bus_id: south, address: 3 });
    await page.getByRole("button", { name: "Delete bus south-bus" }).click();
    await confirm(page, "Delete");
    await page.getByRole("alert").filter({
      hasText: 'Device "south-bus" is in use: osdp-reader "late" on this bus.',
    }).waitFor();
    assert.equal((await held(admin, "osdp-bus")).some((b) => b.id === south), true);
    ok(await admin.request("osdp-reader.delete", { reader_id: late }));
    await page.getByRole("button", { name: "Delete bus south-bus" }).click();
    await confirm(page, "Delete");
    await page.getByRole("heading", { name: "OSDP buses (1)" }).waitFor();
    assert.deepEqual((await held(admin, "osdp-bus")).map((b) => b.id), [north]);
    assert.deepEqual(problems.filter((p) => !p.includes("favicon")), []);
  } finally {
    await context.close();
  }
}
