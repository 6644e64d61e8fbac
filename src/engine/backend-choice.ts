/**
 * The backend names a user can ask for, apart from engine/backend.ts so that the command line can list them
 * without loading tfjs.
 */
export type BackendChoice = 'auto' | 'node-gpu' | 'node' | 'wasm' | 'cpu';
export const backendChoices: BackendChoice[] = ['auto', 'node-gpu', 'node', 'wasm', 'cpu'];
