// A promise bounded in time: the work's outcome, or a rejection once `ms` have passed.
/** `work`, or a rejection saying that `what` did not answer within `ms` (or the error `what` makes). */
export function withTimeout<T>(work: Promise<T>, ms: number, what: string | (() => Error)): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(typeof what === 'string' ? new Error(`${what} did not answer within ${ms} ms`) : what()), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
