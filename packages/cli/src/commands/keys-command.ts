import { InvalidArgumentError, Option, type Command } from 'commander';
import { rotateSigningKeys } from '@quran-sync/server';
import { addKeyFileOptions, keyFileConfig, missingKeyFileMessage, type KeyFileFlags } from './key-file-options.js';

function parseKeep(value: string): number {
  const keep = Number(value);
  if (!Number.isInteger(keep) || keep < 1 || keep > 10) throw new InvalidArgumentError('must be an integer between 1 and 10');
  return keep;
}

export function registerKeysCommand(program: Command): void {
  const keys = program.command('keys').description('manage the token-signing keys in <data-dir>/keys.json');
  addKeyFileOptions(
    keys
      .command('rotate')
      .description('add a new signing key in front (it signs from now on) and keep the newest --keep keys for verification')
      .addOption(new Option('--keep <n>', 'how many keys to keep, the new one included').default(2).argParser(parseKeep)),
    false,
  )
    .addHelpText(
      'after',
      `
Tokens signed by a key that is still kept keep working; tokens of a dropped key stop verifying (with the
default --keep 2, tokens from before the previous rotation). The HMAC secret of content sync tokens is not
changed. Running servers read the key file at start: restart them (one by one) after rotating, and publish
nothing else: verifiers fetch the new key from /.well-known/jwks.json.`,
    )
    .action(async (flags: KeyFileFlags & { keep: number }) => {
      const config = keyFileConfig(flags);
      const ring = await rotateSigningKeys(config.signingKeysFile, flags.keep).catch((error: NodeJS.ErrnoException) => {
        throw error.code === 'ENOENT' ? new Error(missingKeyFileMessage(config.signingKeysFile)) : error;
      });
      process.stdout.write(
        `new signing key ${ring.active.kid} in ${config.signingKeysFile}\n` +
          `keys kept (newest first): ${ring.all.map((k) => k.kid).join(', ')}\n` +
          'restart running servers to sign with the new key\n',
      );
    });
}
