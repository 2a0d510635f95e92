#!/usr/bin/env node
// Thin launcher: everything lives in dist/ (compiled from src/ by `npm run build`). Where Node has it (22.1+),
// the module compile cache makes later starts cheaper; elsewhere this is a no-op.
import module from 'node:module';

try {
  module.enableCompileCache?.();
} catch {
  // no cache folder: start as usual
}
const { main } = await import('../dist/cli.js');
process.exitCode = await main(process.argv);
