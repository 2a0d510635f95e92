import type { EngineTypes } from '../../engine-types.js';

export const postgresTypes: EngineTypes = {
  provider: 'postgres',
  label: 'PostgreSQL',
  providerCalls: ['UseNpgsql'],
  userKey: { string: 'text', Guid: 'uuid', int: 'integer', long: 'bigint' },
  binary1024: 'bytea',
  json: 'jsonb',
  boundedString: (length) => `character varying(${length})`,
  unboundedString: 'text',
  signCountClr: 'long',
  canonicalType: (type) => type.trim(),
};
