#!/usr/bin/env node
// Thin launcher: everything lives in dist/ (compiled from src/ by `npm run build`).
import { main } from '../dist/cli.js';

process.exitCode = await main(process.argv);
