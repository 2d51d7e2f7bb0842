/** Tables of per-user data and its mutation log (migration 0003-user-data). Filled in by the user-sync capability. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface UserDataTables {}
