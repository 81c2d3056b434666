// Generated from schemas/*.avsc by schemas/generate-types.ts. Do not edit.

/** A message a processor could not handle, with the reason, kept so nothing accepted is lost. Keyed by source topic. */
export interface DeadLetter {
  sourceTopic: string;
  sourcePartition: number;
  sourceOffset: string;
  key: null | Buffer;
  /** The original bytes, unchanged. */
  value: null | Buffer;
  errorClass: string;
  errorMessage: string;
  processor: string;
  attempts: number;
  failedAt: number;
}

/** The paired difference challenger − champion of one metric on the same queries, with a seeded bootstrap interval. */
export interface MetricInterval {
  metric: string;
  champion: number;
  challenger: number;
  /** challenger − champion */
  difference: number;
  /** One-sided lower bound at `confidence` (bootstrap quantile 1 − confidence). */
  low: number;
  /** One-sided upper bound at `confidence` (bootstrap quantile confidence). */
  high: number;
  confidence: number;
  /** Sample standard deviation of the per-query differences. */
  sdDifference: number;
  queries: number;
  /** Queries where the challenger scored higher. */
  improved: number;
  /** Queries where the challenger scored lower. */
  worsened: number;
  /** Exact two-sided McNemar p-value (0/1 metrics only). */
  mcnemarP: null | number;
  resamples: number;
  seed: number;
}

/** Metrics of one model version on one test split. Keyed by model version. */
export interface EvaluationCompleted {
  evaluationId: string;
  modelVersion: string;
  runId: null | string;
  splitManifestKey: null | string;
  /** Metric name (e.g. text2image.exact.catalog.acc@10) to value. */
  metrics: Record<string, number>;
  queries: number;
  completedAt: number;
  modelName: string;
  /** champion, challenger or standalone. */
  role: string;
  /** For a challenger: the champion evaluated on the same split. */
  baselineVersion: null | string;
  baselineEvaluationId: null | string;
  /** For a challenger: the champion's metrics on the same split, so one event holds the comparison. */
  baselineMetrics: Record<string, number>;
  /** How it was measured: seeds, gallery sizes, augmentation. */
  parameters: Record<string, string>;
  durationMs: number;
  /** Set when the evaluation could not be done; metrics are then empty. */
  error: null | string;
  /** For a challenger: every acc@k / group@k metric compared with the champion query by query. */
  intervals: Array<MetricInterval>;
}

export interface Neighbour {
  productId: number;
  score: number;
  articleType: null | string;
}

/** Predictions for an image uploaded to the uploads bucket: its nearest catalog products and a predicted articleType. Keyed by bucket/object key. */
export interface ImagePrediction {
  bucket: string;
  objectKey: string;
  etag: string;
  modelVersion: string;
  predictedArticleType: null | string;
  confidence: number;
  neighbours: Array<Neighbour>;
  predictedAt: number;
}

/** A model version became the champion. Keyed by model name. */
export interface ModelPromoted {
  modelName: string;
  version: string;
  previousVersion: null | string;
  reason: string;
  promotedBy: string;
  promotedAt: number;
}

/** Embeddings of one product under one model version, with the product attributes search filters on, so the embeddings projection needs no other table. Keyed by <model version>/<product id> on the compacted topic vitrina.embeddings. */
export interface ProductEmbedded {
  productId: number;
  modelVersion: string;
  dimension: number;
  /** L2-normalised image embedding; null when the product has no usable image. */
  imageEmbedding: null | Array<number>;
  /** L2-normalised embedding of the product display name. */
  textEmbedding: null | Array<number>;
  /** Hash of the image the embedding was computed from. */
  imageSha256: null | string;
  productDisplayName: null | string;
  gender: null | string;
  masterCategory: null | string;
  subCategory: null | string;
  articleType: null | string;
  baseColour: null | string;
  season: null | string;
  year: null | number;
  usage: null | string;
  /** Object key of the normalised image in the images bucket. */
  imageKey: null | string;
  embeddedAt: number;
}

/** A catalog product was ingested: its styles.csv attributes and the MinIO keys of its original and normalised image. Keyed by product id on the compacted topic vitrina.products. */
export interface ProductIngested {
  /** Product id (styles.csv id, also the image file name). */
  id: number;
  /** Men, Women, Boys, Girls or Unisex. */
  gender: null | string;
  masterCategory: null | string;
  subCategory: null | string;
  articleType: null | string;
  baseColour: null | string;
  season: null | string;
  year: null | number;
  usage: null | string;
  productDisplayName: null | string;
  /** Content-addressed key of the original image bytes in the images bucket. */
  imageOriginalKey: string;
  /** Content-addressed key of the normalised copy (RGB JPEG, 60x80). */
  imageNormalizedKey: string;
  /** sha256 of the original image bytes (hex). */
  imageSha256: string;
  imageWidth: number;
  imageHeight: number;
  /** Identifies the dataset version: sha256 prefix of styles.csv. */
  datasetSnapshot: string;
  /** Where the row came from: local:<dir> or hf:<dataset>. */
  source: string;
  ingestedAt: number;
}

export type PromotionDecision = 'PROMOTE' | 'REJECT';

export interface PromotionCheck {
  metric: string;
  /** better (the lower bound of challenger − champion above max(margin, minEffect)) or noWorse (the upper bound of champion − challenger at most margin); older events: point values, no bounds. */
  kind: string;
  margin: number;
  challenger: null | number;
  champion: null | number;
  passed: boolean;
  /** challenger − champion */
  difference: null | number;
  /** Lower bound of the difference at the decision's confidence. */
  low: null | number;
  /** Upper bound of the difference at the decision's confidence. */
  high: null | number;
  /** What the bound was held against: max(margin, minEffect) for better, −margin for noWorse. */
  threshold: null | number;
  /** The smallest difference of this metric the test split detects at the decision's confidence and power. */
  minDetectable: null | number;
  mcnemarP: null | number;
  note: string;
}

/** What going live costs: the catalog re-embedded by the new champion. */
export interface SwitchCost {
  products: number;
  /** The embedder's rate; null when none is known. */
  perSecond: null | number;
  minutes: null | number;
  /** Where the rate comes from, or that none is known. */
  rateSource: string;
}

/** The promoter's decision on a challenger: promoted (a ModelPromoted follows) or rejected, with the rule, each check and the reason. Keyed by run id. */
export interface PromotionDecided {
  runId: string;
  modelName: string;
  challengerVersion: null | string;
  /** The champion when the decision was made. */
  championVersion: null | string;
  decision: PromotionDecision;
  reason: string;
  /** The rule applied, as JSON. */
  rule: string;
  checks: Array<PromotionCheck>;
  evaluationId: null | string;
  decidedAt: number;
  /** promote, reject, or inconclusive (the split cannot detect the minimum effect: not promoted); empty in older events. */
  outcome: string;
  confidence: null | number;
  minEffect: null | number;
  power: null | number;
  /** Test queries both models were compared on. */
  queries: number;
  cost: null | SwitchCost;
}

export type TrainingStatus = 'SUCCEEDED' | 'FAILED';

export interface EpochLoss {
  epoch: number;
  loss: number;
  pairsPerSecond: number;
  /** Softmax temperature at the end of the epoch. */
  temperature: number;
  /** Wall time of the epoch. */
  seconds: number;
}

/** A training run ended, successfully or not. Keyed by run id. */
export interface TrainingRunCompleted {
  runId: string;
  status: TrainingStatus;
  /** The challenger version produced. */
  modelVersion: null | string;
  baseModelVersion: null | string;
  /** Artifact name to object key in the models bucket. */
  artifacts: Record<string, string>;
  parameters: Record<string, string>;
  curve: Array<EpochLoss>;
  splitManifestKey: null | string;
  durationMs: number;
  error: null | string;
  completedAt: number;
  modelName: string;
  datasetSnapshot: null | string;
  /** Image/title pairs trained on. */
  trainPairs: number;
  /** Run figures: final loss, pairs/s, seconds spent embedding and training, peak memory (MiB). */
  metrics: Record<string, number>;
}

export interface ClassCount {
  articleType: string;
  train: number;
  test: number;
}

/** The experiment of a training run is prepared: a seeded train/test split stratified by articleType over a dataset snapshot, written as manifests in the models bucket. Keyed by run id. */
export interface TrainingRunPrepared {
  runId: string;
  modelName: string;
  /** The version the challenger fine-tunes (the champion when the request named none). */
  baseModelVersion: null | string;
  datasetSnapshot: string;
  /** sha256 prefix of the sorted (id, image key, display name) rows split. */
  catalogFingerprint: string;
  /** Where the catalog was read: products-projection or products-topic. */
  catalogSource: string;
  seed: number;
  testFraction: number;
  stratifiedBy: string;
  catalogSize: number;
  trainSize: number;
  testSize: number;
  classCounts: Array<ClassCount>;
  /** When set, the test split was drawn only from these products: the ones the base model declares it never trained on (its held-out set), so the champion is not measured on its own training data. */
  testDrawnFrom: null | string;
  /** How many catalog products the test split could be drawn from (the catalog size when unrestricted). */
  testEligible: number;
  /** Key of split.json in the models bucket. */
  splitManifestKey: null | string;
  /** Key of catalog.json (the rows split) in the models bucket. */
  catalogManifestKey: null | string;
  /** The request's hyperparameters, passed on. */
  parameters: Record<string, string>;
  /** Set when the experiment could not be prepared; the run ends here. */
  error: null | string;
  preparedAt: number;
}

/** Someone asked for a training run (CLI or admin endpoint). Keyed by run id. */
export interface TrainingRunRequested {
  runId: string;
  requestedBy: string;
  /** Model to fine-tune; the champion when null. */
  baseModelVersion: null | string;
  seed: number;
  testFraction: number;
  /** Hyperparameters (epochs, learning rate, ...), as strings. */
  parameters: Record<string, string>;
  requestedAt: number;
  /** The model this run trains a challenger for; its ModelPromoted events name the champion. */
  modelName: string;
  /** Dataset snapshot (ProductIngested.datasetSnapshot) to split; the snapshot with the most products when null. */
  datasetSnapshot: null | string;
}

export type UploadOutcome = 'PREDICTED' | 'REJECTED';

/** The dispatcher handled an object of the uploads bucket once: predicted (an ImagePrediction was published) or rejected (a dead letter with the reason was sent). The uploads projection, the dispatcher's ledger, is the latest of these per object. Keyed by <bucket>/<object key>#<etag>. */
export interface UploadHandled {
  bucket: string;
  objectKey: string;
  etag: string;
  outcome: UploadOutcome;
  /** The version that embedded the image, when predicted. */
  modelVersion: null | string;
  /** Why the object was rejected (the dead letter's reason). */
  reason: null | string;
  /** dispatcher, dispatcher.sweep, or dispatcher.ledger-import for a row of the table the ledger used to be. */
  processor: string;
  handledAt: number;
}
