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

export type TrainingStatus = 'SUCCEEDED' | 'FAILED';

export interface EpochLoss {
  epoch: number;
  loss: number;
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
}
