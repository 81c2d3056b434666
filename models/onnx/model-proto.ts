// Builds and serialises small ONNX models (ModelProto) with protobufjs and the message subset in
// onnx-subset.proto. Used by the tiny deterministic model; the encoding is deterministic, so the
// same graph always gives the same bytes.
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

const protoFile = fileURLToPath(new URL('./onnx-subset.proto', import.meta.url));

export const DataType = { FLOAT: 1, INT64: 7 } as const;
const AttributeType = { FLOAT: 1, INT: 2, INTS: 7 } as const;

/** The opset the tiny models use: ReduceSum/Unsqueeze take axes as inputs, ReduceMean as an attribute. */
export const OPSET = 13;
const IR_VERSION = 7;

let modelType: protobuf.Type | undefined;

function onnxModelType(): protobuf.Type {
  if (!modelType) {
    const root = protobuf.parse(fs.readFileSync(protoFile, 'utf8'), { keepCase: true }).root;
    modelType = root.lookupType('onnx.ModelProto');
  }
  return modelType;
}

export interface TensorInit {
  name: string;
  dims: number[];
  data_type: number;
  raw_data: Uint8Array;
}

export function floatTensor(name: string, dims: number[], values: Float32Array): TensorInit {
  if (values.length !== dims.reduce((a, b) => a * b, 1)) throw new Error(`tensor ${name}: ${values.length} values for dims ${dims.join('x')}`);
  const raw = Buffer.alloc(values.length * 4);
  for (let i = 0; i < values.length; i += 1) raw.writeFloatLE(values[i]!, i * 4);
  return { name, dims, data_type: DataType.FLOAT, raw_data: raw };
}

export function int64Tensor(name: string, dims: number[], values: number[]): TensorInit {
  const raw = Buffer.alloc(values.length * 8);
  values.forEach((v, i) => raw.writeBigInt64LE(BigInt(v), i * 8));
  return { name, dims, data_type: DataType.INT64, raw_data: raw };
}

type AttributeValue = number | number[] | { float: number };

export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  attributes?: Record<string, AttributeValue>;
}

function attribute(name: string, value: AttributeValue): Record<string, unknown> {
  if (Array.isArray(value)) return { name, ints: value, type: AttributeType.INTS };
  if (typeof value === 'object') return { name, f: value.float, type: AttributeType.FLOAT };
  return { name, i: value, type: AttributeType.INT };
}

/** A graph input or output: dims are numbers or symbolic names ("N", "L"). */
export interface ValueSpec {
  name: string;
  elemType: number;
  dims: Array<number | string>;
}

function valueInfo(spec: ValueSpec): Record<string, unknown> {
  return {
    name: spec.name,
    type: { tensor_type: { elem_type: spec.elemType, shape: { dim: spec.dims.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) } } },
  };
}

export interface GraphSpec {
  name: string;
  doc: string;
  inputs: ValueSpec[];
  outputs: ValueSpec[];
  initializers: TensorInit[];
  nodes: NodeSpec[];
}

/** Serialises a graph as an ONNX model file (bytes). */
export function encodeModel(graph: GraphSpec): Buffer {
  const type = onnxModelType();
  const message = {
    ir_version: IR_VERSION,
    producer_name: 'vitrina',
    producer_version: '1',
    opset_import: [{ domain: '', version: OPSET }],
    graph: {
      name: graph.name,
      doc_string: graph.doc,
      input: graph.inputs.map(valueInfo),
      output: graph.outputs.map(valueInfo),
      initializer: graph.initializers,
      node: graph.nodes.map((n, i) => ({
        name: `${n.op.toLowerCase()}_${i}`,
        op_type: n.op,
        input: n.inputs,
        output: n.outputs,
        attribute: Object.entries(n.attributes ?? {}).map(([k, v]) => attribute(k, v)),
      })),
    },
  };
  const invalid = type.verify(message);
  if (invalid) throw new Error(`invalid ONNX model: ${invalid}`);
  return Buffer.from(type.encode(type.fromObject(message)).finish());
}
