/** The Razor markup edits keep the user's text and indentation, and each finds its landmark or declines. */
import { describe, expect, it } from 'vitest';
import { applyEdits } from '../../src/plan/file-change.js';
import { addTagHelperEdit, afterSubmitButtonEdit, autofillEdit, findLoginForm, navEntryEdit, scriptIncludeEdit, userNameField } from '../../src/plan/ui/markup-edit.js';

const login = [
  '<form id="search" method="get"><input name="q" /></form>',
  '<form method="post">',
  '    <input asp-for="UserName" class="form-control" />',
  '    <input asp-for="Password" type="password" />',
  '    <button type="submit">Go</button>',
  '</form>',
  '',
].join('\n');

describe('markup edits', () => {
  it('finds the sign-in form (the one with a password), its user-name field, and adds autofill', () => {
    const form = findLoginForm(login)!;
    expect(login.slice(form.start, form.end)).toMatch(/^<form method="post">[\s\S]*<\/form>$/);
    expect(userNameField(login.slice(form.start, form.end))).toBe('UserName');
    const out = applyEdits(login, [autofillEdit(login, form, 'UserName')!]);
    expect(out).toContain('<input asp-for="UserName" autocomplete="username webauthn" class="form-control" />');
    expect(autofillEdit(out, findLoginForm(out)!, 'UserName')).toBeNull();
  });

  it('inserts after a bare submit button with its indentation, and keeps CRLF', () => {
    const crlf = login.replace(/\n/g, '\r\n');
    const form = findLoginForm(crlf)!;
    const out = applyEdits(crlf, [afterSubmitButtonEdit(crlf, form, '<div>\n    <x />\n</div>')!]);
    expect(out).toContain('    <button type="submit">Go</button>\r\n    <div>\r\n        <x />\r\n    </div>\r\n</form>');
    expect(out.replace(/\r\n/g, '')).not.toContain('\n');
  });

  it('inserts after the whole button when its start tag and content span lines (a real app’s Tailwind login)', () => {
    const page = [
      '<form method="post">',
      '    <input asp-for="Input.UsernameOrEmail" />',
      '    <input asp-for="Input.Password" type="password" />',
      '    <div>',
      '        <button id="login-submit" ',
      '                type="submit" ',
      '                class="group relative w-full">',
      '            <span class="absolute left-0"><svg /></span>',
      '            Sign in',
      '        </button>',
      '    </div>',
      '</form>',
      '',
    ].join('\n');
    const out = applyEdits(page, [afterSubmitButtonEdit(page, findLoginForm(page)!, '<x />')!]);
    expect(out).toContain('            Sign in\n        </button>\n    </div>\n    <x />\n</form>');
    const input = '<form method="post">\n  <input type="password" />\n  <input class="btn"\n         type="submit" value="Go" />\n</form>\n';
    expect(applyEdits(input, [afterSubmitButtonEdit(input, findLoginForm(input)!, '<x />')!])).toContain('type="submit" value="Go" />\n  <x />\n</form>');
  });

  it('adds a nav entry after the matching one, or last; declines without a list', () => {
    const nav = '<ul class="nav">\n  <li><a>Profile</a></li>\n  <li><a asp-page="./ChangePassword">Password</a></li>\n  <li><a>Data</a></li>\n</ul>\n';
    const out = applyEdits(nav, [navEntryEdit(nav, '<li>Passkeys</li>', /ChangePassword/)!]);
    expect(out).toBe('<ul class="nav">\n  <li><a>Profile</a></li>\n  <li><a asp-page="./ChangePassword">Password</a></li>\n  <li>Passkeys</li>\n  <li><a>Data</a></li>\n</ul>\n');
    expect(navEntryEdit('<p>no list</p>', '<li/>', /x/)).toBeNull();
  });

  it('puts the script after the last script and before the Scripts section; once', () => {
    const layout = '<body>\n    <script src="~/js/site.js"></script>\n    @await RenderSectionAsync("Scripts", required: false)\n</body>\n';
    const out = applyEdits(layout, [scriptIncludeEdit(layout, '<script src="~/js/passkey-submit.js" type="module"></script>')!]);
    expect(out).toBe(
      '<body>\n    <script src="~/js/site.js"></script>\n    <script src="~/js/passkey-submit.js" type="module"></script>\n    @await RenderSectionAsync("Scripts", required: false)\n</body>\n',
    );
    expect(scriptIncludeEdit(out, 'x')).toBeNull();
  });

  it('never puts the include inside an <environment> block, and finds a lower-case scripts section', () => {
    const tag = '<script src="~/js/passkey-submit.js" type="module"></script>';
    const layout = [
      '<body>',
      '    <environment names="Development">',
      '        <script src="~/lib/jquery/dist/jquery.js"></script>',
      '    </environment>',
      '    <environment exclude="Development">',
      '        <script src="https://cdn.example/jquery.min.js"></script>',
      '        <script src="~/js/site.min.js"></script>',
      '    </environment>',
      '    @RenderSection("scripts", required: false)',
      '</body>',
      '',
    ].join('\n');
    const out = applyEdits(layout, [scriptIncludeEdit(layout, tag)!]);
    const lines = out.split('\n');
    expect(lines[8]).toBe(`    ${tag}`);
    expect(lines[9]).toBe('    @RenderSection("scripts", required: false)');
    // Every line inside a block is as it was.
    expect(lines.slice(0, 8)).toEqual(layout.split('\n').slice(0, 8));

    // With no script outside the blocks and no section: before </body>, outside every block.
    const bare = '<body>\n    <environment include="Production">\n        <script src="~/js/site.min.js"></script>\n    </environment>\n</body>\n';
    const bareOut = applyEdits(bare, [scriptIncludeEdit(bare, tag)!]);
    expect(bareOut).toBe('<body>\n    <environment include="Production">\n        <script src="~/js/site.min.js"></script>\n    </environment>\n    ' + tag + '\n</body>\n');

    // Before an older element's script that sits inside a block: before the block.
    const older = '<body>\n    <environment include="Development">\n        <script src="~/js/PasskeySubmit.js"></script>\n    </environment>\n</body>\n';
    const olderOut = applyEdits(older, [scriptIncludeEdit(older, tag, /PasskeySubmit\.js$/)!]);
    expect(olderOut.split('\n')[1]).toBe(`    ${tag}`);
  });

  it('registers the tag helper assembly once', () => {
    const imports = '@using X\n@addTagHelper *, Microsoft.AspNetCore.Mvc.TagHelpers\n';
    const out = applyEdits(imports, [addTagHelperEdit(imports, 'Shop.Web')!]);
    expect(out).toBe('@using X\n@addTagHelper *, Microsoft.AspNetCore.Mvc.TagHelpers\n@addTagHelper *, Shop.Web\n');
    expect(addTagHelperEdit(out, 'Shop.Web')).toBeNull();
  });
});
