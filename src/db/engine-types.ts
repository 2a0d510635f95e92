/**
 * How EF Core spells types on one engine, for the passkeys table and the columns Version3 reshapes: what the
 * read layer compares a database with and the plan layer writes into migrations. Each engine's folder has one
 * (engines/<engine>/types.ts); registry.ts maps provider names to them. No driver is loaded for these.
 */
import type { ColumnDef, ProviderName } from '../model/schema.js';

export interface EngineTypes {
  provider: ProviderName;
  /** the engine's name in messages */
  label: string;
  /** EF Core provider methods (`UseNpgsql`) that select this engine in the DbContext's configuration */
  providerCalls: string[];
  /** the store type of the user key, by CLR key type (string, Guid, int, long) */
  userKey: Record<string, string>;
  /** byte[] with max length 1024 (CredentialId) */
  binary1024: string;
  /** the JSON column of IdentityUserPasskey (Data) */
  json: string;
  /**
   * IdentityPasskeyData mapped as columns of the passkeys table (PasskeyDataShape 'columns'), in the order EF
   * creates them, when the engine's provider maps it that way
   */
  passkeyDataColumns?: ColumnDef[];
  /** a string column with a maximum length */
  boundedString(length: number): string;
  /** a string column without one */
  unboundedString: string;
  /** the CLR type EF's model snapshot writes for the passkey data's SignCount */
  signCountClr: string;
  /** a type as this engine's catalog reports it, in EF's spelling (MariaDB: int(11) is int) */
  canonicalType(type: string): string;
  /** catalog types that are the expected type for this engine (MariaDB reports json as longtext) */
  alias?(expected: string, reported: string): boolean;
}
