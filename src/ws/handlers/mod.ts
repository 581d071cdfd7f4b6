/**
 * Every endpoint declaration. Adding an endpoint: write its module (one
 * `defineEndpoint` record), list it here, and add its row to
 * `docs/ws_protocol.md`; `router_test.ts` fails when a module is not listed
 * or a row is missing.
 *
 * @module
 */
import type { AnyEndpoint } from "../endpoint.ts";
import { authenticateWithToken } from "./session/authenticate_with_token.ts";
import { createAuthToken } from "./session/create_auth_token.ts";
import { getLeosacVersion } from "./session/get_leosac_version.ts";
import { logout } from "./session/logout.ts";
import { passwordChange } from "./session/password_change.ts";
import { systemOverview } from "./session/system_overview.ts";
import { userCreate } from "./user/create.ts";
import { userDelete } from "./user/delete.ts";
import { userRead } from "./user/read.ts";
import { userUpdate } from "./user/update.ts";
import { userList } from "./user/list.ts";
import { userAccessEndpoint } from "./user/access.ts";
import { groupCreate } from "./group/create.ts";
import { groupDelete } from "./group/delete.ts";
import { groupRead } from "./group/read.ts";
import { groupList } from "./group/list.ts";
import { groupUpdate } from "./group/update.ts";
import { membershipCreate } from "./membership/create.ts";
import { membershipDelete } from "./membership/delete.ts";
import { membershipRead } from "./membership/read.ts";
import { membershipList } from "./membership/list.ts";
import { membershipUpdate } from "./membership/update.ts";
import { credentialCreate } from "./credential/create.ts";
import { credentialDelete } from "./credential/delete.ts";
import { credentialRead } from "./credential/read.ts";
import { credentialList } from "./credential/list.ts";
import { credentialUpdate } from "./credential/update.ts";
import { scheduleCreate } from "./schedule/create.ts";
import { scheduleDelete } from "./schedule/delete.ts";
import { scheduleRead } from "./schedule/read.ts";
import { scheduleUpdate } from "./schedule/update.ts";
import { doorCreate } from "./door/create.ts";
import { doorDelete } from "./door/delete.ts";
import { doorRead } from "./door/read.ts";
import { doorUpdate } from "./door/update.ts";
import { accessPointCreate } from "./access_point/create.ts";
import { accessPointDelete } from "./access_point/delete.ts";
import { accessPointRead } from "./access_point/read.ts";
import { accessPointUpdate } from "./access_point/update.ts";
import { zoneCreate } from "./zone/create.ts";
import { zoneDelete } from "./zone/delete.ts";
import { zoneRead } from "./zone/read.ts";
import { zoneUpdate } from "./zone/update.ts";
import { holidayCreate } from "./holiday/create.ts";
import { holidayDelete } from "./holiday/delete.ts";
import { holidayRead } from "./holiday/read.ts";
import { holidayUpdate } from "./holiday/update.ts";
import { auditGet } from "./audit/get.ts";
import { getLogs } from "./audit/get_logs.ts";
import { restart } from "./system/restart.ts";
import { checkUpdate } from "./update/check_update.ts";
import { getPendingUpdate } from "./update/get_pending_update.ts";
import { getUpdateHistory } from "./update/get_update_history.ts";
import { createUpdate } from "./update/create_update.ts";
import { getUpdate } from "./update/get_update.ts";
import { ackUpdate } from "./update/ack_update.ts";
import { cancelUpdate } from "./update/cancel_update.ts";
import { searchGroupName } from "./search/group_name.ts";
import { searchDoorAlias } from "./search/door_alias.ts";
import { searchCredentialAlias } from "./search/credential_alias.ts";
import { searchScheduleName } from "./search/schedule_name.ts";
import { searchZoneAlias } from "./search/zone_alias.ts";
import { searchAccessPointAlias } from "./search/access_point_alias.ts";
import { searchUserUsername } from "./search/user_username.ts";
import { searchHardwareName } from "./search/hardware_name.ts";
import { doorStatus } from "./door/status.ts";
import { doorOpen } from "./door/open.ts";
import { doorSetMode } from "./door/set_mode.ts";
import { antipassbackForgive } from "./antipassback/forgive.ts";
import { eventsSubscribe } from "./events/subscribe.ts";
import { eventsUnsubscribe } from "./events/unsubscribe.ts";
import { hardwareSimulate } from "./hardware/simulate.ts";
import { hardwareWarnings } from "./hardware/warnings.ts";
import { peopleImport } from "./people/import.ts";
import { accessOverviewEndpoint } from "./access/overview.ts";
import {
  buzzerRead,
  gpioRead,
  ledRead,
  osdpBusRead,
  osdpReaderRead,
  wiegandReaderRead,
} from "./device/read.ts";
import {
  buzzerCreate,
  gpioCreate,
  ledCreate,
  osdpBusCreate,
  osdpReaderCreate,
  wiegandReaderCreate,
} from "./device/create.ts";
import {
  buzzerUpdate,
  gpioUpdate,
  ledUpdate,
  osdpBusUpdate,
  osdpReaderUpdate,
  wiegandReaderUpdate,
} from "./device/update.ts";
import {
  buzzerDelete,
  gpioDelete,
  ledDelete,
  osdpBusDelete,
  osdpReaderDelete,
  wiegandReaderDelete,
} from "./device/delete.ts";
import { osdpReaderStatus } from "./osdp/status.ts";
import { osdpReaderInstall } from "./osdp/install.ts";
import { osdpReaderRekey } from "./osdp/rekey.ts";

/** The declarations, in documentation order. */
export const DECLARATIONS: readonly AnyEndpoint[] = [
  getLeosacVersion,
  createAuthToken,
  authenticateWithToken,
  logout,
  systemOverview,
  passwordChange,
  userCreate,
  userRead,
  userUpdate,
  userList,
  userAccessEndpoint,
  userDelete,
  groupCreate,
  groupRead,
  groupList,
  groupUpdate,
  groupDelete,
  membershipCreate,
  membershipRead,
  membershipList,
  membershipUpdate,
  membershipDelete,
  credentialCreate,
  credentialRead,
  credentialList,
  credentialUpdate,
  credentialDelete,
  peopleImport,
  scheduleCreate,
  scheduleRead,
  scheduleUpdate,
  scheduleDelete,
  doorCreate,
  doorRead,
  doorUpdate,
  doorDelete,
  accessPointCreate,
  accessPointRead,
  accessPointUpdate,
  accessPointDelete,
  zoneCreate,
  zoneRead,
  zoneUpdate,
  zoneDelete,
  holidayCreate,
  holidayRead,
  holidayUpdate,
  holidayDelete,
  auditGet,
  getLogs,
  restart,
  checkUpdate,
  getPendingUpdate,
  getUpdateHistory,
  createUpdate,
  getUpdate,
  ackUpdate,
  cancelUpdate,
  searchGroupName,
  searchDoorAlias,
  searchCredentialAlias,
  searchScheduleName,
  searchZoneAlias,
  searchAccessPointAlias,
  searchUserUsername,
  searchHardwareName,
  doorStatus,
  doorOpen,
  doorSetMode,
  antipassbackForgive,
  eventsSubscribe,
  eventsUnsubscribe,
  hardwareSimulate,
  hardwareWarnings,
  accessOverviewEndpoint,
  gpioRead,
  gpioCreate,
  gpioUpdate,
  gpioDelete,
  wiegandReaderRead,
  wiegandReaderCreate,
  wiegandReaderUpdate,
  wiegandReaderDelete,
  ledRead,
  ledCreate,
  ledUpdate,
  ledDelete,
  buzzerRead,
  buzzerCreate,
  buzzerUpdate,
  buzzerDelete,
  osdpBusRead,
  osdpBusCreate,
  osdpBusUpdate,
  osdpBusDelete,
  osdpReaderRead,
  osdpReaderCreate,
  osdpReaderUpdate,
  osdpReaderDelete,
  osdpReaderStatus,
  osdpReaderInstall,
  osdpReaderRekey,
];
