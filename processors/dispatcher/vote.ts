// A predicted articleType from the neighbours of an image: each neighbour votes for its type with
// its similarity; the confidence is the winner's share of the votes.
export interface Voter {
  articleType: string | null;
  score: number;
}

export function weightedVote(neighbours: Voter[]): { articleType: string | null; confidence: number } {
  const votes = new Map<string, number>();
  let total = 0;
  for (const n of neighbours) {
    if (!n.articleType) continue;
    const weight = Math.max(0, n.score);
    votes.set(n.articleType, (votes.get(n.articleType) ?? 0) + weight);
    total += weight;
  }
  let best: string | null = null;
  let bestWeight = -1;
  for (const [type, weight] of [...votes].sort((a, b) => a[0].localeCompare(b[0]))) {
    if (weight > bestWeight) {
      best = type;
      bestWeight = weight;
    }
  }
  return { articleType: best, confidence: total > 0 ? bestWeight / total : 0 };
}
