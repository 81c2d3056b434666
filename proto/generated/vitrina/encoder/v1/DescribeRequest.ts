// Original file: proto/vitrina/encoder/v1/encoder.proto


export interface DescribeRequest {
  'modelVersion'?: (string);
}

export interface DescribeRequest__Output {
  'modelVersion': (string);
}
