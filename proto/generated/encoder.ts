import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { DescribeRequest as _vitrina_encoder_v1_DescribeRequest, DescribeRequest__Output as _vitrina_encoder_v1_DescribeRequest__Output } from './vitrina/encoder/v1/DescribeRequest.ts';
import type { EmbedImagesRequest as _vitrina_encoder_v1_EmbedImagesRequest, EmbedImagesRequest__Output as _vitrina_encoder_v1_EmbedImagesRequest__Output } from './vitrina/encoder/v1/EmbedImagesRequest.ts';
import type { EmbedResponse as _vitrina_encoder_v1_EmbedResponse, EmbedResponse__Output as _vitrina_encoder_v1_EmbedResponse__Output } from './vitrina/encoder/v1/EmbedResponse.ts';
import type { EmbedTextsRequest as _vitrina_encoder_v1_EmbedTextsRequest, EmbedTextsRequest__Output as _vitrina_encoder_v1_EmbedTextsRequest__Output } from './vitrina/encoder/v1/EmbedTextsRequest.ts';
import type { EncoderClient as _vitrina_encoder_v1_EncoderClient, EncoderDefinition as _vitrina_encoder_v1_EncoderDefinition } from './vitrina/encoder/v1/Encoder.ts';
import type { HealthRequest as _vitrina_encoder_v1_HealthRequest, HealthRequest__Output as _vitrina_encoder_v1_HealthRequest__Output } from './vitrina/encoder/v1/HealthRequest.ts';
import type { HealthResponse as _vitrina_encoder_v1_HealthResponse, HealthResponse__Output as _vitrina_encoder_v1_HealthResponse__Output } from './vitrina/encoder/v1/HealthResponse.ts';
import type { ModelInfo as _vitrina_encoder_v1_ModelInfo, ModelInfo__Output as _vitrina_encoder_v1_ModelInfo__Output } from './vitrina/encoder/v1/ModelInfo.ts';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  vitrina: {
    encoder: {
      v1: {
        DescribeRequest: MessageTypeDefinition<_vitrina_encoder_v1_DescribeRequest, _vitrina_encoder_v1_DescribeRequest__Output>
        EmbedImagesRequest: MessageTypeDefinition<_vitrina_encoder_v1_EmbedImagesRequest, _vitrina_encoder_v1_EmbedImagesRequest__Output>
        EmbedResponse: MessageTypeDefinition<_vitrina_encoder_v1_EmbedResponse, _vitrina_encoder_v1_EmbedResponse__Output>
        EmbedTextsRequest: MessageTypeDefinition<_vitrina_encoder_v1_EmbedTextsRequest, _vitrina_encoder_v1_EmbedTextsRequest__Output>
        Encoder: SubtypeConstructor<typeof grpc.Client, _vitrina_encoder_v1_EncoderClient> & { service: _vitrina_encoder_v1_EncoderDefinition }
        HealthRequest: MessageTypeDefinition<_vitrina_encoder_v1_HealthRequest, _vitrina_encoder_v1_HealthRequest__Output>
        HealthResponse: MessageTypeDefinition<_vitrina_encoder_v1_HealthResponse, _vitrina_encoder_v1_HealthResponse__Output>
        ModelInfo: MessageTypeDefinition<_vitrina_encoder_v1_ModelInfo, _vitrina_encoder_v1_ModelInfo__Output>
      }
    }
  }
}

