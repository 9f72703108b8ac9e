// The worker entry when the node runs from TypeScript sources (npm start, mocha, the Docker
// image): tsx is registered in this worker process first, then the TypeScript entry loads.
// Built JavaScript starts worker-main.js directly.
import { register } from 'tsx/esm/api';

register();
await import('./worker-main.ts');
