/**
 * /api/auth: sign-up, login, the caller's profile and account erasure.
 * Commands and reads (reads.ts) are one plugin: a process serves both or neither.
 */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { PluginOptions } from "../context.ts";
import { accepted, position } from "../http/accepted.ts";
import { caller } from "../http/request-context.ts";
import * as commands from "./commands.ts";
import authReads from "./reads.ts";
import * as schemas from "./schemas.ts";
import { createAccountsView, createIdentityOwnersView } from "./state.ts";

const authPlugin: FastifyPluginAsyncTypebox<PluginOptions> = async (app, { ctx, reads }) => {
  // Plugin-private: auth.credentials is restricted to the auth service.
  const views = {
    accounts: createAccountsView(ctx.viewSource, ctx.types),
    owners: createIdentityOwnersView(ctx.viewSource, ctx.types),
  };
  await Promise.all([views.accounts.start(), views.owners.start()]);
  app.addHook("onClose", async () => {
    await Promise.all([views.accounts.close(), views.owners.close()]);
  });

  app.post("/signup", { schema: schemas.signup }, async (request, reply) => {
    const result = await commands.signup(ctx, views, request, request.body);
    return reply.status(201).send({
      userId: result.userId,
      events: result.events.map((e) => ({ ...position(e), type: e.type })),
    });
  });

  app.post("/login", { schema: schemas.login }, async (request) =>
    commands.login(ctx, views, request, request.body),
  );

  app.patch(
    "/me",
    { schema: schemas.updateProfile, onRequest: ctx.auth.require() },
    async (request, reply) =>
      accepted(
        reply,
        await commands.updateProfile(ctx, views, request, caller(request), request.body),
      ),
  );

  app.delete(
    "/me",
    { schema: schemas.erase, onRequest: ctx.auth.require() },
    async (request, reply) =>
      accepted(reply, await commands.erase(ctx, views, request, caller(request))),
  );

  await app.register(authReads, { reads });
};

export default authPlugin;
