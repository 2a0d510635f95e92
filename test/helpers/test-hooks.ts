/**
 * Test-only hooks for a scratch copy of a migrated app, never part of what passkey-migrate generates: a C# file
 * with an [assembly: HostingStartup] (the app's own assembly is scanned for one) that replaces the app's
 * TimeProvider with a clock the test moves forward by writing minutes into a file. The cookie handler, the
 * security-stamp validator and the generated code all read that clock, so a session can be made "45 minutes old".
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';

const HOOKS = `// Test only: written by the passkey-migrate tests into a scratch copy of the app.
#nullable enable
using System;
using System.Globalization;
using System.IO;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

[assembly: HostingStartup(typeof(PasskeyMigrateTestHooks.TestHooksStartup))]

namespace PasskeyMigrateTestHooks
{
    public sealed class TestHooksStartup : IHostingStartup
    {
        public void Configure(IWebHostBuilder builder) => builder.ConfigureServices(services =>
        {
            var file = Environment.GetEnvironmentVariable("PKM_TEST_CLOCK_FILE");
            if (!string.IsNullOrEmpty(file))
            {
                services.AddSingleton<TimeProvider>(new FileClock(file));
            }
        });
    }

    internal sealed class FileClock : TimeProvider
    {
        private readonly string _file;

        public FileClock(string file) => _file = file;

        public override DateTimeOffset GetUtcNow()
        {
            var minutes = File.Exists(_file) && double.TryParse(File.ReadAllText(_file).Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var m) ? m : 0;
            return base.GetUtcNow() + TimeSpan.FromMinutes(minutes);
        }
    }
}
`;

export interface TestClock {
  file: string;
  /** moves the app's clock to now + minutes */
  set(minutes: number): void;
}

export function installTestHooks(appDir: string): TestClock {
  writeFileSync(path.join(appDir, 'PasskeyMigrateTestHooks.cs'), HOOKS);
  const file = path.join(appDir, '.test-clock');
  writeFileSync(file, '0');
  return { file, set: (minutes) => writeFileSync(file, String(minutes)) };
}
