import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from './app-context.js';

/** A capability's routes: a Fastify plugin given the app context (and a prefix where the API has one). */
export type CapabilityPlugin = FastifyPluginAsync<{ ctx: AppContext }>;
