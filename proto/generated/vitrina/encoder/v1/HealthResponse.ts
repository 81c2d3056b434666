// Original file: proto/vitrina/encoder/v1/encoder.proto


// Original file: proto/vitrina/encoder/v1/encoder.proto

export const _vitrina_encoder_v1_HealthResponse_Status = {
  UNKNOWN: 'UNKNOWN',
  SERVING: 'SERVING',
  NOT_SERVING: 'NOT_SERVING',
} as const;

export type _vitrina_encoder_v1_HealthResponse_Status =
  | 'UNKNOWN'
  | 0
  | 'SERVING'
  | 1
  | 'NOT_SERVING'
  | 2

export type _vitrina_encoder_v1_HealthResponse_Status__Output = typeof _vitrina_encoder_v1_HealthResponse_Status[keyof typeof _vitrina_encoder_v1_HealthResponse_Status]

export interface HealthResponse {
  'status'?: (_vitrina_encoder_v1_HealthResponse_Status);
  'modelVersion'?: (string);
}

export interface HealthResponse__Output {
  'status': (_vitrina_encoder_v1_HealthResponse_Status__Output);
  'modelVersion': (string);
}
