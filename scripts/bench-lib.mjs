// Shared by the database benchmarks: the services of scripts/services.sh, and the timing helpers.
import { execFileSync } from 'node:child_process';
import path from 'node:path';

/** Starts the private PostgreSQL and MariaDB servers (scripts/services.sh) and adds their PKM_* settings to `env`. */
export function withServices(root, env) {
  for (const line of execFileSync('bash', [path.join(root, 'scripts', 'services.sh'), 'start'], { encoding: 'utf8' }).split('\n')) {
    const m = /^(PKM_\w+)=(.*)$/.exec(line.trim());
    if (m) env[m[1]] = m[2];
  }
  return env;
}

export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Milliseconds `fn` took. */
export function time(fn) {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}
