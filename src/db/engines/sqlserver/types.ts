import type { EngineTypes } from '../../engine-types.js';

export const sqlServerTypes: EngineTypes = {
  provider: 'sqlserver',
  label: 'SQL Server',
  providerCalls: ['UseSqlServer'],
  userKey: { string: 'nvarchar(450)', Guid: 'uniqueidentifier', int: 'int', long: 'bigint' },
  binary1024: 'varbinary(1024)',
  json: 'nvarchar(max)',
  boundedString: (length) => `nvarchar(${length})`,
  unboundedString: 'nvarchar(max)',
  signCountClr: 'long',
  canonicalType: (type) => type.trim(),
};
