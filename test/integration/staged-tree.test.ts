/**
 * One staged tree: every planner reads what earlier planners will write. The DbContext in Program.cs gets both
 * the schema Version3 edit and the --keep-existing-columns model configuration, and the plan lists what it does.
 */
import { readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { copyFixture } from '../helpers/fixtures.js';
import { runCli, treeDigest } from '../helpers/run.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

it('upgrade --dry-run --keep-existing-columns with the DbContext in Program.cs keeps both edits of Program.cs', async () => {
  const dir = copyFixture('webapp-sqlite');
  dirs.push(dir);
  const contextFile = path.join(dir, 'Data', 'ApplicationDbContext.cs');
  const context =
    readFileSync(contextFile, 'utf8')
      .replace(/^using[^\n]*\n/gm, '')
      .replace('namespace SampleShop.Data;', 'namespace SampleShop.Data\n{')
      .trimEnd() + '\n}\n';
  unlinkSync(contextFile);
  const program = readFileSync(path.join(dir, 'Program.cs'), 'utf8');
  writeFileSync(path.join(dir, 'Program.cs'), `using Microsoft.AspNetCore.Identity.EntityFrameworkCore;\n${program}\n${context}`);
  const before = treeDigest(dir);

  const result = await runCli(['upgrade', '--dry-run', '--keep-existing-columns', '--offline', '--project', dir]);
  expect(result.code, result.stderr).toBe(0);
  expect(result.stdout).toMatch(/update Program\.cs\s+\(Identity schema Version3; keep existing columns \(--keep-existing-columns\)\)/);
  const diff = result.stdout.slice(result.stdout.indexOf('+++ b/Program.cs'));
  const programDiff = diff.slice(0, diff.indexOf('\n--- ', 1) > 0 ? diff.indexOf('\n--- ', 1) : undefined);
  expect(programDiff).toMatch(/\+.*options\.Stores\.SchemaVersion = IdentitySchemaVersions\.Version3/);
  expect(programDiff).toMatch(/\+.*Property\(u => u\.PhoneNumber\)\.Metadata\.SetMaxLength\(null\)/);
  expect(treeDigest(dir)).toBe(before);

  // And written: the file has both.
  const applied = await runCli(['upgrade', '--yes', '--keep-existing-columns', '--offline', '--project', dir]);
  expect(applied.code, applied.stderr).toBe(0);
  const text = readFileSync(path.join(dir, 'Program.cs'), 'utf8');
  expect(text).toMatch(/SchemaVersion = IdentitySchemaVersions\.Version3/);
  expect(text).toMatch(/SetMaxLength\(null\)/);
});
