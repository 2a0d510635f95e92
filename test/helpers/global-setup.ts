/**
 * Starts the private PostgreSQL and MariaDB servers (scripts/services.sh) once per run and hands their connection
 * strings to the tests through the environment. A missing server fails the run: tests never skip silently.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';

export default function setup(): void {
  const script = path.resolve(__dirname, '../../scripts/services.sh');
  const output = execFileSync('bash', [script, 'start'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  for (const line of output.split('\n')) {
    const match = /^(PKM_\w+)=(.*)$/.exec(line.trim());
    if (match) process.env[match[1]!] = match[2]!;
  }
  if (!process.env.PKM_PG || !process.env.PKM_MYSQL) throw new Error('database services did not start');
}
