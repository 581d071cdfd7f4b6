/**
 * The web UI files, imported as text so that `deno bundle` (and so the
 * single-file build) carries them: URL path → content type and body.
 *
 * The list is explicit: a new UI file needs a line here, and
 * `tests/web_ui_test.ts` fails when a file of `src/web/ui/` is missing from it.
 * The browser also gets the plain modules of `src/shared/` it imports, at
 * `/js/shared/<name>.js` (`src/web/ui/js/shared` is a link to `src/shared`, so
 * the UI's `./shared/…` imports resolve the same way on disk and in the
 * browser).
 *
 * The UI's JavaScript is type-checked (`// @ts-check`, JSDoc types) with the
 * DOM library: `src/web/ui/` is a workspace member whose `deno.json` sets
 * `lib`, and `deno task check` checks it in a run of its own (a run that also
 * has these text imports would check the UI files without the DOM library).
 *
 * @module
 */
import indexHtml from "./ui/index.html" with { type: "text" };
import appCss from "./ui/app.css" with { type: "text" };
import faviconSvg from "./ui/favicon.svg" with { type: "text" };
import apiJs from "./ui/js/api.js" with { type: "text" };
import componentsJs from "./ui/js/components.js" with { type: "text" };
import domJs from "./ui/js/dom.js" with { type: "text" };
import formatJs from "./ui/js/format.js" with { type: "text" };
import mainJs from "./ui/js/main.js" with { type: "text" };
import sessionJs from "./ui/js/session.js" with { type: "text" };
import typesJs from "./ui/js/types.js" with { type: "text" };
import wiegandJs from "./ui/js/wiegand.js" with { type: "text" };
import searchPickerJs from "./ui/js/search_picker.js" with { type: "text" };
import keysetPagerJs from "./ui/js/keyset_pager.js" with { type: "text" };
import accessJs from "./ui/js/pages/access.js" with { type: "text" };
import accessCommonJs from "./ui/js/pages/access/common.js" with { type: "text" };
import accessHolidaysJs from "./ui/js/pages/access/holidays.js" with { type: "text" };
import accessMappingsJs from "./ui/js/pages/access/mappings.js" with { type: "text" };
import accessScheduleJs from "./ui/js/pages/access/schedule.js" with { type: "text" };
import accessTimeframesJs from "./ui/js/pages/access/timeframes.js" with { type: "text" };
import accountJs from "./ui/js/pages/account.js" with { type: "text" };
import auditJs from "./ui/js/pages/audit.js" with { type: "text" };
import auditSiteScopeJs from "./ui/js/pages/audit/site_scope.js" with { type: "text" };
import pagesCommonJs from "./ui/js/pages/common.js" with { type: "text" };
import dashboardJs from "./ui/js/pages/dashboard.js" with { type: "text" };
import dashboardDoorsJs from "./ui/js/pages/dashboard/doors.js" with { type: "text" };
import dashboardFeedJs from "./ui/js/pages/dashboard/feed.js" with { type: "text" };
import dashboardSimulateJs from "./ui/js/pages/dashboard/simulate.js" with { type: "text" };
import dashboardSiteStatusJs from "./ui/js/pages/dashboard/site_status.js" with { type: "text" };
import doorsJs from "./ui/js/pages/doors.js" with { type: "text" };
import doorsAccessPointJs from "./ui/js/pages/doors/access_point.js" with { type: "text" };
import doorsCommonJs from "./ui/js/pages/doors/common.js" with { type: "text" };
import doorsDeviceKindsJs from "./ui/js/pages/doors/device_kinds.js" with { type: "text" };
import doorsDeviceSpecJs from "./ui/js/pages/doors/device_spec.js" with { type: "text" };
import doorsDevicesJs from "./ui/js/pages/doors/devices.js" with { type: "text" };
import doorsDoorJs from "./ui/js/pages/doors/door.js" with { type: "text" };
import doorsOsdpJs from "./ui/js/pages/doors/osdp.js" with { type: "text" };
import doorsOsdpEditorJs from "./ui/js/pages/doors/osdp_editor.js" with { type: "text" };
import doorsZoneJs from "./ui/js/pages/doors/zone.js" with { type: "text" };
import loginJs from "./ui/js/pages/login.js" with { type: "text" };
import peopleJs from "./ui/js/pages/people.js" with { type: "text" };
import peopleCommonJs from "./ui/js/pages/people/common.js" with { type: "text" };
import peopleCredentialsJs from "./ui/js/pages/people/credentials.js" with { type: "text" };
import peopleGroupJs from "./ui/js/pages/people/group.js" with { type: "text" };
import peopleImportJs from "./ui/js/pages/people/import.js" with { type: "text" };
import peopleMembershipsJs from "./ui/js/pages/people/memberships.js" with { type: "text" };
import peopleUserJs from "./ui/js/pages/people/user.js" with { type: "text" };
import peopleAccessJs from "./ui/js/pages/people/access.js" with { type: "text" };
import statusJs from "../shared/status.js" with { type: "text" };
import cardIdJs from "../shared/card_id.js" with { type: "text" };
import cardFormatsJs from "../shared/card_formats.js" with { type: "text" };
import ranksJs from "../shared/ranks.js" with { type: "text" };

/** One served file. */
export interface UiFile {
  /** The `content-type` header. */
  type: string;
  /** The file's text. */
  body: string;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  html: "text/html; charset=utf-8",
  css: "text/css; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  svg: "image/svg+xml",
};

/** URL path → text, in the order of the imports above. */
const BODIES: ReadonlyArray<readonly [string, string]> = [
  ["/", indexHtml],
  ["/app.css", appCss],
  ["/favicon.svg", faviconSvg],
  ["/js/api.js", apiJs],
  ["/js/components.js", componentsJs],
  ["/js/dom.js", domJs],
  ["/js/format.js", formatJs],
  ["/js/main.js", mainJs],
  ["/js/session.js", sessionJs],
  ["/js/types.js", typesJs],
  ["/js/wiegand.js", wiegandJs],
  ["/js/search_picker.js", searchPickerJs],
  ["/js/keyset_pager.js", keysetPagerJs],
  ["/js/pages/access.js", accessJs],
  ["/js/pages/access/common.js", accessCommonJs],
  ["/js/pages/access/holidays.js", accessHolidaysJs],
  ["/js/pages/access/mappings.js", accessMappingsJs],
  ["/js/pages/access/schedule.js", accessScheduleJs],
  ["/js/pages/access/timeframes.js", accessTimeframesJs],
  ["/js/pages/account.js", accountJs],
  ["/js/pages/audit.js", auditJs],
  ["/js/pages/audit/site_scope.js", auditSiteScopeJs],
  ["/js/pages/common.js", pagesCommonJs],
  ["/js/pages/dashboard.js", dashboardJs],
  ["/js/pages/dashboard/doors.js", dashboardDoorsJs],
  ["/js/pages/dashboard/feed.js", dashboardFeedJs],
  ["/js/pages/dashboard/simulate.js", dashboardSimulateJs],
  ["/js/pages/dashboard/site_status.js", dashboardSiteStatusJs],
  ["/js/pages/doors.js", doorsJs],
  ["/js/pages/doors/access_point.js", doorsAccessPointJs],
  ["/js/pages/doors/common.js", doorsCommonJs],
  ["/js/pages/doors/device_kinds.js", doorsDeviceKindsJs],
  ["/js/pages/doors/device_spec.js", doorsDeviceSpecJs],
  ["/js/pages/doors/devices.js", doorsDevicesJs],
  ["/js/pages/doors/door.js", doorsDoorJs],
  ["/js/pages/doors/osdp.js", doorsOsdpJs],
  ["/js/pages/doors/osdp_editor.js", doorsOsdpEditorJs],
  ["/js/pages/doors/zone.js", doorsZoneJs],
  ["/js/pages/login.js", loginJs],
  ["/js/pages/people.js", peopleJs],
  ["/js/pages/people/common.js", peopleCommonJs],
  ["/js/pages/people/credentials.js", peopleCredentialsJs],
  ["/js/pages/people/group.js", peopleGroupJs],
  ["/js/pages/people/import.js", peopleImportJs],
  ["/js/pages/people/memberships.js", peopleMembershipsJs],
  ["/js/pages/people/user.js", peopleUserJs],
  ["/js/pages/people/access.js", peopleAccessJs],
  ["/js/shared/status.js", statusJs],
  ["/js/shared/card_id.js", cardIdJs],
  ["/js/shared/card_formats.js", cardFormatsJs],
  ["/js/shared/ranks.js", ranksJs],
];

function contentType(path: string): string {
  const type = CONTENT_TYPES[path === "/" ? "html" : path.slice(path.lastIndexOf(".") + 1)];
  if (type === undefined) throw new Error(`No content type for UI file "${path}"`);
  return type;
}

/** Every UI file by URL path (`/` is `index.html`). */
export const UI_FILES: ReadonlyMap<string, UiFile> = new Map(
  BODIES.map(([path, body]) => [path, { type: contentType(path), body }]),
);
