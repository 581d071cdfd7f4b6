/**
 * The built-in web UI page by page (issue 10), in one Chromium: every main
 * page at desktop and phone (390 px) sizes passes axe-core with no serious or
 * critical violation; on a phone nothing scrolls sideways (tables become
 * stacked rows), the live feed comes first and the section tabs wrap; cards
 * read as format and facility/number; every door a person opens is shown with
 * the membership it comes through; a group's creator is not made a member;
 * logins appear under "Users and logins"; a line in use cannot be deleted;
 * error notices do not outlive navigation and a confirm dialog closes on
 * Back; the main flows work from the keyboard alone; each rank sees what it
 * may (a rank-0 user: their own cards and doors).
 *
 * The screenshots of the dashboard and the people pages, desktop and phone,
 * are what the README shows: with `LEOSAC_UPDATE_SCREENSHOTS=1` they are
 * written to `docs/screenshots/`; otherwise, like the others, to
 * `.tmp/screenshots/` (a test run leaves the committed images alone).
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import {
  createUserViaApi,
  startTestServer,
  TEST_ADMIN_PASSWORD,
  TestClient,
} from "../src/testing.ts";
import { h10301CardId } from "../src/web/ui/js/wiegand.js";
import {
  assertAccessible,
  axeViolations,
  browserTest,
  DESKTOP,
  goTo,
  login,
  logout,
  openPage,
  PHONE,
  shot,
} from "./_browser.ts";
import { LINES, ok } from "./_controller_fixtures.ts";

const DOCS_SHOTS = Deno.env.get("LEOSAC_UPDATE_SCREENSHOTS") === "1"
  ? new URL("../docs/screenshots/", import.meta.url)
  : undefined;
const EVERY_DAY = [0, 1, 2, 3, 4, 5, 6].map((day) => ({
  day,
  "start-time": "0:0",
  "end-time": "23:59",
}));

/** A site through the API: lines, reader, door Front, carol (card 12/3456) in group staff mapped to Front. */
async function buildSite(admin: TestClient) {
  const gpio = async (name: string, offset: number, direction: 0 | 1, extra = {}) =>
    ok(
      await admin.request("gpio.create", {
        attributes: { name, device: "gpiochip0", offset, direction, ...extra },
      }),
    ).data.id as string;
  const d0 = await gpio("front-d0", LINES.d0, 0);
  const d1 = await gpio("front-d1", LINES.d1, 0);
  const strike = await gpio("front-strike", LINES.strike, 1, { "fail-safe": true });
  const contact = await gpio("front-contact", LINES.contact, 0, {
    "interrupt-mode": "both",
    debounce: 2000,
  });
  const reader = ok(
    await admin.request("wiegand-reader.create", {
      attributes: {
        name: "front-reader",
        mode: "SIMPLE_WIEGAND",
        gpio_low_id: d0,
        gpio_high_id: d1,
      },
    }),
  ).data.id;
  const ap = ok(
    await admin.request("access_point.create", {
      attributes: {
        alias: "front-ap",
        "controller-module": "LEOSAC-BUILTIN-ACCESS-POINT",
        reader,
        "reader-mode": "card",
      },
    }),
  ).data.id;
  const door = ok(
    await admin.request("door.create", {
      attributes: {
        alias: "Front",
        access_point_id: ap,
        "strike-gpio": strike,
        "contact-gpio": contact,
      },
    }),
  ).data.id as number;
  const carol = await createUserViaApi(admin, "carol", 0, "password-carol");
  ok(
    await admin.request("credential.create", {
      "credential-type": "rfid-card",
      attributes: {
        alias: "badge",
        "card-id": h10301CardId(12, 3456),
        "nb-bits": 26,
        owner_id: carol,
      },
    }),
  );
  const staff = ok(await admin.request("group.create", { attributes: { name: "staff" } })).data
    .id as number;
  ok(
    await admin.request("user-group-membership.create", {
      attributes: { group_id: staff, user_id: carol, rank: 0 },
    }),
  );
  const schedule = ok(
    await admin.request("schedule.create", {
      attributes: {
        name: "office",
        timeframes: EVERY_DAY,
      },
    }),
  ).data.id as number;
  ok(
    await admin.request("schedule.update", {
      schedule_id: schedule,
      attributes: {
        timeframes: EVERY_DAY,
      },
      mapping: [{
        alias: "staff at the front",
        users: [],
        groups: [staff],
        credentials: [],
        doors: [door],
        zones: [],
      }],
    }),
  );
  await createUserViaApi(admin, "victor", 1, "password-victor");
  await createUserViaApi(admin, "manny", 2, "password-manny");
  return { door, carol, staff, schedule, strike };
}

/** Goes to `#/route` and waits for its heading. */
async function visit(page: Page, url: string, route: string, heading: string | RegExp) {
  await page.goto(`${url}#/${route}`);
  await page.getByRole("heading", { name: heading, level: 1 }).waitFor();
  await page.locator(".loading").first().waitFor({ state: "detached" }).catch(() => {});
}

/** Nothing on the page is wider than the viewport, and no table scrolls sideways. */
async function assertNoSidewaysScroll(page: Page, where: string): Promise<void> {
  const overflow = await page.evaluate(`(() => {
    const doc = document.documentElement;
    const wide = [...document.querySelectorAll(".table-wrap, .tabs, main")]
      .filter((el) => el.scrollWidth > el.clientWidth + 1)
      .map((el) => (el.className || el.tagName) + " " + el.scrollWidth + ">" + el.clientWidth);
    return { page: doc.scrollWidth - doc.clientWidth, wide };
  })()`);
  assert.deepEqual(overflow, { page: 0, wide: [] }, where);
}

/** Removes the notices of earlier steps, so that a screenshot shows the page alone. */
async function clearNotices(page: Page): Promise<void> {
  await page.locator("#toasts").evaluate((area) => area.replaceChildren());
}

/** Presses Tab until `target` has the focus (at most 80 times). */
async function tabTo(page: Page, target: ReturnType<Page["locator"]>): Promise<void> {
  for (let i = 0; i < 80; i++) {
    const focused = await target.evaluate((el) => el.matches(":focus")).catch(() => false);
    if (focused) return;
    await page.keyboard.press("Tab");
  }
  throw new Error(`Tab never reached ${target}`);
}

const PAGES: [string, string | RegExp][] = [
  ["dashboard", "Dashboard"],
  ["people", "People"],
  ["people/groups", "People"],
  ["access", "Access rules"],
  ["access/holidays", "Access rules"],
  ["doors", "Doors & readers"],
  ["doors/access-points", "Doors & readers"],
  ["doors/zones", "Doors & readers"],
  ["doors/devices", "Doors & readers"],
  ["doors/osdp", "Doors & readers"],
  ["audit", "Audit log"],
  ["account", "My account"],
];

browserTest(
  "web UI pages: desktop and phone, accessibility, keyboard, ranks",
  async (browser, t) => {
    await using server = await startTestServer({ hardware: "sim" });
    await using admin = await TestClient.connect(server.wsUrl);
    await admin.login();
    const site = await buildSite(admin);
    const url = server.url;
    const problems: string[] = [];
    const { page, context } = await openPage(browser, { viewport: DESKTOP, problems });
    try {
      await page.goto(url);
      await assertAccessible(page, "login");
      await login(page, "admin", TEST_ADMIN_PASSWORD);
      await page.getByRole("heading", { name: "Dashboard" }).waitFor();

      await t.step("every main page passes axe, at desktop and phone sizes", async () => {
        const detail: [string, string | RegExp][] = [
          [`people/user/${site.carol}`, "carol"],
          [`people/group/${site.staff}`, "Group staff"],
          [`access/schedule/${site.schedule}`, "Schedule office"],
          [`doors/door/${site.door}`, "Door Front"],
          [`doors/device/gpio/${encodeURIComponent(site.strike)}`, "front-strike"],
        ];
        const found: string[] = [];
        try {
          for (const size of [DESKTOP, PHONE]) {
            await page.setViewportSize(size);
            for (const [route, heading] of [...PAGES, ...detail]) {
              await visit(page, url, route, heading);
              for (const v of await axeViolations(page)) {
                found.push(
                  `${route} at ${size.width} px: ${v.id} (${v.impact}) ${v.targets.join(" | ")}`,
                );
              }
              if (size === PHONE) await assertNoSidewaysScroll(page, `${route} at 390 px`);
            }
          }
        } finally {
          await page.setViewportSize(DESKTOP);
        }
        assert.deepEqual(found, [], "no serious or critical accessibility violation");
      });

      await t.step("cards, memberships and the doors they open are readable", async () => {
        await visit(page, url, `people/user/${site.carol}`, /carol/);
        const cards = page.locator("#credentials");
        await cards.getByText("H10301", { exact: true }).waitFor();
        await cards.getByText("facility 12, number 3456").waitFor();
        await cards.getByText(`${h10301CardId(12, 3456)} · 26 bits`).waitFor();
        const doors = page.locator("#door-access");
        const row = doors.getByRole("row", { name: /Front/ });
        await row.getByText("Member of group").waitFor();
        await row.getByRole("link", { name: "staff" }).waitFor();
        await row.getByRole("link", { name: "office" }).waitFor();
        await shot(page, "user-desktop", DOCS_SHOTS);

        // The schedule list says who and where; the devices list shows each line's options.
        await visit(page, url, "access", "Access rules");
        await page.getByRole("cell", { name: "group staff", exact: true }).waitFor();
        // A mapping's editor names its group, read by id (never a list of every group).
        await visit(page, url, `access/schedule/${site.schedule}`, "Schedule office");
        await page.getByRole("group", { name: "Mapping" })
          .getByRole("button", { name: "Remove staff", exact: true }).waitFor();
        // A group's page counts its members without reading every membership id.
        await visit(page, url, `people/group/${site.staff}`, "Group staff");
        await page.getByRole("heading", { name: "Members (1)" }).waitFor();
        await page.getByRole("table", { name: "Members" }).getByRole("link", { name: "carol" })
          .waitFor();
        await visit(page, url, "access", "Access rules");
        await page.getByRole("cell", { name: "Every day 12:00 AM–11:59 PM", exact: true })
          .waitFor();
        await visit(page, url, "doors/devices", "Doors & readers");
        await page.getByRole("cell", { name: "debounce 2000 µs, both edges" }).waitFor();
        await page.getByRole("cell", { name: "fail-safe" }).waitFor();
        await page.getByRole("cell", { name: "Cards only", exact: true }).waitFor();
      });

      await t.step("a group made in the UI has no member its creator did not choose", async () => {
        await visit(page, url, "people/groups", "People");
        const newGroup = page.getByRole("form", { name: "New group" });
        await newGroup.getByLabel("Name", { exact: true }).fill("night-shift");
        await newGroup.getByRole("button", { name: "Create group" }).click();
        await page.getByRole("heading", { name: "Group night-shift" }).waitFor();
        await page.getByText(/no member/i).first().waitFor();
      });

      await t.step("a line in use says what uses it; the delete button is off", async () => {
        await visit(
          page,
          url,
          `doors/device/gpio/${encodeURIComponent(site.strike)}`,
          "front-strike",
        );
        await page.getByText("In use by door Front strike.").waitFor();
        assert.equal(
          await page.getByRole("button", { name: "Delete GPIO line" }).isDisabled(),
          true,
        );
      });

      await t.step(
        "notices: errors are sentences, do not outlive navigation, nor cover buttons",
        async () => {
          await visit(page, url, "people", "People");
          await page.evaluate(`(async () => {
            const dom = await import("/js/dom.js");
            const api = await import("/js/api.js");
            dom.toast(
              new api.ApiError({
                status_code: 11,
                status_string: "ModelException: model: the line is used by door 1",
                content: null,
              }),
              "error",
            );
      })()`);
          const notice = page.locator("#toasts .toast.error");
          assert.equal(
            await notice.innerText().then((s) => s.split("\n")[0]),
            "The line is used by door 1.",
          );
          const covered = await page.evaluate(`(() => {
        const toast = document.querySelector("#toasts .toast").getBoundingClientRect();
        return [...document.querySelectorAll("main button, main a.button-link")]
          .map((b) => b.getBoundingClientRect())
          .filter((b) => b.width > 0)
          .some((b) => b.left < toast.right && b.right > toast.left && b.top < toast.bottom && b.bottom > toast.top);
      })()`);
          assert.equal(covered, false, "the notice covers no button of the page");
          await goTo(page, "Audit log");
          await page.getByRole("heading", { name: "Audit log" }).waitFor();
          assert.equal(await notice.count(), 0, "the error notice went with its page");
        },
      );

      await t.step("successful logins are under 'Users and logins'", async () => {
        await page.getByLabel("Show").selectOption({ label: "Users and logins" });
        await page.getByText(/admin logged in from/).first().waitFor();
      });

      await t.step("a confirm dialog closes on browser Back", async () => {
        await visit(page, url, "people", "People");
        await visit(page, url, `people/user/${site.carol}`, /carol/);
        await page.getByRole("button", { name: "Delete card badge" }).click();
        const dialog = page.getByRole("dialog");
        await dialog.waitFor();
        await page.goBack();
        await page.getByRole("heading", { name: "People", level: 1 }).waitFor();
        assert.equal(await dialog.count(), 0);
        assert.equal(
          ok(await admin.request("user.read", { user_id: site.carol })).data.relationships
            .credentials.data.length,
          1,
          "the card is still there",
        );
      });

      await t.step("phone: the live feed first, tabs wrap, screenshots", async () => {
        await page.setViewportSize(DESKTOP);
        await visit(page, url, "dashboard", "Dashboard");
        await page.getByText("Live", { exact: true }).waitFor();
        for (const number of [3456, 99]) {
          ok(
            await admin.request("hardware.simulate", {
              action: "card",
              reader: "front-reader",
              format: "H10301",
              facility: 12,
              number,
            }),
          );
        }
        await page.locator("#event-feed li.granted", { hasText: "H10301 12/3456" }).waitFor();
        await page.locator("#event-feed li.denied").first().waitFor();
        await clearNotices(page);
        await shot(page, "dashboard-desktop", DOCS_SHOTS);
        await visit(page, url, "people", "People");
        await page.getByRole("link", { name: "carol" }).waitFor();
        await clearNotices(page);
        await shot(page, "people-desktop", DOCS_SHOTS);
        await page.setViewportSize(PHONE);
        await visit(page, url, "dashboard", "Dashboard");
        await page.getByText("Live", { exact: true }).waitFor();
        const feedTop = (await page.locator("#events").boundingBox())!.y;
        const doorsTop = (await page.locator("#doors-card").boundingBox())!.y;
        assert.ok(feedTop < doorsTop, "the live feed comes before the doors on a phone");
        await clearNotices(page);
        await shot(page, "dashboard-phone", DOCS_SHOTS);
        await visit(page, url, "people", "People");
        await page.getByRole("link", { name: "carol" }).waitFor();
        await clearNotices(page);
        await shot(page, "people-phone", DOCS_SHOTS);
        await visit(page, url, `people/user/${site.carol}`, /carol/);
        await clearNotices(page);
        await shot(page, "user-phone", DOCS_SHOTS);
        await visit(page, url, "doors/devices", "Doors & readers");
        for (
          const box of await page.locator(".tabs a").evaluateAll((els) =>
            els.map((el) => el.getBoundingClientRect().right)
          )
        ) {
          assert.ok(box <= PHONE.width, "every tab is in view");
        }
        await visit(page, url, "audit", "Audit log");
        const times = await page.locator("main time").evaluateAll((els) =>
          els.map((el) => el.getClientRects().length)
        );
        assert.ok(
          times.length > 0 && times.every((lines) => lines === 1),
          "timestamps on one line",
        );
        await shot(page, "audit-phone");
        await page.setViewportSize(DESKTOP);
      });

      await t.step(
        "keyboard only: log in, add a person and a card, cancel a deletion",
        async () => {
          await logout(page);
          await page.keyboard.press("Tab");
          await tabTo(page, page.getByLabel("Username"));
          await page.keyboard.type("admin");
          await page.keyboard.press("Tab");
          await page.keyboard.type(TEST_ADMIN_PASSWORD);
          await page.keyboard.press("Enter");
          await page.getByRole("heading", { name: "Dashboard" }).waitFor();
          const nav = page.getByRole("navigation", { name: "Main" });
          await tabTo(page, nav.getByRole("link", { name: "People" }));
          await page.keyboard.press("Enter");
          await page.getByRole("heading", { name: "People", level: 1 }).waitFor();
          await tabTo(page, page.getByRole("link", { name: "New user" }));
          await page.keyboard.press("Enter");
          await page.getByRole("heading", { name: "New user" }).waitFor();
          await tabTo(page, page.getByLabel("Username"));
          await page.keyboard.type("dave");
          await tabTo(page, page.getByLabel("Password", { exact: true }));
          await page.keyboard.type("password-dave");
          await tabTo(page, page.getByRole("button", { name: "Create user" }));
          await page.keyboard.press("Enter");
          await page.getByRole("heading", { name: "dave" }).waitFor();
          const cardForm = page.getByRole("form", { name: "Add a card" });
          await tabTo(page, cardForm.getByLabel("Facility code"));
          await page.keyboard.type("12");
          await tabTo(page, cardForm.getByLabel("Card number"));
          await page.keyboard.type("77");
          await tabTo(page, cardForm.getByRole("button", { name: "Add card" }));
          await page.keyboard.press("Enter");
          await page.locator("#credentials").getByText("facility 12, number 77").waitFor();
          await tabTo(page, page.getByRole("button", { name: /^Delete card/ }));
          await page.keyboard.press("Enter");
          await page.getByRole("dialog").waitFor();
          await page.keyboard.press("Escape");
          await page.getByRole("dialog").waitFor({ state: "detached" });
          await page.locator("#credentials").getByText("facility 12, number 77").waitFor();
        },
      );

      await t.step(
        "ranks: a viewer watches, a rank-0 user sees their own cards and doors",
        async () => {
          await logout(page);
          await login(page, "victor", "password-victor");
          await page.getByRole("heading", { name: "Dashboard" }).waitFor();
          await page.locator(`[data-door-id="${site.door}"]`).waitFor();
          assert.equal(await page.locator("#simulate").count(), 0);
          await visit(page, url, `people/user/${site.carol}`, /carol/);
          await page.locator("#door-access").getByRole("row", { name: /Front/ }).waitFor();
          await assertAccessible(page, "carol's page seen by a viewer");
          await logout(page);

          await login(page, "carol", "password-carol");
          await page.getByRole("heading", { name: "My account" }).waitFor();
          const nav = page.getByRole("navigation", { name: "Main" });
          assert.deepEqual(await nav.getByRole("link").allInnerTexts(), ["My account"]);
          await page.locator("#my-credentials").getByText("H10301 12/3456").waitFor();
          const mine = page.locator("#my-doors");
          await mine.getByRole("row", { name: /Front/ }).getByText("Member of group").waitFor();
          await mine.getByText("staff").waitFor();
          await assertAccessible(page, "my account, rank 0");
          await page.setViewportSize(PHONE);
          await assertNoSidewaysScroll(page, "my account at 390 px");
          await shot(page, "account-rank0-phone");
          await page.setViewportSize(DESKTOP);
        },
      );
      assert.deepEqual(problems, [], "no console errors");
    } finally {
      await context.close();
    }
  },
);
