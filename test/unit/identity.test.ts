/** The C# reading, on small sources written in the shapes real apps use. */
import { describe, expect, it } from 'vitest';
import { readIdentity } from '../../src/read/project/identity.js';

const ctx = `namespace App.Data;
public class AppDb : IdentityDbContext<AppUser, IdentityRole<long>, long> {
  public AppDb(DbContextOptions<AppDb> o) : base(o) {}
  protected override void OnModelCreating(ModelBuilder builder) {
    base.OnModelCreating(builder);
    builder.Entity<AppUser>(b => { b.ToTable("Members", "identity"); });
    builder.Entity<IdentityUserPasskey<long>>().ToTable("MemberPasskeys");
  }
}
public class AppUser : IdentityUser<long> { }`;

function sources(program: string) {
  return [
    { path: '/app/Program.cs', text: program, projectDir: '/app' },
    { path: '/app/Data/AppDb.cs', text: ctx, projectDir: '/app' },
  ];
}

describe('reading the Identity registration', () => {
  it('reads options in a block lambda, #if blocks included, and the provider through a variable', async () => {
    const facts = await readIdentity(
      sources(`var builder = WebApplication.CreateBuilder(args);
var cs = builder.Configuration.GetConnectionString("Main") ?? throw new InvalidOperationException();
builder.Services.AddDbContext<AppDb>(o => o.UseSqlServer(cs));
builder.Services.AddIdentity<AppUser, IdentityRole<long>>(options =>
{
#if DEBUG
    options.Password.RequiredLength = 4;
#endif
    options.Stores.SchemaVersion = IdentitySchemaVersions.Version2;
    options.Stores.MaxLengthForKeys = 64;
}).AddEntityFrameworkStores<AppDb>();`),
    );
    expect(facts.registration).toMatchObject({ method: 'AddIdentity', line: 4 });
    expect(facts).toMatchObject({ userType: 'AppUser', roleType: 'IdentityRole<long>', keyType: 'long' });
    expect(facts.schemaVersionSetting?.value).toBe('Version2');
    expect(facts.maxLengthForKeysSetting?.value).toBe(64);
    expect(facts.provider).toMatchObject({ name: 'sqlserver', method: 'UseSqlServer' });
    expect(facts.connectionStringName).toBe('Main');
    expect(facts.tables.users).toEqual({ name: 'Members', schema: 'identity' });
    expect(facts.tables.userPasskeys).toEqual({ name: 'MemberPasskeys', schema: null });
    expect(facts.tables.roles).toEqual({ name: 'AspNetRoles', schema: null });
  });

  it('reads Configure<IdentityOptions> and an inline connection string', async () => {
    const facts = await readIdentity(
      sources(`builder.Services.AddDbContext<AppDb>(o => o.UseNpgsql("Host=x;Database=y"));
builder.Services.Configure<IdentityOptions>(o => o.Stores.SchemaVersion = IdentitySchemaVersions.Version3);
builder.Services.AddIdentityCore<AppUser>().AddRoles<IdentityRole<long>>().AddEntityFrameworkStores<AppDb>();`),
    );
    expect(facts.schemaVersionSetting?.value).toBe('Version3');
    expect(facts.provider?.name).toBe('postgres');
    expect(facts.inlineConnectionString).toBe('Host=x;Database=y');
    expect(facts.roleType).toBe('IdentityRole<long>');
  });

  it('is not fooled by the words in a comment or a string', async () => {
    await expect(readIdentity([{ path: '/app/Program.cs', text: '// services.AddIdentity<User>()\nvar s = "AddIdentity<User>()";', projectDir: '/app' }])).rejects.toThrow(
      /no ASP\.NET Core Identity registration found/,
    );
  });

  it('refuses Identity without EF Core stores', async () => {
    await expect(readIdentity(sources('builder.Services.AddIdentityCore<AppUser>().AddUserStore<MyStore>();'))).rejects.toThrow(/does not use EF Core stores/);
  });
});
