/**
 * Fault injection for the crash tests: PASSKEY_MIGRATE_FAULT=<point> kills the process with SIGKILL when it reaches
 * that point, exactly as a power cut or `kill -9` would. Points: locked, alterColumn, createTable, createIndex,
 * history, beforeCommit, journal. Unset in normal use; it costs one environment lookup per point.
 */
export function faultPoint(name: string): void {
  const wanted = process.env.PASSKEY_MIGRATE_FAULT;
  if (wanted && wanted.split(',').includes(name)) process.kill(process.pid, 'SIGKILL');
}
