/**
 * Which app a command works on, the same way for every command and as `dotnet ef` names them: `-s/--startup-project`
 * is the app (the web project that runs), `-p/--project` the project holding the DbContext; given alone, either one
 * names the app (its DbContext is found through its project references). `--context` names the DbContext and must be
 * the one Identity's stores use. Both are checked against what was read, never guessed.
 */
import path from 'node:path';
import { UserError } from '../core/errors.js';
import { locateProject } from '../read/project/locate.js';
import { readProject, type ProjectFacts, type ReadProjectOptions } from '../read/project/index.js';

export interface TargetOptions {
  project?: string;
  startupProject?: string;
  context?: string;
  connection?: string;
}

export async function readTarget(options: TargetOptions, extra: Omit<ReadProjectOptions, 'project' | 'connection'> = {}): Promise<ProjectFacts> {
  const facts = await readProject({ ...extra, project: options.startupProject ?? options.project, connection: options.connection });
  checkTarget(facts, options);
  return facts;
}

export function checkTarget(facts: ProjectFacts, options: TargetOptions): void {
  const context = facts.identity.dbContext;
  if (options.context) {
    const full = context.namespace ? `${context.namespace}.${context.name}` : context.name;
    if (options.context !== context.name && options.context !== full) {
      throw new UserError(`--context ${options.context} does not match the DbContext Identity uses (${full})`, { hint: `pass --context ${context.name}, or leave it out` });
    }
  }
  if (options.startupProject && options.project) {
    const named = locateProject(options.project).projectPath;
    if (path.resolve(path.dirname(named)) !== path.resolve(context.projectDir)) {
      throw new UserError(
        `--project ${options.project} is not the project that holds ${context.name} (${path.relative(process.cwd(), path.join(context.projectDir)) || '.'}, file ${path.relative(process.cwd(), context.file)})`,
        { hint: 'with --startup-project, --project names the project of the DbContext; or pass only one of them' },
      );
    }
  }
}
