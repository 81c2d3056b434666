// Original file: proto/vitrina/encoder/v1/encoder.proto


export interface EmbedTextsRequest {
  'texts'?: (string)[];
  'modelVersion'?: (string);
}

export interface EmbedTextsRequest__Output {
  'texts': (string)[];
  'modelVersion': (string);
}
