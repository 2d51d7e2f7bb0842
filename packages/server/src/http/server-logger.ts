import { LogController, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import pinoPretty from 'pino-pretty';
import type { ServerConfig } from '../config/server-config.js';

/** Pino paths never written to logs: credentials travel in these. */
export const REDACTED_LOG_PATHS = [
  'req.headers.authorization',
  'req.headers["x-auth-token"]',
  'req.headers.cookie',
  'headers.authorization',
  'headers["x-auth-token"]',
];

/**
 * Fastify's request logging without the two lines of every answered request ("incoming request", "request
 * completed"). A request that ends in an error, a response stream that fails and the rest are still logged:
 * Fastify's own `disableRequestLogging` would silence those too.
 */
class QuietRequestLogController extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply, metadata?: Record<string, unknown>): void {
    if (error) super.requestCompleted(error, request, reply, metadata);
  }
}

/**
 * The server's logger options. Production gets JSON lines on stdout, for a log collector. A person running
 * the server in a terminal gets the same lines made readable (pino-pretty, written synchronously so they stay
 * in order with the command's own output). Either way credentials are redacted before formatting, and the
 * two lines per request are left out unless asked for: they drown everything else at the default level.
 */
export function serverLoggerOptions(config: ServerConfig): Pick<FastifyServerOptions, 'logger' | 'logController'> {
  const pretty = config.logFormat === 'pretty' || (config.logFormat === 'auto' && process.stdout.isTTY === true);
  const redact = { paths: REDACTED_LOG_PATHS, censor: '[redacted]' };
  return {
    logger: pretty
      ? {
          level: config.logLevel,
          redact,
          stream: pinoPretty({ sync: true, colorize: process.stdout.isTTY === true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' }),
        }
      : { level: config.logLevel, redact },
    ...(config.logRequests ? {} : { logController: new QuietRequestLogController() }),
  };
}
