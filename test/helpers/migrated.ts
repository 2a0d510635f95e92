/** A fixture copied to a scratch folder, its client libraries in place, migrated by `add --yes` (not built). */
import { expect } from 'vitest';
import { installClientLibs } from './client-libs.js';
import { materialize, type Materialized } from './fixtures.js';
import { runCli } from './run.js';

export async function migratedFixture(fixture: string, bootstrap: 4 | 5): Promise<Materialized> {
  const app = await materialize(fixture);
  installClientLibs(app.dir, bootstrap);
  const added = await runCli(['add', '--project', app.dir, '--yes'], { env: app.env });
  expect(added.code, added.stderr).toBe(0);
  return app;
}
