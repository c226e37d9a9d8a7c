#!/usr/bin/env node
// Runs the TypeScript sources through tsx, so the command works on a fresh clone without a build.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/index.ts');
