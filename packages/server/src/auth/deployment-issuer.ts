import type { ServerConfig } from '../config/server-config.js';
import { recordIssuer, type KeyRing } from './signing-keys.js';

export interface SettledIssuer {
  /** The `iss` this node signs and expects. */
  readonly issuer: string;
  /** What the operator should know (a changed or unrecordable issuer), one line each, for the log. */
  readonly warnings: readonly string[];
}

/**
 * The one issuer of a deployment. Nodes computing it each from their own settings disagreed as soon as they
 * listened on different ports (`http://HOST:PORT`), so a token from one node was refused by the next. It is
 * now recorded in the key file, which every node must share anyway:
 *
 * 1. `QS_ISSUER`, when set, is used and recorded (replacing a different recorded value, so that the CLI and
 *    nodes without `QS_ISSUER` follow it after their restart);
 * 2. otherwise the issuer recorded in the key file is used;
 * 3. a key file without one (created before issuers were recorded) records this node's proposal
 *    (`QS_PUBLIC_URL`, else `http://HOST:PORT`); nodes recording at once all take the one that won.
 *
 * A key file that cannot be written (a read-only mount) is not fatal: the node uses the value it would have
 * recorded, and says so.
 */
export async function settleIssuer(config: ServerConfig, keys: KeyRing): Promise<SettledIssuer> {
  const file = config.signingKeysFile;
  if (config.issuerConfigured) {
    if (keys.issuer === config.issuer) return { issuer: config.issuer, warnings: [] };
    try {
      await recordIssuer(file, config.issuer, { replace: true });
    } catch (error) {
      return {
        issuer: config.issuer,
        warnings: [
          `issuer ${config.issuer} (QS_ISSUER) could not be recorded in ${file}: ${(error as Error).message}; nodes without QS_ISSUER and \`quran-sync token\` will not know it`,
        ],
      };
    }
    const warnings =
      keys.issuer === null
        ? []
        : [
            `issuer changed from ${keys.issuer} to ${config.issuer} (QS_ISSUER), recorded in ${file}: restart the other nodes that do not set QS_ISSUER; tokens issued as ${keys.issuer} are no longer accepted`,
          ];
    return { issuer: config.issuer, warnings };
  }
  if (keys.issuer !== null) return { issuer: keys.issuer, warnings: publicUrlWarning(config, keys.issuer) };
  let issuer: string;
  try {
    issuer = await recordIssuer(file, config.issuer, { replace: false });
  } catch (error) {
    return {
      issuer: config.issuer,
      warnings: [`issuer ${config.issuer} could not be recorded in ${file}: ${(error as Error).message}; set QS_ISSUER on every node so they agree`],
    };
  }
  return { issuer, warnings: publicUrlWarning(config, issuer) };
}

/** The recorded issuer wins over QS_PUBLIC_URL; a difference is worth a line, since discovery shows it. */
function publicUrlWarning(config: ServerConfig, issuer: string): string[] {
  if (config.publicUrl === null || config.publicUrl === issuer) return [];
  return [`issuer is ${issuer}, recorded in ${config.signingKeysFile}, not QS_PUBLIC_URL ${config.publicUrl}: set QS_ISSUER=${config.publicUrl} to change it`];
}
