/**
 * `anchorflow check --watch`: the state the watcher hands to the UI, and the plain-lines rendering of it. The UI
 * only renders; validating and watching happen in cli/watch.ts, which formats errors into this plain data.
 */
export interface CheckWatchFile {
  file: string;
  ok: boolean;
  /** For a valid pipeline: name, node/loss counts and output shapes. */
  summary?: {
    name: string;
    nodes: number;
    losses: number;
    outputs: { name: string; type: string }[];
    trainableParams?: number;
  };
  /** For an invalid one: `file:line:col: message` and the excerpt lines under it, as the CLI prints them. */
  error?: { head: string; detail: string[] };
}

export interface CheckWatchState {
  /** Increments on every validation round. */
  round: number;
  /** When the last round finished (ms since the epoch). */
  at: number;
  /** What triggered the round: undefined for the first, else the changed file. */
  changed?: string;
  files: CheckWatchFile[];
  /** How many files are watched (pipelines and everything they extend). */
  watching: number;
  /** A problem that is not about one pipeline (a watched folder vanished). */
  notice?: string;
}

export function clock(ms: number): string {
  const d = new Date(ms);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((x) => String(x).padStart(2, '0')).join(':');
}

export function summaryText(s: NonNullable<CheckWatchFile['summary']>): string {
  const outs = s.outputs.map((o) => `${o.name} ${o.type}`).join(', ');
  const params = s.trainableParams !== undefined ? `, ${s.trainableParams.toLocaleString('en-US')} parameters` : '';
  return `${s.name}, ${s.nodes} nodes, ${s.losses} loss${s.losses === 1 ? '' : 'es'}${params}; outputs ${outs}`;
}

/**
 * One round as plain lines, for pipes and CI. Every line starts with the time, so a log of many rounds reads in
 * order; an error keeps the CLI's own `file:line:col: message` so editors and terminals can jump to it.
 */
export function checkWatchLines(s: CheckWatchState): string[] {
  const t = `[${clock(s.at)}]`;
  const out: string[] = [];
  if (s.changed !== undefined) out.push(`${t} changed: ${s.changed}`);
  if (s.notice) out.push(`${t} ${s.notice}`);
  for (const f of s.files) {
    if (f.ok && f.summary) out.push(`${t} ok  ${f.file}: ${summaryText(f.summary)}`);
    else if (f.error) out.push(`${t} error ${f.error.head}`, ...f.error.detail);
  }
  const bad = s.files.filter((f) => !f.ok).length;
  out.push(
    `${t} ${bad ? `${bad} of ${s.files.length} failed` : `all ${s.files.length} ok`}; watching ${s.watching} file${s.watching === 1 ? '' : 's'} (Ctrl+C to stop)`,
  );
  return out;
}

/** The Ink screen, loaded on demand so plain watch mode (pipes, CI, tests) never imports React and Ink. */
export async function loadCheckWatchView(): Promise<typeof import('./ink/CheckWatchView.js').mountCheckWatch> {
  return (await import('./ink/CheckWatchView.js')).mountCheckWatch;
}
