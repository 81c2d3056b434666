// pgvector's text form of a vector, '[x1,x2,...]'; float32 values print exactly as doubles.
export function vectorLiteral(values: ArrayLike<number>): string {
  return `[${Array.from(values).join(',')}]`;
}
