/**
 * Cell formatting for the router status table, shared by the live ink view and the plain
 * output (which must not load ink or react).
 */

/** One backend as the view shows it; the command maps the router's /status JSON into this. */
export interface BackendStatusRow {
  name: string;
  kind: string;
  breaker: string;
  readiness: string;
  inFlight: number;
  slots?: number;
  p50Ms?: number;
  p95Ms?: number;
  tokensPerSecond?: number;
  cacheHitRatio?: number;
  requests: number;
  errors: number;
}

export interface RouterStatusViewProps {
  url: string;
  rows: readonly BackendStatusRow[];
  /** Set when the last poll failed; the table then shows the last good data. */
  problem?: string;
  updatedAt?: string;
}

const columns = [
  { title: "BACKEND", width: 16 },
  { title: "KIND", width: 18 },
  { title: "STATE", width: 10 },
  { title: "READY", width: 8 },
  { title: "BUSY", width: 7 },
  { title: "P50", width: 8 },
  { title: "P95", width: 8 },
  { title: "TOK/S", width: 8 },
  { title: "CACHE", width: 7 },
  { title: "REQ/ERR", width: 10 },
] as const;

export function formatStatusCells(row: BackendStatusRow): string[] {
  const ms = (value?: number) => (value === undefined ? "-" : `${Math.round(value)}ms`);
  return [
    row.name,
    row.kind,
    row.breaker,
    row.readiness,
    `${row.inFlight}/${row.slots ?? "?"}`,
    ms(row.p50Ms),
    ms(row.p95Ms),
    row.tokensPerSecond === undefined ? "-" : row.tokensPerSecond.toFixed(1),
    row.cacheHitRatio === undefined ? "-" : `${Math.round(row.cacheHitRatio * 100)}%`,
    `${row.requests}/${row.errors}`,
  ];
}

export function formatStatusHeader(): string[] {
  return columns.map((column) => column.title);
}

export function statusColumnWidths(): number[] {
  return columns.map((column) => column.width);
}
