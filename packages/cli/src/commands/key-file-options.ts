import { Option, type Command } from 'commander';
import { resolveServerConfig, type ServerConfig } from '@quran-sync/server';

/** Flags of the commands that work on the key file alone (no database, no running server). */
export interface KeyFileFlags {
  dataDir?: string;
  keysFile?: string;
  issuer?: string;
  host?: string;
  port?: string;
}

export function addKeyFileOptions(command: Command, withIssuer: boolean): Command {
  command
    .addOption(new Option('--data-dir <dir>', 'the server data directory; the key file is <data-dir>/keys.json').env('QS_DATA_DIR').default('./.quran-sync'))
    .addOption(new Option('--keys-file <file>', 'the key file itself (overrides --data-dir)').env('QS_SIGNING_KEYS_FILE'));
  if (withIssuer) {
    command
      .addOption(new Option('--issuer <url>', 'the "iss" the server expects (default: the issuer the server recorded in the key file)').env('QS_ISSUER'))
      .addOption(new Option('--host <host>', 'host the server listens on: the issuer for a key file that records none').env('HOST'))
      .addOption(new Option('--port <port>', 'port the server listens on: the issuer for a key file that records none').env('PORT'));
  }
  return command;
}

/** The same key-file path and issuer the server would resolve from these flags and the environment. */
export function keyFileConfig(flags: KeyFileFlags): ServerConfig {
  return resolveServerConfig({
    ...(flags.dataDir ? { dataDir: flags.dataDir } : {}),
    ...(flags.keysFile ? { signingKeysFile: flags.keysFile } : {}),
    ...(flags.issuer ? { issuer: flags.issuer } : {}),
    ...(flags.host ? { host: flags.host } : {}),
    ...(flags.port ? { port: flags.port } : {}),
  });
}

/** A clear message for the usual mistake: pointing at a data directory the server never started in. */
export function missingKeyFileMessage(file: string): string {
  return `no key file at ${file}: start the server once (it creates the keys), or pass the server's --data-dir / --keys-file (QS_SIGNING_KEYS_FILE)`;
}
