/**
 * The one rule for the EF Core version a migration records (the history row's ProductVersion, the migration
 * files' ProductVersion annotation): the highest 10.x version of the project's EF Core packages; when the project
 * references EF Core only through Identity's store package, that package's (they ship in lockstep); else ours.
 */
import { BUILTIN_EF_VERSION } from './passkey-migration.js';

const EF_CORE = /^Microsoft\.EntityFrameworkCore(\.|$)/i;
const IDENTITY_STORES = /^Microsoft\.AspNetCore\.Identity\.EntityFrameworkCore$/i;

export function efCoreVersion(packages: { id: string; version?: string | null }[]): string {
  const tenUp = (pattern: RegExp) =>
    packages
      .filter((p) => pattern.test(p.id) && p.version && /^\d+\.\d+\.\d+$/.test(p.version) && Number(p.version.split('.')[0]) >= 10)
      .map((p) => p.version!)
      .sort((a, b) => b.localeCompare(a, undefined, { numeric: true }))[0];
  return tenUp(EF_CORE) ?? tenUp(IDENTITY_STORES) ?? BUILTIN_EF_VERSION;
}
