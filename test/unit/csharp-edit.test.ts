/** The using directives passkey-migrate adds and removes keep the user's comments and line endings where they were. */
import { describe, expect, it } from 'vitest';
import { removeUsingsEdits, usingEdit } from '../../src/plan/csharp-edit.js';
import { applyEdits } from '../../src/plan/file-change.js';
import { parseCSharp } from '../../src/read/project/csharp.js';

async function withUsing(text: string, namespace: string): Promise<string> {
  const root = (await parseCSharp(`/virtual/${Math.random()}.cs`, text)).tree.rootNode;
  return applyEdits(text, [usingEdit(root, text, namespace)]);
}

describe('usingEdit', () => {
  it('goes after the last using line, leaving a comment at the end of that line on it (a real app’s Program.cs)', async () => {
    const text = 'using Shop.Data;             // the DbContext\nusing Shop.Models;           // the user type\n\nvar builder = WebApplication.CreateBuilder(args);\n';
    expect(await withUsing(text, 'Shop.Passkeys')).toBe(
      'using Shop.Data;             // the DbContext\nusing Shop.Models;           // the user type\nusing Shop.Passkeys;\n\nvar builder = WebApplication.CreateBuilder(args);\n',
    );
  });

  it('keeps CRLF, and sorts before a later namespace', async () => {
    const text = 'using Shop.Data;\r\nusing Zeta.Tools;\r\n\r\nclass A { }\r\n';
    expect(await withUsing(text, 'Shop.Passkeys')).toBe('using Shop.Data;\r\nusing Shop.Passkeys;\r\nusing Zeta.Tools;\r\n\r\nclass A { }\r\n');
  });
});

async function withoutPomelo(text: string): Promise<string> {
  const root = (await parseCSharp(`/virtual/${Math.random()}.cs`, text)).tree.rootNode;
  return applyEdits(
    text,
    removeUsingsEdits(root, text, (ns) => ns.startsWith('Pomelo.')),
  );
}

describe('removeUsingsEdits', () => {
  it('takes the line of a using that ends with a comment, and the usings in a namespace block, CRLF intact', async () => {
    const text =
      'using Microsoft.EntityFrameworkCore;\r\nusing Pomelo.EntityFrameworkCore.MySql.Infrastructure; // MySqlSchemaBehavior\r\nusing Shop.Data;\r\n' +
      'namespace Shop\r\n{\r\n    using Pomelo.EntityFrameworkCore.MySql.Metadata;\r\n    class A { }\r\n}\r\n';
    expect(await withoutPomelo(text)).toBe('using Microsoft.EntityFrameworkCore;\r\nusing Shop.Data;\r\nnamespace Shop\r\n{\r\n    class A { }\r\n}\r\n');
  });

  it('leaves aliases, other namespaces, and the code sharing a line with the using', async () => {
    const text = 'using P = Pomelo.EntityFrameworkCore.MySql;\nusing PomeloTools;\nusing Pomelo.EntityFrameworkCore.MySql.Storage; class A { }\n';
    expect(await withoutPomelo(text)).toBe('using P = Pomelo.EntityFrameworkCore.MySql;\nusing PomeloTools;\n class A { }\n');
  });
});
