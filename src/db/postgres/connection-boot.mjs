// The connection thread's entry when the node runs from TypeScript sources (npm start, mocha, the
// Docker image): tsx is registered in this thread first, then the TypeScript entry loads.
// Built JavaScript starts connection-thread.js directly.
import { register } from 'tsx/esm/api';

register();
await import('./connection-thread.ts');
