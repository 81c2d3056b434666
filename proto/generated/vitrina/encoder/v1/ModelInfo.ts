// Original file: proto/vitrina/encoder/v1/encoder.proto


export interface ModelInfo {
  'name'?: (string);
  'version'?: (string);
  'dimension'?: (number);
  'textPreprocessing'?: (string);
  'imagePreprocessing'?: (string);
  'source'?: (string);
  'loadedVersions'?: (string)[];
  'maxBatch'?: (number);
  'maxImageBytes'?: (number);
}

export interface ModelInfo__Output {
  'name': (string);
  'version': (string);
  'dimension': (number);
  'textPreprocessing': (string);
  'imagePreprocessing': (string);
  'source': (string);
  'loadedVersions': (string)[];
  'maxBatch': (number);
  'maxImageBytes': (number);
}
