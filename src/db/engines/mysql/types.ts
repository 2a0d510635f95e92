import type { EngineTypes } from '../../engine-types.js';

export const mysqlTypes: EngineTypes = {
  provider: 'mysql',
  label: 'MySQL/MariaDB',
  providerCalls: ['UseMySql', 'UseMySQL'],
  userKey: { string: 'varchar(255)', Guid: 'char(36)', int: 'int', long: 'bigint' },
  binary1024: 'varbinary(1024)',
  json: 'json',
  boundedString: (length) => `varchar(${length})`,
  unboundedString: 'longtext',
  signCountClr: 'long',
  // MariaDB reports display widths (int(11)) and upper case.
  canonicalType: (type) =>
    type
      .trim()
      .replace(/^(tinyint|smallint|mediumint|int|bigint)\(\d+\)/i, '$1')
      .toLowerCase(),
  // MariaDB reports json as longtext (with a json_valid check): the same EF type.
  alias: (expected, reported) => expected === 'json' && reported === 'longtext',
};
