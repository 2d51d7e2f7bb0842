import type { FastifyRequest } from 'fastify';

/**
 * Base URL to build endpoint links from: the configured public URL (`QS_PUBLIC_URL`, right behind a
 * proxy), else the protocol and Host the request came with (right for direct and local use).
 */
export function publicBaseUrl(publicUrl: string | null, request: FastifyRequest): string {
  if (publicUrl) return publicUrl;
  return `${request.protocol}://${request.host}`;
}
