// What a model source gets when it loads a version directory.
import type { LoadedModel } from '../model.ts';

export interface LoadContext {
  cacheDir: string;
  /** Intra-op threads of each ONNX session. */
  threads?: number;
  log: (line: string) => void;
  /** Opens another version by name (an adapter version's base). */
  loadVersion(version: string): Promise<LoadedModel>;
}
