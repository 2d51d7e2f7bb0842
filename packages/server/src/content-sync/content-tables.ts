/** Tables of the content change feed (migration 0002-content). Filled in by the content-sync capability. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface ContentTables {}
