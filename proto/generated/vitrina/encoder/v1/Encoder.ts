// Original file: proto/vitrina/encoder/v1/encoder.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { DescribeRequest as _vitrina_encoder_v1_DescribeRequest, DescribeRequest__Output as _vitrina_encoder_v1_DescribeRequest__Output } from '../../../vitrina/encoder/v1/DescribeRequest.ts';
import type { EmbedImagesRequest as _vitrina_encoder_v1_EmbedImagesRequest, EmbedImagesRequest__Output as _vitrina_encoder_v1_EmbedImagesRequest__Output } from '../../../vitrina/encoder/v1/EmbedImagesRequest.ts';
import type { EmbedResponse as _vitrina_encoder_v1_EmbedResponse, EmbedResponse__Output as _vitrina_encoder_v1_EmbedResponse__Output } from '../../../vitrina/encoder/v1/EmbedResponse.ts';
import type { EmbedTextsRequest as _vitrina_encoder_v1_EmbedTextsRequest, EmbedTextsRequest__Output as _vitrina_encoder_v1_EmbedTextsRequest__Output } from '../../../vitrina/encoder/v1/EmbedTextsRequest.ts';
import type { HealthRequest as _vitrina_encoder_v1_HealthRequest, HealthRequest__Output as _vitrina_encoder_v1_HealthRequest__Output } from '../../../vitrina/encoder/v1/HealthRequest.ts';
import type { HealthResponse as _vitrina_encoder_v1_HealthResponse, HealthResponse__Output as _vitrina_encoder_v1_HealthResponse__Output } from '../../../vitrina/encoder/v1/HealthResponse.ts';
import type { ModelInfo as _vitrina_encoder_v1_ModelInfo, ModelInfo__Output as _vitrina_encoder_v1_ModelInfo__Output } from '../../../vitrina/encoder/v1/ModelInfo.ts';

export interface EncoderClient extends grpc.Client {
  Describe(argument: _vitrina_encoder_v1_DescribeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_vitrina_encoder_v1_ModelInfo__Output>): grpc.ClientUnaryCall;
  Describe(argument: _vitrina_encoder_v1_DescribeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_vitrina_encoder_v1_ModelInfo__Output>): grpc.ClientUnaryCall;
  Describe(argument: _vitrina_encoder_v1_DescribeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_vitrina_encoder_v1_ModelInfo__Output>): grpc.ClientUnaryCall;
  Describe(argument: _vitrina_encoder_v1_DescribeRequest, callback: grpc.requestCallback<_vitrina_encoder_v1_ModelInfo__Output>): grpc.ClientUnaryCall;
  describe(argument: _vitrina_encoder_v1_DescribeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_vitrina_encoder_v1_ModelInfo__Output>): grpc.ClientUnaryCall;
  describe(argument: _vitrina_encoder_v1_DescribeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_vitrina_encoder_v1_ModelInfo__Output>): grpc.ClientUnaryCall;
  describe(argument: _vitrina_encoder_v1_DescribeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_vitrina_encoder_v1_ModelInfo__Output>): grpc.ClientUnaryCall;
  describe(argument: _vitrina_encoder_v1_DescribeRequest, callback: grpc.requestCallback<_vitrina_encoder_v1_ModelInfo__Output>): grpc.ClientUnaryCall;
  
  EmbedImages(argument: _vitrina_encoder_v1_EmbedImagesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_vitrina_encoder_v1_EmbedResponse__Output>): grpc.ClientUnaryCall;
  EmbedImages(argument: _vitrina_encoder_v1_EmbedImagesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_vitrina_encoder_v1_EmbedResponse__Output>): grpc.ClientUnaryCall;
  EmbedImages(argument: _vitrina_encoder_v1_EmbedImagesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_vitrina_encoder_v1_EmbedResponse__Output>): grpc.ClientUnaryCall;
  EmbedImages(argument: _vitrina_encoder_v1_EmbedImagesRequest, callback: grpc.requestCallback<_vitrina_encoder_v1_EmbedResponse__Output>): grpc.ClientUnaryCall;
  embedImages(argument: _vitrina_encoder_v1_EmbedImagesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_vitrina_encoder_v1_EmbedResponse__Output>): grpc.ClientUnaryCall;
  embedImages(argument: _vitrina_encoder_v1_EmbedImagesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_vitrina_encoder_v1_EmbedResponse__Output>): grpc.ClientUnaryCall;
  embedImages(argument: _vitrina_encoder_v1_EmbedImagesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_vitrina_encoder_v1_EmbedResponse__Output>): grpc.ClientUnaryCall;
  embedImages(argument: _vitrina_encoder_v1_EmbedImagesRequest, callback: grpc.requestCallback<_vitrina_encoder_v1_EmbedResponse__Output>): grpc.ClientUnaryCall;
  
  EmbedTexts(argument: _vitrina_encoder_v1_EmbedTextsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_vitrina_encoder_v1_EmbedResponse__Output>): grpc.ClientUnaryCall;
  EmbedTexts(argument: _vitrina_encoder_v1_EmbedTextsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_vitrina_encoder_v1_EmbedResponse__Output>): grpc.ClientUnaryCall;
  EmbedTexts(argument: _vitrina_encoder_v1_EmbedTextsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_vitrina_encoder_v1_EmbedResponse__Output>): grpc.ClientUnaryCall;
  EmbedTexts(argument: _vitrina_encoder_v1_EmbedTextsRequest, callback: grpc.requestCallback<_vitrina_encoder_v1_EmbedResponse__Output>): grpc.ClientUnaryCall;
  embedTexts(argument: _vitrina_encoder_v1_EmbedTextsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_vitrina_encoder_v1_EmbedResponse__Output>): grpc.ClientUnaryCall;
  embedTexts(argument: _vitrina_encoder_v1_EmbedTextsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_vitrina_encoder_v1_EmbedResponse__Output>): grpc.ClientUnaryCall;
  embedTexts(argument: _vitrina_encoder_v1_EmbedTextsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_vitrina_encoder_v1_EmbedResponse__Output>): grpc.ClientUnaryCall;
  embedTexts(argument: _vitrina_encoder_v1_EmbedTextsRequest, callback: grpc.requestCallback<_vitrina_encoder_v1_EmbedResponse__Output>): grpc.ClientUnaryCall;
  
  Health(argument: _vitrina_encoder_v1_HealthRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_vitrina_encoder_v1_HealthResponse__Output>): grpc.ClientUnaryCall;
  Health(argument: _vitrina_encoder_v1_HealthRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_vitrina_encoder_v1_HealthResponse__Output>): grpc.ClientUnaryCall;
  Health(argument: _vitrina_encoder_v1_HealthRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_vitrina_encoder_v1_HealthResponse__Output>): grpc.ClientUnaryCall;
  Health(argument: _vitrina_encoder_v1_HealthRequest, callback: grpc.requestCallback<_vitrina_encoder_v1_HealthResponse__Output>): grpc.ClientUnaryCall;
  health(argument: _vitrina_encoder_v1_HealthRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_vitrina_encoder_v1_HealthResponse__Output>): grpc.ClientUnaryCall;
  health(argument: _vitrina_encoder_v1_HealthRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_vitrina_encoder_v1_HealthResponse__Output>): grpc.ClientUnaryCall;
  health(argument: _vitrina_encoder_v1_HealthRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_vitrina_encoder_v1_HealthResponse__Output>): grpc.ClientUnaryCall;
  health(argument: _vitrina_encoder_v1_HealthRequest, callback: grpc.requestCallback<_vitrina_encoder_v1_HealthResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface EncoderHandlers extends grpc.UntypedServiceImplementation {
  Describe: grpc.handleUnaryCall<_vitrina_encoder_v1_DescribeRequest__Output, _vitrina_encoder_v1_ModelInfo>;
  
  EmbedImages: grpc.handleUnaryCall<_vitrina_encoder_v1_EmbedImagesRequest__Output, _vitrina_encoder_v1_EmbedResponse>;
  
  EmbedTexts: grpc.handleUnaryCall<_vitrina_encoder_v1_EmbedTextsRequest__Output, _vitrina_encoder_v1_EmbedResponse>;
  
  Health: grpc.handleUnaryCall<_vitrina_encoder_v1_HealthRequest__Output, _vitrina_encoder_v1_HealthResponse>;
  
}

export interface EncoderDefinition extends grpc.ServiceDefinition {
  Describe: MethodDefinition<_vitrina_encoder_v1_DescribeRequest, _vitrina_encoder_v1_ModelInfo, _vitrina_encoder_v1_DescribeRequest__Output, _vitrina_encoder_v1_ModelInfo__Output>
  EmbedImages: MethodDefinition<_vitrina_encoder_v1_EmbedImagesRequest, _vitrina_encoder_v1_EmbedResponse, _vitrina_encoder_v1_EmbedImagesRequest__Output, _vitrina_encoder_v1_EmbedResponse__Output>
  EmbedTexts: MethodDefinition<_vitrina_encoder_v1_EmbedTextsRequest, _vitrina_encoder_v1_EmbedResponse, _vitrina_encoder_v1_EmbedTextsRequest__Output, _vitrina_encoder_v1_EmbedResponse__Output>
  Health: MethodDefinition<_vitrina_encoder_v1_HealthRequest, _vitrina_encoder_v1_HealthResponse, _vitrina_encoder_v1_HealthRequest__Output, _vitrina_encoder_v1_HealthResponse__Output>
}
