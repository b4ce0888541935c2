// The admin page's view of conversion blocks: the active ones with their evidence, and lifting
// one (audited in the log with the admin's name). Plain functions; routes.ts adapts HTTP.
import * as z from '../core/zod.js';
import type { FastifyBaseLogger } from 'fastify';
import { ERROR_CODES, GatewayError } from '../core/errors.js';
import type { BlockView } from '../guard/index.js';
import type { AdminContext } from './api/context.js';

export const liftBody = z.strictObject({
  id: z.string().check(z.minLength(1), z.maxLength(200), z.regex(/^conversion\.[a-z0-9.]+:[A-Za-z0-9_-]{1,64}$/, 'expected a block id from GET /admin/api/blocks')),
});

export class BlockNotFound extends GatewayError {
  /** Read by the admin error handler (routes.ts). */
  readonly statusCode = 404;
  constructor() {
    super(ERROR_CODES.NOT_FOUND, 'No active block with this id (it may have ended or been lifted)');
  }
}

export async function listBlocks(ctx: AdminContext): Promise<{ blocks: BlockView[] }> {
  return { blocks: ctx.guard ? await ctx.guard.blocks() : [] };
}

export async function liftBlock(ctx: AdminContext, id: string, user: string, log: FastifyBaseLogger): Promise<{ block: BlockView }> {
  const block = await ctx.guard?.lift(id, user);
  if (!block) throw new BlockNotFound();
  log.info({ user, audit: 'block.lifted', rule: block.rule, scope: block.scope, channel: block.channel, country: block.country }, 'admin lifted a conversion block');
  return { block };
}
