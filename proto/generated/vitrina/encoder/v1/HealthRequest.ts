// Original file: proto/vitrina/encoder/v1/encoder.proto


export interface HealthRequest {
}

export interface HealthRequest__Output {
}
