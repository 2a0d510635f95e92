import type { EngineTypes } from '../../engine-types.js';

export const mysqlTypes: EngineTypes = {
  provider: 'mysql',
  label: 'MySQL/MariaDB',
  providerCalls: ['UseMySql', 'UseMySQL'],
  userKey: { string: 'varchar(255)', Guid: 'char(36)', int: 'int', long: 'bigint' },
  binary1024: 'varbinary(1024)',
  json: 'json',
  // Oracle's MySql.EntityFrameworkCore with the model configuration `add --switch-mysql-provider` writes
  // (templates/mysql/PasskeyDataColumns.cs.tmpl): seen in its `dotnet ef migrations script` output.
  passkeyDataColumns: [
    { name: 'Data_PublicKey', clrType: 'byte[]', type: 'longblob', nullable: false },
    { name: 'Data_Name', clrType: 'string', type: 'longtext', nullable: true },
    { name: 'Data_CreatedAt', clrType: 'DateTimeOffset', type: 'datetime(6)', nullable: false },
    { name: 'Data_SignCount', clrType: 'uint', type: 'int unsigned', nullable: false },
    { name: 'Data_Transports', clrType: 'string', type: 'longtext', nullable: true },
    { name: 'Data_IsUserVerified', clrType: 'bool', type: 'tinyint(1)', nullable: false },
    { name: 'Data_IsBackupEligible', clrType: 'bool', type: 'tinyint(1)', nullable: false },
    { name: 'Data_IsBackedUp', clrType: 'bool', type: 'tinyint(1)', nullable: false },
    { name: 'Data_AttestationObject', clrType: 'byte[]', type: 'longblob', nullable: false },
    { name: 'Data_ClientDataJson', clrType: 'byte[]', type: 'longblob', nullable: false },
  ],
  boundedString: (length) => `varchar(${length})`,
  unboundedString: 'longtext',
  signCountClr: 'long',
  // MariaDB reports display widths (int(11)) and upper case; tinyint(1) is EF's spelling of bool and stays.
  canonicalType: (type) =>
    type
      .trim()
      .replace(/^(tinyint|smallint|mediumint|int|bigint)\((\d+)\)/i, (whole, name: string, width: string) => (/^tinyint$/i.test(name) && width === '1' ? whole : name))
      .toLowerCase(),
  // MariaDB reports json as longtext (with a json_valid check): the same EF type.
  alias: (expected, reported) => expected === 'json' && reported === 'longtext',
};
