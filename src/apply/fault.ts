/**
 * Fault injection for the crash tests: PASSKEY_MIGRATE_FAULT=<point> kills the process with SIGKILL when it reaches
 * that point, exactly as a power cut or `kill -9` would; `<point>#<n>` kills at its n-th arrival. Points: locked,
 * alterColumn, createTable, createIndex, history, beforeCommit, journal, file, rollbackDown, add:journal,
 * add:files-written, add:complete. Unset in normal use; it costs one environment lookup per point.
 */
const arrivals = new Map<string, number>();

export function faultPoint(name: string): void {
  const wanted = process.env.PASSKEY_MIGRATE_FAULT;
  if (!wanted) return;
  const count = (arrivals.get(name) ?? 0) + 1;
  arrivals.set(name, count);
  for (const entry of wanted.split(',')) {
    const [point, nth] = entry.split('#');
    if (point === name && (nth === undefined || Number(nth) === count)) process.kill(process.pid, 'SIGKILL');
  }
}
