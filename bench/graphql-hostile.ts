// Hostile GraphQL documents the limits tests and bench/graphql-limits.ts send, written programmatically so their size is plain.

/** Fragment i spreads fragment i+1 twice: written once each, the chain expands to 2^levels searches. */
export function chainedFragments(levels: number): string {
  const lines = ['query Chain { ...f0 }'];
  for (let i = 0; i < levels; i += 1) lines.push(`fragment f${i} on Query { ...f${i + 1} ...f${i + 1} }`);
  lines.push(`fragment f${levels} on Query { search(q: "a", k: 1) { k } }`);
  return lines.join('\n');
}

/** `count` aliased copies of `field(i)` in one selection set. */
export const aliased = (count: number, field: (i: number) => string, prefix = 'a'): string => Array.from({ length: count }, (_, i) => `${prefix}${i}: ${field(i)}`).join(' ');
