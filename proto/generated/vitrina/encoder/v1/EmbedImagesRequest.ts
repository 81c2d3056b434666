// Original file: proto/vitrina/encoder/v1/encoder.proto


export interface EmbedImagesRequest {
  'images'?: (Buffer | Uint8Array | string)[];
  'modelVersion'?: (string);
}

export interface EmbedImagesRequest__Output {
  'images': (Buffer)[];
  'modelVersion': (string);
}
