/** /api/search: reads only (the search aliases); it has no commands of its own. */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { PluginOptions } from "../context.ts";
import searchReads from "./reads.ts";

const searchPlugin: FastifyPluginAsyncTypebox<PluginOptions> = async (app, { reads }) => {
  await app.register(searchReads, { reads });
};

export default searchPlugin;
