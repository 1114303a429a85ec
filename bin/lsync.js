#!/usr/bin/env node
// Launcher for `lsync` (package.json "bin"): registers tsx so the TypeScript CLI runs as is after `npm ci`.
import { register } from 'tsx/esm/api';

register();
await import('./lsync.ts');
