// Original file: proto/vitrina/encoder/v1/encoder.proto


export interface EmbedResponse {
  'modelVersion'?: (string);
  'dimension'?: (number);
  'embeddings'?: (Buffer | Uint8Array | string)[];
}

export interface EmbedResponse__Output {
  'modelVersion': (string);
  'dimension': (number);
  'embeddings': (Buffer)[];
}
