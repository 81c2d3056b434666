// The gateway plugins of the MLOps loop (model registry, training runs, promote/rollback), wired
// here so `serve all` mounts them next to search.
import type { GatewayPlugin } from '../gateway/app.ts';
import type { Runtime } from './runtime.ts';

export function adminPlugins(_runtime: Runtime): GatewayPlugin[] {
  return [];
}
