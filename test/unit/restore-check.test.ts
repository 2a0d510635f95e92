import { describe, expect, it } from 'vitest';
import { parseDowngrades } from '../../src/plan/restore-check.js';

describe('NuGet downgrade warnings', () => {
  it('reads the package, both versions and the package that needs the higher one', () => {
    const output = [
      '/tmp/x/src/Web/Web.csproj : error NU1605: Warning As Error: Detected package downgrade: Azure.Identity from 1.17.1 to 1.10.4. Reference the package directly from the project to select a different version. ',
      ' Web -> Microsoft.EntityFrameworkCore.SqlServer 10.0.15 -> Microsoft.Data.SqlClient 6.1.1 -> Azure.Identity (>= 1.17.1) ',
      ' Web -> Azure.Identity (>= 1.10.4)',
      '/tmp/x/src/Web/Web.csproj : error NU1109: Detected package downgrade: System.Text.Json from 10.0.0 to centrally defined 8.0.3. Update the centrally managed package version to a higher version.',
      '/tmp/x/src/Web/Web.csproj : error NU1605: Warning As Error: Detected package downgrade: Azure.Identity from 1.17.1 to 1.10.4.',
    ].join('\n');
    expect(parseDowngrades(output)).toEqual([
      { id: 'Azure.Identity', required: '1.17.1', pinned: '1.10.4', neededBy: 'Microsoft.EntityFrameworkCore.SqlServer' },
      { id: 'System.Text.Json', required: '10.0.0', pinned: '8.0.3', neededBy: undefined },
    ]);
  });

  it('finds nothing in a clean restore', () => {
    expect(parseDowngrades('  Determining projects to restore...\n  Restored /tmp/x/App.csproj (in 1.2 sec).')).toEqual([]);
  });
});
