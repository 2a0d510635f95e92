/**
 * Fault injection for the crash and failure tests: PASSKEY_MIGRATE_FAULT=<point>[#<n>][=<action>][,...] acts when
 * the process reaches that point (its n-th arrival with #n). The default action kills the process with SIGKILL,
 * exactly as a power cut or `kill -9` would; `=enospc` and `=eio` make the write at that point fail as a full
 * disk or a failing device would; `=sigint` and `=sigterm` send the process that signal (an impatient user).
 * Points: locked, alterColumn, createTable, createIndex, history, beforeCommit, journal, file, write (inside a
 * file write, after half its bytes), rollbackDown, add:journal, add:files-written, add:complete.
 * Unset in normal use; it costs one environment lookup per point.
 */
const arrivals = new Map<string, number>();

export function faultPoint(name: string): void {
  const wanted = process.env.PASSKEY_MIGRATE_FAULT;
  if (!wanted) return;
  const count = (arrivals.get(name) ?? 0) + 1;
  arrivals.set(name, count);
  for (const entry of wanted.split(',')) {
    const [spec, action = 'kill'] = entry.split('=');
    const [point, nth] = spec!.split('#');
    if (point !== name || (nth !== undefined && Number(nth) !== count)) continue;
    switch (action) {
      case 'kill':
        process.kill(process.pid, 'SIGKILL');
        break;
      case 'sigint':
      case 'sigterm':
        process.kill(process.pid, action.toUpperCase() as NodeJS.Signals);
        break;
      case 'enospc':
      case 'eio': {
        const code = action.toUpperCase();
        const error = new Error(`${code}: ${code === 'ENOSPC' ? 'no space left on device' : 'i/o error'}, write (injected at ${name})`) as NodeJS.ErrnoException;
        error.code = code;
        error.syscall = 'write';
        throw error;
      }
    }
  }
}
