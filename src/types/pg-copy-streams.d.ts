// pg-copy-streams ships no types and @types/pg-copy-streams lags its v7 API; the part we use.
declare module 'pg-copy-streams' {
  import type { Readable, Writable } from 'node:stream';
  import type { Submittable } from 'pg';

  export interface CopyToStream extends Readable, Submittable {
    rowCount?: number;
  }
  export interface CopyFromStream extends Writable, Submittable {
    rowCount?: number;
  }
  const copyStreams: {
    to(sql: string): CopyToStream;
    from(sql: string): CopyFromStream;
  };
  export default copyStreams;
}
