/**
 * The configured media store: local disk under the stack's data directory unless
 * VOBE_MEDIA_DIR points elsewhere. An S3-compatible store would implement the same
 * interface (store.ts); none is built yet (docs/adr/023-media-store.md).
 */
import { resolve } from "node:path";
import { stackPaths } from "../../stack/config.ts";
import { LocalMediaStore } from "./local-store.ts";

export * from "./audio.ts";
export * from "./ingest.ts";
export { LocalMediaStore } from "./local-store.ts";
export * from "./range.ts";
export * from "./store.ts";

export function mediaStoreFromEnv(env: NodeJS.ProcessEnv = process.env): LocalMediaStore {
  if (env.VOBE_MEDIA_S3_BUCKET) {
    throw new Error(
      "VOBE_MEDIA_S3_BUCKET is set, but the S3-compatible media store is not built yet (docs/adr/023-media-store.md); unset it to use local disk",
    );
  }
  return new LocalMediaStore(resolve(env.VOBE_MEDIA_DIR ?? stackPaths.data("media")));
}
