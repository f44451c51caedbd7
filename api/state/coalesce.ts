/**
 * Shares a lookup among concurrent callers without ever answering one of them with a
 * result older than its call: a caller joins the lookup queued behind the one in flight
 * (never the one in flight, which may have started before the caller's predecessors
 * committed), so at most two lookups exist at a time however many callers arrive.
 */
export function coalesced<T>(lookUp: () => Promise<T>): () => Promise<T> {
  let inFlight: Promise<T> | undefined;
  let queued: Promise<T> | undefined;
  const next = (): Promise<T> => {
    if (!inFlight) {
      const lookup = lookUp();
      inFlight = lookup;
      const done = () => {
        if (inFlight === lookup) inFlight = undefined;
      };
      lookup.then(done, done);
      return lookup;
    }
    if (!queued) {
      const after = inFlight.catch(() => undefined);
      queued = after.then(() => {
        queued = undefined;
        return next();
      });
    }
    return queued;
  };
  return next;
}
