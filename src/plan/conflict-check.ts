/**
 * Whether the app's own version of a file we would create can stay (a conflict answered "skip" or "keep both"):
 * the other files of the plan use types and members of ours (PasskeyAccount.SignInAsync, PasskeyEndpoints.RoutePrefix,
 * ...); a kept file that lacks one of them would leave the build broken (CS0117, CS0246). Read with the C# parser.
 */
import { findAll, parseCSharp, type SyntaxNode } from '../read/project/csharp.js';
import type { FileChange } from './file-change.js';

const TYPES = ['class_declaration', 'record_declaration', 'struct_declaration', 'interface_declaration', 'enum_declaration'];
const MEMBERS = [
  'method_declaration',
  'property_declaration',
  'field_declaration',
  'event_field_declaration',
  'enum_member_declaration',
  'constructor_declaration',
  'delegate_declaration',
];

/** Type name -> the names its members declare (fields by their variables; records by their positional parameters). */
async function declared(file: string, text: string): Promise<Map<string, Set<string>>> {
  const root = (await parseCSharp(file, text)).tree.rootNode;
  const out = new Map<string, Set<string>>();
  for (const type of findAll(root, TYPES)) {
    const name = type.childForFieldName('name')?.text;
    if (!name) continue;
    const members = out.get(name) ?? new Set<string>();
    const body = type.childForFieldName('body');
    for (const member of body ? body.namedChildren.filter((c): c is SyntaxNode => !!c && MEMBERS.includes(c.type)) : []) {
      if (member.type === 'field_declaration' || member.type === 'event_field_declaration') {
        for (const v of findAll(member, 'variable_declarator')) {
          const id = v.childForFieldName('name') ?? v.namedChildren.find((c) => c?.type === 'identifier');
          if (id) members.add(id.text);
        }
      } else {
        const id = member.childForFieldName('name');
        if (id) members.add(id.text);
      }
    }
    for (const parameter of findAll(type.childForFieldName('parameters') ?? type, 'parameter')) {
      if (parameter.parent?.parent?.id === type.id) members.add(parameter.childForFieldName('name')?.text ?? '');
    }
    out.set(name, members);
  }
  return out;
}

/** What the plan's other files would miss if `kept` stays as the app has it: "PasskeyAccount.SignInAsync", a type. */
export async function missingIfKept(kept: FileChange, plan: FileChange[]): Promise<string[]> {
  if (!kept.path.endsWith('.cs') || kept.before === null) return [];
  const ours = await declared(kept.path, kept.after);
  const theirs = await declared(kept.path, kept.before);
  const others = plan
    .filter((c) => c !== kept)
    .map((c) => c.after)
    .join('\n');
  const missing: string[] = [];
  for (const [type, members] of ours) {
    const used = new RegExp(`\\b${type}\\b`).test(others);
    if (!used) continue;
    if (!theirs.has(type)) {
      missing.push(type);
      continue;
    }
    for (const member of members) {
      if (!member || theirs.get(type)!.has(member)) continue;
      if (new RegExp(`\\b${type}\\.${member}\\b`).test(others)) missing.push(`${type}.${member}`);
    }
  }
  return missing;
}
