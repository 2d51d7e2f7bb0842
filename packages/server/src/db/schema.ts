import type { AppStateTables } from '../app-state/app-state-tables.js';
import type { AuthTables } from '../auth/auth-tables.js';
import type { ContentTables } from '../content-sync/content-tables.js';
import type { UserDataTables } from '../user-sync/user-data-tables.js';

/** The whole database as Kysely sees it: each capability declares its own tables. */
export interface Database extends AuthTables, ContentTables, UserDataTables, AppStateTables {}
