/** One reason behind a decision: a stable code, a sentence for people, and a model's share if any. */
export interface Reason {
  code: string;
  message: string;
  contribution?: number;
}

/** Every verdict Custos hands out is explained: never "because the model said so". */
export interface Decision<V extends string = string> {
  verdict: V;
  reasons: Reason[];
  score?: number;
  ttlMs?: number;
}
