// The peer's packages ship no types; the benchmark uses a handful of calls, declared here.
declare module 'pouchdb' {
  interface ReplicationResult {
    readonly docs_written: number;
    readonly docs_read: number;
    readonly ok: boolean;
  }
  interface Database {
    bulkDocs(docs: object[]): Promise<Array<{ ok?: boolean; id: string; rev: string; error?: string }>>;
    put(doc: object): Promise<{ id: string; rev: string }>;
    allDocs(
      options?: Record<string, unknown>,
    ): Promise<{ total_rows: number; rows: Array<{ id: string; value: { rev: string }; doc?: Record<string, unknown> }> }>;
    info(): Promise<{ doc_count: number; update_seq: number | string }>;
    close(): Promise<void>;
    destroy(): Promise<void>;
  }
  interface PouchDBStatic {
    new (name: string, options?: Record<string, unknown>): Database;
    defaults(options: Record<string, unknown>): PouchDBStatic;
    replicate(source: string | Database, target: string | Database, options?: Record<string, unknown>): Promise<ReplicationResult>;
  }
  const PouchDB: PouchDBStatic;
  export default PouchDB;
}

declare module 'express-pouchdb' {
  import type { Server } from 'node:http';
  function expressPouchDB(pouch: unknown, options?: Record<string, unknown>): { listen(port: number, host: string, callback: () => void): Server };
  export default expressPouchDB;
}
