#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, so `npx vigil ...` works from a plain checkout.
import { register } from 'tsx/esm/api';
register();
await import('./main.ts');
