// The hyperparameters of a training run as they travel in events (a map of strings), their
// defaults and their checks. The CLI, the gateway's admin endpoint and every processor read them
// through here, so a bad value is refused when the run is requested, not minutes into it.

export interface TrainingParameters {
  epochs: number;
  learningRate: number;
  batchSize: number;
  /** Initial softmax temperature of the InfoNCE loss. */
  temperature: number;
  /** Whether the temperature is learnt (as a log scale) or fixed. */
  learnTemperature: boolean;
  /** Decoupled weight decay pulling W and b towards 0, i.e. the adapter towards the identity. */
  weightDecay: number;
  /** Which sides get an adapter; a side left out stays the base encoder's (the identity). */
  sides: AdapterSides;
}

export type AdapterSides = 'both' | 'text' | 'image';

export interface EvaluationParameters {
  /** Seed of the augmented query images; default: the run's seed. */
  augmentSeed: number | undefined;
  /** Test products used as queries (a seeded sample); 0: all of them. */
  maxQueries: number;
  /** Queries timed end to end through the model server, per model and modality. */
  latencyQueries: number;
}

/** How the promoter weighs the evidence (processors/promoter/rule.ts). */
export interface PromotionParameters {
  /** One-sided confidence of every bound the rule reads (the interval is [q(1−c), q(c)] of the bootstrap). */
  confidence: number;
  /** The least gain of a deciding ("better") metric worth a switch: its lower bound must exceed it. */
  minEffect: number;
  /** Power at which the minimum detectable effect of the split is stated. */
  power: number;
  /** Bootstrap resamples. */
  resamples: number;
  /** Seed of the bootstrap; default: the run's split seed. */
  seed: number | undefined;
  /** Products per second the embedder re-embeds at, as measured (its "re-embedding progress" log); none: unknown. */
  embedRate: number | undefined;
}

export const PROMOTION_DEFAULTS: PromotionParameters = { confidence: 0.95, minEffect: 0.005, power: 0.8, resamples: 2000, seed: undefined, embedRate: undefined };

export const TRAINING_DEFAULTS: TrainingParameters = { epochs: 10, learningRate: 1e-3, batchSize: 256, temperature: 0.05, learnTemperature: true, weightDecay: 1e-4, sides: 'both' };
export const EVALUATION_DEFAULTS: EvaluationParameters = { augmentSeed: undefined, maxQueries: 0, latencyQueries: 100 };

/** Keys of the parameters map. */
export const PARAM = {
  epochs: 'epochs',
  learningRate: 'lr',
  batchSize: 'batchSize',
  temperature: 'temperature',
  learnTemperature: 'learnTemperature',
  weightDecay: 'weightDecay',
  sides: 'adapter.sides',
  augmentSeed: 'eval.augmentSeed',
  maxQueries: 'eval.maxQueries',
  latencyQueries: 'eval.latencyQueries',
  promotionRule: 'promotion.rule',
  confidence: 'promotion.confidence',
  minEffect: 'promotion.minEffect',
  power: 'promotion.power',
  resamples: 'promotion.resamples',
  bootstrapSeed: 'promotion.seed',
  embedRate: 'promotion.embedRate',
} as const;

export class ParameterError extends Error {
  override name = 'ParameterError';
}

function num(map: Record<string, string>, key: string, fallback: number, check: (v: number) => boolean, what: string): number {
  const raw = map[key];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || !check(value)) throw new ParameterError(`parameter ${key}="${raw}": expected ${what}`);
  return value;
}

function bool(map: Record<string, string>, key: string, fallback: boolean): boolean {
  const raw = map[key];
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new ParameterError(`parameter ${key}="${raw}": expected true or false`);
}

const positiveInt = (v: number): boolean => Number.isInteger(v) && v > 0;

export function trainingParameters(map: Record<string, string>): TrainingParameters {
  const d = TRAINING_DEFAULTS;
  return {
    epochs: num(map, PARAM.epochs, d.epochs, (v) => positiveInt(v) && v <= 1000, 'an integer in 1..1000'),
    learningRate: num(map, PARAM.learningRate, d.learningRate, (v) => v > 0 && v <= 1, 'a number in (0, 1]'),
    batchSize: num(map, PARAM.batchSize, d.batchSize, (v) => positiveInt(v) && v >= 2 && v <= 4096, 'an integer in 2..4096'),
    temperature: num(map, PARAM.temperature, d.temperature, (v) => v >= 0.005 && v <= 1, 'a number in [0.005, 1]'),
    learnTemperature: bool(map, PARAM.learnTemperature, d.learnTemperature),
    weightDecay: num(map, PARAM.weightDecay, d.weightDecay, (v) => v >= 0 && v < 1, 'a number in [0, 1)'),
    sides: sidesOf(map[PARAM.sides], d.sides),
  };
}

function sidesOf(raw: string | undefined, fallback: AdapterSides): AdapterSides {
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'both' || raw === 'text' || raw === 'image') return raw;
  throw new ParameterError(`parameter ${PARAM.sides}="${raw}": expected both, text or image`);
}

export function evaluationParameters(map: Record<string, string>): EvaluationParameters {
  const d = EVALUATION_DEFAULTS;
  const seed = map[PARAM.augmentSeed];
  return {
    augmentSeed: seed === undefined || seed === '' ? d.augmentSeed : num(map, PARAM.augmentSeed, 0, Number.isInteger, 'an integer'),
    maxQueries: num(map, PARAM.maxQueries, d.maxQueries, (v) => Number.isInteger(v) && v >= 0, 'a non-negative integer'),
    latencyQueries: num(map, PARAM.latencyQueries, d.latencyQueries, (v) => Number.isInteger(v) && v >= 0 && v <= 10_000, 'an integer in 0..10000'),
  };
}

const optional = (map: Record<string, string>, key: string, check: (v: number) => boolean, what: string): number | undefined =>
  map[key] === undefined || map[key] === '' ? undefined : num(map, key, 0, check, what);

export function promotionParameters(map: Record<string, string>): PromotionParameters {
  const d = PROMOTION_DEFAULTS;
  return {
    confidence: num(map, PARAM.confidence, d.confidence, (v) => v > 0.5 && v < 1, 'a number in (0.5, 1)'),
    minEffect: num(map, PARAM.minEffect, d.minEffect, (v) => v >= 0 && v < 1, 'a number in [0, 1)'),
    power: num(map, PARAM.power, d.power, (v) => v > 0.5 && v < 1, 'a number in (0.5, 1)'),
    resamples: num(map, PARAM.resamples, d.resamples, (v) => Number.isInteger(v) && v >= 100 && v <= 100_000, 'an integer in 100..100000'),
    seed: optional(map, PARAM.bootstrapSeed, Number.isInteger, 'an integer') ?? d.seed,
    embedRate: optional(map, PARAM.embedRate, (v) => v > 0, 'a positive number (products per second)') ?? d.embedRate,
  };
}

/** The promotion.* parameters a run carries, passed on from its request to its evaluation and decision. */
export function promotionParameterMap(map: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(map).filter(([key]) => key.startsWith('promotion.')));
}

/** Checks every known parameter of a request (unknown keys are kept and ignored). */
export function checkParameters(map: Record<string, string>): void {
  trainingParameters(map);
  evaluationParameters(map);
  promotionParameters(map);
}

/** The map form of training parameters, with every value spelled out (what TrainingRunCompleted records). */
export function trainingParameterMap(p: TrainingParameters): Record<string, string> {
  return {
    [PARAM.epochs]: String(p.epochs),
    [PARAM.learningRate]: String(p.learningRate),
    [PARAM.batchSize]: String(p.batchSize),
    [PARAM.temperature]: String(p.temperature),
    [PARAM.learnTemperature]: String(p.learnTemperature),
    [PARAM.weightDecay]: String(p.weightDecay),
    [PARAM.sides]: p.sides,
  };
}
