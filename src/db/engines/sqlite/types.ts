import type { EngineTypes } from '../../engine-types.js';

export const sqliteTypes: EngineTypes = {
  provider: 'sqlite',
  label: 'SQLite',
  providerCalls: ['UseSqlite'],
  userKey: { string: 'TEXT', Guid: 'TEXT', int: 'INTEGER', long: 'INTEGER' },
  binary1024: 'BLOB',
  json: 'TEXT',
  // SQLite keeps TEXT whatever the length (EF emits no column change there).
  boundedString: () => 'TEXT',
  unboundedString: 'TEXT',
  signCountClr: 'uint',
  canonicalType: (type) => type.trim(),
};
